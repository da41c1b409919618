"""The action queue between API processes and conductors, on SQLite,
PostgreSQL and MariaDB: claim, execute, take over what a dead conductor
left, and two conductors racing for the same rows (each action runs once).
"""

import datetime
import threading
import time

import fixtures
import testscenarios
import testtools

from baremetal_notifier.conductor import action_api
from baremetal_notifier.conductor import heartbeat
from baremetal_notifier.conductor import locks as locks_mod
from baremetal_notifier.db import models
from baremetal_notifier.drivers import base
from baremetal_notifier import exception
from baremetal_notifier.objects import node_actions
from baremetal_notifier.objects import node_power
from powerbridge import db
from tests.fixtures import conductor as cf
from tests.fixtures import dbfixture

ON, OFF = base.POWER_ON, base.POWER_OFF
DEAD = 'conductor-dead'
WAIT = 30
CONDUCTORS = models.Conductor.__table__


class QueueTestCase(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(fixtures.FakeLogger(level='INFO'))
        self.cf = self.useFixture(cf.ConductorFixture(backend=self.backend))
        self.driver = self.cf.driver
        self.conductor = self.cf.manager
        # An API process of its own: it queues without waking anyone.
        self.api = action_api.ActionAPI(self.cf.db)
        heartbeat.register(self.cf.ctx, cf.HOST)

    def register(self, host, seconds_ago=0):
        """A conductor row with its last heartbeat ``seconds_ago``."""
        heartbeat.register(self.cf.ctx, host)
        when = db.utcnow() - datetime.timedelta(
            seconds=seconds_ago)
        with self.cf.db.writer.using(self.cf.ctx) as session:
            session.execute(CONDUCTORS.update().where(
                CONDUCTORS.c.hostname == host).values(updated_at=when))

    def claim_as(self, host, action_id, node_uuid, running=False):
        """What a conductor ``host`` does before it dies."""
        locks = locks_mod.NodeLocks(self.cf.ctx, host)
        self.assertTrue(locks.take(
            node_uuid, node_actions.QUEUE_HOLDER,
            lambda session: node_actions.claim(session, action_id, host)))
        if running:
            self.assertTrue(node_actions.mark_running(self.cf.ctx,
                                                      action_id, host))

    def settle(self, node_uuid):
        """Wait until the node's action is over (its lock released)."""
        deadline = time.monotonic() + WAIT
        while self.cf.node(node_uuid)['reservation'] is not None:
            self.assertLess(time.monotonic(), deadline, 'action not over')
            time.sleep(0.02)

    def sets(self, node_uuid):
        return [c for c in self.driver.calls
                if c[0] == 'set' and c[1] == node_uuid]

    def status(self, action_id):
        return node_actions.get(self.cf.ctx, action_id).status


class TestClaimAndExecute(QueueTestCase):

    def test_queued_power_action_is_claimed_and_carried_out(self):
        node = self.cf.add_node(power_state=OFF)
        action_id = self.api.change_node_power_state(None, node, ON)
        row = self.cf.node(node)
        self.assertEqual((node_actions.QUEUE_HOLDER, ON, OFF),
                         (row['reservation'], row['target_power_state'],
                          row['power_state']))
        self.assertEqual(node_actions.QUEUED, self.status(action_id))
        self.assertEqual([], self.sets(node))

        self.assertEqual(1, self.conductor.queue.run_once())
        self.assertEqual(0, self.conductor.actions.wait(WAIT))
        row = self.cf.node(node)
        self.assertEqual((None, None, ON, None),
                         (row['reservation'], row['target_power_state'],
                          row['power_state'], row['last_error']))
        action = node_actions.get(self.cf.ctx, action_id)
        self.assertEqual((node_actions.DONE, cf.HOST),
                         (action.status, action.conductor))
        self.assertEqual([('set', node, ON)], self.sets(node))
        # Nothing left to do: a second look starts nothing.
        self.assertEqual(0, self.conductor.queue.run_once())
        self.assertEqual(1, len(self.sets(node)))

    def test_failure_is_recorded_on_the_node_and_the_row(self):
        node = self.cf.add_node(power_state=OFF)
        self.driver.fail_actions(node, 'BMC refused the command')
        action_id = self.api.change_node_power_state(None, node, ON)
        self.conductor.queue.run_once()
        self.assertEqual(0, self.conductor.actions.wait(WAIT))
        row = self.cf.node(node)
        self.assertIn('BMC refused the command', row['last_error'])
        self.assertEqual((None, None), (row['reservation'],
                                        row['target_power_state']))
        action = node_actions.get(self.cf.ctx, action_id)
        self.assertEqual(node_actions.FAILED, action.status)
        self.assertEqual(row['last_error'], action.last_error)

    def test_queued_verify_is_carried_out(self):
        node = self.cf.add_node(provision_state='enroll', power_state=None)
        self.driver.set_state(node, ON)
        action_id = self.api.do_provisioning_action(None, node, 'manage')
        row = self.cf.node(node)
        self.assertEqual(('verifying', 'manageable',
                          node_actions.QUEUE_HOLDER),
                         (row['provision_state'],
                          row['target_provision_state'], row['reservation']))
        self.assertEqual(1, self.conductor.queue.run_once())
        self.settle(node)
        self.assertEqual(node_actions.DONE, self.status(action_id))
        row = self.cf.node(node)
        self.assertEqual(('manageable', None, ON, None),
                         (row['provision_state'], row['reservation'],
                          row['power_state'], row['last_error']))

    def test_a_move_without_hardware_is_not_queued(self):
        node = self.cf.add_node(provision_state='manageable')
        self.assertIsNone(self.api.do_provisioning_action(None, node,
                                                          'provide'))
        row = self.cf.node(node)
        self.assertEqual(('available', None),
                         (row['provision_state'], row['reservation']))
        self.assertEqual([], node_actions.for_node(self.cf.ctx, node))

    def test_a_refused_request_leaves_nothing(self):
        node = self.cf.add_node(provision_state='clean wait')
        self.assertRaises(exception.InvalidStateRequested,
                          self.api.change_node_power_state, None, node, ON)
        row = self.cf.node(node)
        self.assertEqual((None, None), (row['reservation'],
                                        row['target_power_state']))
        self.assertEqual([], node_actions.for_node(self.cf.ctx, node))

    def test_the_node_of_a_queued_action_was_deleted(self):
        node = self.cf.add_node(power_state=OFF)
        action_id = self.api.change_node_power_state(None, node, ON)
        self.cf.delete_node(node)
        self.assertEqual(0, self.conductor.queue.run_once())
        self.assertEqual(node_actions.FAILED, self.status(action_id))


    def test_a_row_whose_reservation_was_released_is_dropped(self):
        # An operator (or a cleanup) released the node by hand; a later
        # request was accepted: only that one runs, the first is dropped.
        node = self.cf.add_node(power_state=OFF)
        lost = self.api.change_node_power_state(None, node, ON)
        self.cf.update_node(node, reservation=None, target_power_state=None)
        later = self.api.change_node_power_state(None, node, OFF)
        self.assertEqual(1, self.conductor.queue.run_once())
        self.assertEqual(0, self.conductor.actions.wait(WAIT))
        self.assertEqual((node_actions.FAILED, node_actions.DONE),
                         (self.status(lost), self.status(later)))
        self.assertEqual([('set', node, OFF)], self.sets(node))
        self.assertIsNone(self.cf.node(node)['reservation'])


class TestDeadConductor(QueueTestCase):

    def test_claimed_but_not_started_is_queued_again_and_run_once(self):
        self.register(DEAD, seconds_ago=3600)
        node = self.cf.add_node(power_state=OFF)
        action_id = self.api.change_node_power_state(None, node, ON)
        self.claim_as(DEAD, action_id, node)
        self.assertEqual(DEAD, self.cf.node(node)['reservation'])

        self.conductor.queue.run_once()   # takes it back
        self.assertEqual(node_actions.QUEUED, self.status(action_id))
        self.assertEqual(node_actions.QUEUE_HOLDER,
                         self.cf.node(node)['reservation'])
        self.assertEqual(1, self.conductor.queue.run_once())
        self.assertEqual(0, self.conductor.actions.wait(WAIT))
        row = self.cf.node(node)
        self.assertEqual((ON, None, None, None),
                         (row['power_state'], row['target_power_state'],
                          row['reservation'], row['last_error']))
        self.assertEqual([('set', node, ON)], self.sets(node))
        # The dead conductor's worker, had it lived on, could not start:
        # its row is no longer its own.
        self.assertFalse(node_actions.mark_running(self.cf.ctx, action_id,
                                                   DEAD))

    def test_running_is_failed_with_a_clear_error_never_rerun(self):
        self.register(DEAD, seconds_ago=3600)
        node = self.cf.add_node(power_state=OFF)
        action_id = self.api.change_node_power_state(None, node, ON)
        self.claim_as(DEAD, action_id, node, running=True)

        self.assertEqual(0, self.conductor.queue.run_once())
        row = self.cf.node(node)
        self.assertEqual((None, None, OFF),
                         (row['reservation'], row['target_power_state'],
                          row['power_state']))
        self.assertIn("Power action 'power on' was aborted: conductor %s "
                      'stopped while it was running' % DEAD,
                      row['last_error'])
        self.assertEqual(node_actions.FAILED, self.status(action_id))
        self.conductor.queue.run_once()
        self.assertEqual([], self.sets(node))
        # The node is free for the next request.
        self.api.change_node_power_state(None, node, ON)
        self.conductor.queue.run_once()
        self.assertEqual(0, self.conductor.actions.wait(WAIT))
        self.assertEqual(ON, self.cf.node(node)['power_state'])

    def test_running_verify_fails_back_to_enroll(self):
        self.register(DEAD, seconds_ago=3600)
        node = self.cf.add_node(provision_state='enroll')
        action_id = self.api.do_provisioning_action(None, node, 'manage')
        self.claim_as(DEAD, action_id, node, running=True)
        self.conductor.queue.run_once()
        row = self.cf.node(node)
        self.assertEqual(('enroll', None), (row['provision_state'],
                                            row['reservation']))
        self.assertIn("can't be resumed by conductor %s" % DEAD,
                      row['last_error'])

    def test_a_live_conductors_action_is_left_alone(self):
        self.register('conductor-2')
        node = self.cf.add_node(power_state=OFF)
        action_id = self.api.change_node_power_state(None, node, ON)
        self.claim_as('conductor-2', action_id, node, running=True)
        self.conductor.queue.run_once()
        self.assertEqual(node_actions.RUNNING, self.status(action_id))
        self.assertEqual('conductor-2', self.cf.node(node)['reservation'])

    def test_queued_rows_of_a_dead_owner_wait_for_no_one(self):
        # Unclaimed rows carry no owner: whoever owns the node now takes
        # them, here the only live conductor.
        node = self.cf.add_node(power_state=OFF)
        self.api.change_node_power_state(None, node, OFF)
        self.assertEqual(1, self.conductor.queue.run_once())
        self.assertEqual(0, self.conductor.actions.wait(WAIT))
        self.assertEqual([('set', node, OFF)], self.sets(node))

    def test_restart_queues_again_what_the_last_run_claimed(self):
        node = self.cf.add_node(power_state=OFF)
        claimed = self.api.change_node_power_state(None, node, ON)
        self.claim_as(cf.HOST, claimed, node)
        other = self.cf.add_node(power_state=OFF)
        running = self.api.change_node_power_state(None, other, ON)
        self.claim_as(cf.HOST, running, other, running=True)

        self.conductor.start()
        self.settle(node)
        self.assertEqual(node_actions.DONE, self.status(claimed))
        self.assertEqual([('set', node, ON)], self.sets(node))
        self.assertEqual(node_actions.FAILED, self.status(running))
        row = self.cf.node(other)
        self.assertEqual((None, None, node_power.ABORTED_BY_RESTART),
                         (row['reservation'], row['target_power_state'],
                          row['last_error']))
        self.assertEqual([], self.sets(other))


class TestRace(QueueTestCase):
    """Two conductors that both think they own every node (as during a
    ring change) race for the same queue: each action runs exactly once."""

    NODES = 24

    def test_every_action_runs_exactly_once(self):
        second = self.cf.new_manager(host='conductor-2')
        heartbeat.register(self.cf.ctx, 'conductor-2')
        nodes = [self.cf.add_node(power_state=OFF)
                 for _ in range(self.NODES)]
        ids = [self.api.change_node_power_state(None, node, ON)
               for node in nodes]
        errors = []
        go = threading.Barrier(4)

        def consume(conductor):
            go.wait(WAIT)
            deadline = time.monotonic() + WAIT
            while time.monotonic() < deadline:
                try:
                    conductor.queue.run_once()
                except Exception as exc:  # pragma: no cover - reported
                    errors.append(exc)
                    return
                if not node_actions.open_actions(self.cf.ctx):
                    return

        threads = [threading.Thread(target=consume, args=(c,))
                   for c in (self.conductor, second) * 2]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT + 5)
        self.assertEqual([], errors)
        for conductor in (self.conductor, second):
            self.assertEqual(0, conductor.actions.wait(WAIT))
        for node in nodes:
            self.assertEqual([('set', node, ON)], self.sets(node))
            row = self.cf.node(node)
            self.assertEqual((ON, None, None),
                             (row['power_state'], row['reservation'],
                              row['target_power_state']))
        by = {}
        for action_id in ids:
            action = node_actions.get(self.cf.ctx, action_id)
            self.assertEqual(node_actions.DONE, action.status)
            by[action.conductor] = by.get(action.conductor, 0) + 1
        self.assertEqual(self.NODES, sum(by.values()))
        self.assertLessEqual(set(by), {cf.HOST, 'conductor-2'})

    def test_two_claims_of_one_row_one_wins(self):
        node = self.cf.add_node(power_state=OFF)
        action_id = self.api.change_node_power_state(None, node, ON)
        results = []
        go = threading.Barrier(2)

        def claim(host):
            locks = locks_mod.NodeLocks(self.cf.ctx, host)
            go.wait(WAIT)
            results.append(locks.take(
                node, node_actions.QUEUE_HOLDER,
                lambda s: node_actions.claim(s, action_id, host)))

        threads = [threading.Thread(target=claim, args=(h,))
                   for h in ('a', 'b')]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT)
        self.assertEqual([False, True], sorted(results))
        action = node_actions.get(self.cf.ctx, action_id)
        self.assertEqual(self.cf.node(node)['reservation'], action.conductor)
