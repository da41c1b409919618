"""os-start/os-stop carried out by the owning host (SQLite + FakeIronic)."""

import fixtures
from futurist import waiters
import sqlalchemy as sa
import testtools

from compute_ext.compute import power_update
from compute_ext.compute import states
from compute_ext.objects import instance_actions
from compute_ext.objects import instances as instance_obj
from tests.fixtures import ironic as fake


class ActionsTestCase(testtools.TestCase):

    def world(self, **kwargs):
        self.w = self.useFixture(fake.AgentWorld(**kwargs))
        return self.w

    def request(self, inst, task_state, action):
        """What the API's os-start/os-stop does: one CAS and the action."""
        moved = instance_obj.compare_and_swap(
            self.w.ctx, inst.uuid, {'task_state': None},
            {'task_state': task_state})
        self.assertIsNotNone(moved)
        action_id = instance_actions.action_start(
            self.w.ctx, inst.uuid, action, 'req-api-1', 'u1', 'p1')
        return moved, action_id

    def run_poll(self):
        waiters.wait_for_all(self.w.runner.poll())

    def events(self, action_id):
        return [(e.event, e.result, e.host)
                for e in instance_actions.get_events(self.w.ctx, action_id)]


class TestStartStop(ActionsTestCase):

    def test_stop_powers_off_and_finishes(self):
        w = self.world()
        inst = w.add_instance(states.ACTIVE, states.RUNNING, fake.POWER_ON)
        _, action_id = self.request(inst, states.POWERING_OFF, 'stop')
        self.run_poll()
        after = w.get(inst.uuid)
        self.assertEqual((states.STOPPED, states.SHUTDOWN, None),
                         (after.vm_state, after.power_state, after.task_state))
        self.assertEqual(fake.POWER_OFF, w.ironic.power_state(inst.node))
        self.assertEqual([(inst.node, 'power off')], w.ironic.power_calls)
        self.assertEqual([('compute_stop_instance', 'Success', 'host-a')],
                         self.events(action_id))

    def test_start_powers_on_and_finishes(self):
        w = self.world(power_mode='async')
        inst = w.add_instance(states.STOPPED, states.SHUTDOWN, fake.POWER_OFF)
        _, action_id = self.request(inst, states.POWERING_ON, 'start')
        self.run_poll()
        after = w.get(inst.uuid)
        self.assertEqual((states.ACTIVE, states.RUNNING, None),
                         (after.vm_state, after.power_state, after.task_state))
        self.assertEqual(fake.POWER_ON, w.ironic.power_state(inst.node))
        self.assertEqual([('compute_start_instance', 'Success', 'host-a')],
                         self.events(action_id))

    def test_power_failure_reverts_task_and_records_error(self):
        w = self.world(power_mode='fail')
        inst = w.add_instance(states.ACTIVE, states.RUNNING, fake.POWER_ON)
        _, action_id = self.request(inst, states.POWERING_OFF, 'stop')
        self.run_poll()
        after = w.get(inst.uuid)
        self.assertEqual((states.ACTIVE, states.RUNNING, None),
                         (after.vm_state, after.power_state, after.task_state))
        (event,) = instance_actions.get_events(w.ctx, action_id)
        self.assertEqual('Error', event.result)
        self.assertIn('BMC did not answer', event.details)
        action = instance_actions.get_by_request_id(w.ctx, inst.uuid,
                                                    'req-api-1')
        self.assertEqual('Error', action.message)

    def test_timeout_reverts_task(self):
        w = self.world(power_mode='stuck', timeout=0.1)
        inst = w.add_instance(states.STOPPED, states.SHUTDOWN, fake.POWER_OFF)
        _, action_id = self.request(inst, states.POWERING_ON, 'start')
        self.run_poll()
        self.assertIsNone(w.get(inst.uuid).task_state)
        self.assertEqual(states.STOPPED, w.get(inst.uuid).vm_state)
        (event,) = instance_actions.get_events(w.ctx, action_id)
        self.assertEqual('Error', event.result)
        self.assertIn('did not reach', event.details)

    def test_api_error_reverts_task(self):
        w = self.world()
        inst = w.add_instance(states.ACTIVE, states.RUNNING, fake.POWER_ON)
        w.ironic.script('PUT', '/states/power', 400, 'The requested action '
                        'can not be performed')
        _, action_id = self.request(inst, states.POWERING_OFF, 'stop')
        self.run_poll()
        self.assertIsNone(w.get(inst.uuid).task_state)
        self.assertEqual([('compute_stop_instance', 'Error', 'host-a')],
                         self.events(action_id))

    def test_abort_leaves_task_for_the_next_owner(self):
        w = self.world(power_mode='stuck')
        inst = w.add_instance(states.ACTIVE, states.RUNNING, fake.POWER_ON)
        moved, action_id = self.request(inst, states.POWERING_OFF, 'stop')
        w.ironic.on_power = lambda node, target: w.client.stop()
        self.assertIsNone(w.runner.carry_out(moved))
        self.assertEqual(states.POWERING_OFF, w.get(inst.uuid).task_state)
        # The event stays open and is resumed, not duplicated.
        self.assertEqual([('compute_stop_instance', None, 'host-a')],
                         self.events(action_id))

    def test_database_failure_while_finishing_is_resumed(self):
        """The instance and its event are finished together or not at
        all: a failed write leaves both open, and the next poll ends
        them (instead of an instance done and an event open forever)."""
        w = self.world()
        inst = w.add_instance(states.ACTIVE, states.RUNNING, fake.POWER_ON)
        _, action_id = self.request(inst, states.POWERING_OFF, 'stop')
        failures = []

        def fail_once(conn, cursor, statement, *args):
            if (statement.startswith('UPDATE instance_actions_events')
                    and not failures):
                failures.append(statement)
                raise sa.exc.OperationalError(statement, {},
                                              Exception('disk I/O error'))
        engine = w.db.get_engine()
        sa.event.listen(engine, 'before_cursor_execute', fail_once)
        self.addCleanup(sa.event.remove, engine, 'before_cursor_execute',
                        fail_once)
        logged = self.useFixture(fixtures.FakeLogger())
        self.run_poll()
        self.assertEqual(1, len(failures))
        self.assertIn('failed; it is retried on the next poll',
                      logged.output)
        self.assertEqual(states.POWERING_OFF, w.get(inst.uuid).task_state)
        self.assertEqual([('compute_stop_instance', None, 'host-a')],
                         self.events(action_id))
        self.run_poll()
        after = w.get(inst.uuid)
        self.assertEqual((states.STOPPED, states.SHUTDOWN, None),
                         (after.vm_state, after.power_state, after.task_state))
        self.assertEqual([('compute_stop_instance', 'Success', 'host-a')],
                         self.events(action_id))


class TestEventsDuringActions(ActionsTestCase):

    def test_event_for_our_own_change_is_a_no_op(self):
        """The notifier's POWER_OFF lands while the stop is running."""
        w = self.world()
        inst = w.add_instance(states.ACTIVE, states.RUNNING, fake.POWER_ON)
        moved, _ = self.request(inst, states.POWERING_OFF, 'stop')

        def notifier_event(node, target):
            self.assertFalse(power_update.apply(w.ctx, w.get(inst.uuid),
                                                'POWER_OFF'))
        w.ironic.on_power = notifier_event
        w.runner.carry_out(moved)
        # ... and again after the finish: still a no-op, no flapping.
        self.assertFalse(power_update.apply(w.ctx, w.get(inst.uuid),
                                            'POWER_OFF'))
        after = w.get(inst.uuid)
        self.assertEqual((states.STOPPED, states.SHUTDOWN, None),
                         (after.vm_state, after.power_state, after.task_state))
        self.assertEqual(1, len(w.ironic.power_calls))

    def test_action_of_an_event_is_not_taken_for_the_request(self):
        w = self.world()
        inst = w.add_instance(states.ACTIVE, states.RUNNING, fake.POWER_ON)
        moved, action_id = self.request(inst, states.POWERING_OFF, 'stop')
        # A power-update event recorded a newer 'stop' action meanwhile.
        instance_actions.record(
            w.ctx, inst.uuid, 'stop', power_update.ACTION_EVENT, 'host-a',
            'Success', 'req-event', None, None)
        w.runner.carry_out(moved)
        self.assertEqual([('compute_stop_instance', 'Success', 'host-a')],
                         self.events(action_id))


class TestPoller(ActionsTestCase):

    def test_only_this_hosts_instances_on_owned_nodes(self):
        w = self.world(peers=('host-b',))
        mine = w.add_instance(states.ACTIVE, states.RUNNING, fake.POWER_ON)
        theirs = w.add_instance(states.ACTIVE, states.RUNNING, fake.POWER_ON,
                                host='host-b')
        # On our node, but host-b still runs it (not adopted yet).
        unadopted = w.add_instance(states.ACTIVE, states.RUNNING,
                                   fake.POWER_ON)
        instance_obj.compare_and_swap(w.ctx, unadopted.uuid, {},
                                      {'host': 'host-b'})
        for inst in (mine, theirs, unadopted):
            self.request(inst, states.POWERING_OFF, 'stop')
        self.run_poll()
        self.assertEqual([(mine.node, 'power off')], w.ironic.power_calls)
        self.assertEqual(states.POWERING_OFF, w.get(theirs.uuid).task_state)

    def test_idle_instances_are_left_alone(self):
        w = self.world()
        w.add_instance(states.ACTIVE, states.RUNNING, fake.POWER_ON)
        self.assertEqual([], w.runner.poll())
        self.assertEqual([], w.ironic.power_calls)

    def test_in_flight_instance_is_not_submitted_twice(self):
        w = self.world()
        inst = w.add_instance(states.ACTIVE, states.RUNNING, fake.POWER_ON)
        self.request(inst, states.POWERING_OFF, 'stop')
        with w.runner.reserve(inst.uuid) as reserved:
            self.assertTrue(reserved)
            self.assertEqual([], w.runner.poll())
        self.run_poll()
        self.assertEqual(1, len(w.ironic.power_calls))
