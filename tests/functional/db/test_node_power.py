"""Node locks and the conductor's node SQL on SQLite, PostgreSQL, MariaDB."""

import threading

import testscenarios
import testtools

from baremetal_notifier.conductor import locks
from baremetal_notifier import exception
from baremetal_notifier.objects import node_power
from tests.fixtures import conductor as cf
from tests.fixtures import dbfixture

INSTANCE = '5e4d3c2b-1a09-4f8e-8d7c-6b5a4f3e2d1c'


class NodePowerTestCase(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        self.cf = self.useFixture(cf.ConductorFixture(self.backend))
        self.ctx = self.cf.ctx
        self.locks = locks.NodeLocks(self.ctx, cf.HOST)

    def locked_node(self, **values):
        node_uuid = self.cf.add_node(**values)
        self.locks.acquire(node_uuid)
        return node_power.get_node(self.ctx, node_uuid)


class TestCandidates(NodePowerTestCase):

    def test_skip_rules_and_order(self):
        plain = self.cf.add_node()
        no_state = self.cf.add_node(provision_state=None)
        worst = self.cf.add_node(power_sync_failures=3)
        for values in ({'maintenance': True}, {'reservation': 'c2'},
                       {'target_power_state': 'power on'},
                       {'provision_state': 'clean wait'}):
            self.cf.add_node(**values)
        failed = self.cf.add_node(maintenance=True,
                                  fault=node_power.POWER_FAILURE)
        self.cf.add_node(maintenance=True, fault=node_power.POWER_FAILURE,
                         reservation='c2')
        self.assertEqual([worst, plain, no_state],
                         [n.uuid for n in
                          node_power.get_sync_candidates(self.ctx)])
        self.assertEqual([failed],
                         [n.uuid for n in
                          node_power.get_recovery_candidates(self.ctx)])

    def test_rules_repeated_under_the_lock(self):
        fine = self.locked_node().uuid
        went_to_maintenance = self.locked_node(maintenance=True).uuid
        failed = self.locked_node(maintenance=True,
                                  fault=node_power.POWER_FAILURE).uuid
        not_ours = self.cf.add_node(reservation='c2')
        uuids = [fine, went_to_maintenance, failed, not_ours]
        self.assertEqual([fine], [n.uuid for n in node_power.still_syncable(
            self.ctx, cf.HOST, uuids)])
        self.assertEqual([failed], [
            n.uuid for n in node_power.still_recoverable(
                self.ctx, cf.HOST, uuids)])

    def test_node_row_hides_the_password_in_repr(self):
        node = node_power.get_node(self.ctx, self.cf.add_node())
        self.assertNotIn(cf.PASSWORD, repr(node))
        self.assertEqual(cf.PASSWORD, node.bmc_target().password)
        self.assertNotIn(cf.PASSWORD, repr(node.bmc_target()))


class TestLockRaces(NodePowerTestCase):

    def _race(self, funcs):
        barrier = threading.Barrier(len(funcs))
        results = [None] * len(funcs)

        def run(index, func):
            barrier.wait(10)
            try:
                results[index] = func()
            except exception.NodeLocked as exc:
                results[index] = exc

        threads = [threading.Thread(target=run, args=(i, f))
                   for i, f in enumerate(funcs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        return results

    def test_two_conductors_one_lock(self):
        contenders = [locks.NodeLocks(self.ctx, 'conductor-%d' % i)
                      for i in range(2)]
        for _ in range(10):
            node = self.cf.add_node()
            results = self._race([lambda c=c, node=node: c.acquire(node)
                                  for c in contenders])
            winners = [i for i, r in enumerate(results) if r is None]
            self.assertEqual(1, len(winners), results)
            holder = 'conductor-%d' % winners[0]
            self.assertEqual(holder, self.cf.node(node)['reservation'])
            loser = results[1 - winners[0]]
            self.assertIn('locked by host %s' % holder, str(loser))

    def test_two_threads_of_one_conductor(self):
        node = self.cf.add_node()
        results = self._race([lambda: self.locks.acquire(node)] * 2)
        self.assertEqual(1, results.count(None), results)

    def test_batch_locks_partition_the_nodes(self):
        nodes = [self.cf.add_node() for _ in range(40)]
        contenders = [locks.NodeLocks(self.ctx, 'conductor-%d' % i)
                      for i in range(2)]
        taken = self._race([lambda c=c: c.acquire_many(nodes)
                            for c in contenders])
        self.assertEqual(set(), set(taken[0]) & set(taken[1]))
        self.assertEqual(set(nodes), set(taken[0]) | set(taken[1]))
        for index, uuids in enumerate(taken):
            for node in uuids:
                self.assertEqual('conductor-%d' % index,
                                 self.cf.node(node)['reservation'])


class TestWrites(NodePowerTestCase):

    def test_state_and_event_commit_together(self):
        node = self.locked_node(instance_uuid=INSTANCE,
                                power_state='power off')

        def fail_after_write():
            with self.ctx.db.writer.using(self.ctx):
                self.assertTrue(node_power.record_power_state(
                    self.ctx, cf.HOST, node, 'power on'))
                raise RuntimeError('crash before commit')

        self.assertRaises(RuntimeError, fail_after_write)
        self.assertEqual('power off', self.cf.node(node.uuid)['power_state'])
        self.assertEqual([], self.cf.events())
        self.assertTrue(node_power.record_power_state(
            self.ctx, cf.HOST, node, 'power on'))
        self.assertEqual('power on', self.cf.node(node.uuid)['power_state'])
        self.assertEqual([(node.uuid, INSTANCE, 'POWER_ON')], self.cf.events())

    def test_writes_need_the_lock(self):
        node = node_power.get_node(self.ctx, self.cf.add_node(
            instance_uuid=INSTANCE, reservation='conductor-2'))
        self.assertFalse(node_power.record_power_state(
            self.ctx, cf.HOST, node, 'power on'))
        self.assertEqual(0, node_power.count_sync_failure(
            self.ctx, cf.HOST, node.uuid, 'error'))
        row = self.cf.node(node.uuid)
        self.assertEqual((None, 0), (row['power_state'],
                                     row['power_sync_failures']))
        self.assertEqual([], self.cf.events())

    def test_many_states_in_one_go_only_where_the_lock_is_ours(self):
        instances = ['5e4d3c2b-1a09-4f8e-8d7c-6b5a4f3e2d%02d' % i
                     for i in range(4)]
        mine = [self.locked_node(instance_uuid=instances[i],
                                 power_state='power off') for i in range(3)]
        theirs = node_power.get_node(self.ctx, self.cf.add_node(
            instance_uuid=instances[3], reservation='conductor-2'))
        changes = [(mine[0], 'power on'), (theirs, 'power on'),
                   (mine[1], 'power off'), (mine[2], 'power on')]
        # Their node is left alone; no event where nothing changed.
        self.assertEqual(2, node_power.record_power_states(
            self.ctx, cf.HOST, changes))
        self.assertEqual(
            ['power on', None, 'power off', 'power on'],
            [self.cf.node(n.uuid)['power_state'] for n, _ in changes])
        self.assertEqual([(mine[0].uuid, instances[0], 'POWER_ON'),
                          (mine[2].uuid, instances[2], 'POWER_ON')],
                         self.cf.events())
        # All ours: the one-statement path.
        self.assertEqual(2, node_power.record_power_states(
            self.ctx, cf.HOST, [(node_power.get_node(self.ctx, n.uuid),
                                 'power off') for n in (mine[0], mine[2])]))

    def test_failure_count_increments(self):
        node = self.locked_node()
        for expected in (1, 2, 3):
            self.assertEqual(expected, node_power.count_sync_failure(
                self.ctx, cf.HOST, node.uuid, 'attempt %d' % expected))
        self.assertEqual('attempt 3', self.cf.node(node.uuid)['last_error'])

    def test_power_failure_keeps_an_admins_maintenance(self):
        node = self.locked_node(maintenance=True, maintenance_reason='admin',
                                power_state='power on')
        node_power.enter_power_failure(self.ctx, cf.HOST, node, None, 'why')
        row = self.cf.node(node.uuid)
        self.assertEqual((True, 'admin', None, None, 'why'),
                         (row['maintenance'], row['maintenance_reason'],
                          row['fault'], row['power_state'],
                          row['last_error']))

    def test_power_failure_then_recovery(self):
        node = self.locked_node(instance_uuid=INSTANCE,
                                power_state='power on')
        self.assertFalse(node_power.enter_power_failure(
            self.ctx, cf.HOST, node, None, 'why'))
        row = self.cf.node(node.uuid)
        self.assertEqual((True, 'why', node_power.POWER_FAILURE),
                         (row['maintenance'], row['maintenance_reason'],
                          row['fault']))
        node = node_power.get_node(self.ctx, node.uuid)
        self.assertEqual((True, True), node_power.recover_from_power_failure(
            self.ctx, cf.HOST, node, 'power off'))
        row = self.cf.node(node.uuid)
        self.assertEqual((False, None, None, 'power off'),
                         (row['maintenance'], row['maintenance_reason'],
                          row['fault'], row['power_state']))
        self.assertEqual([(node.uuid, INSTANCE, 'POWER_OFF')],
                         self.cf.events())

    def test_recovery_needs_the_power_failure_fault(self):
        node = self.locked_node(maintenance=True, fault='clean failure')
        self.assertEqual((False, False), node_power.recover_from_power_failure(
            self.ctx, cf.HOST, node, 'power on'))
        self.assertTrue(self.cf.node(node.uuid)['maintenance'])

    def test_clear_stale(self):
        pending = self.locked_node(target_power_state='power on')
        other = self.cf.add_node(reservation='conductor-2',
                                 target_power_state='power on')
        self.assertEqual((1, 1), locks.clear_stale(self.ctx, cf.HOST))
        row = self.cf.node(pending.uuid)
        self.assertEqual((None, None, node_power.ABORTED_BY_RESTART),
                         (row['reservation'], row['target_power_state'],
                          row['last_error']))
        self.assertEqual('conductor-2', self.cf.node(other)['reservation'])
