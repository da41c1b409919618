"""Node reservations: one conditional UPDATE per lock, on SQLite."""

import testtools

from baremetal_notifier.conductor import locks
from baremetal_notifier import exception
from baremetal_notifier.objects import node_power
from tests.fixtures import conductor as cf


class LocksTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.cf = self.useFixture(cf.ConductorFixture())
        self.locks = locks.NodeLocks(self.cf.ctx, cf.HOST)
        self.node = self.cf.add_node()

    def reservation(self, node=None):
        return self.cf.node(node or self.node)['reservation']


class TestExclusiveLock(LocksTestCase):

    def test_acquire_and_release(self):
        self.locks.acquire(self.node)
        self.assertEqual(cf.HOST, self.reservation())
        self.assertEqual({self.node}, self.locks.held)
        self.locks.release(self.node)
        self.assertIsNone(self.reservation())
        self.assertEqual(frozenset(), self.locks.held)

    def test_locked_elsewhere_names_the_holder(self):
        self.cf.update_node(self.node, reservation='conductor-2')
        exc = self.assertRaises(exception.NodeLocked, self.locks.acquire,
                                self.node)
        self.assertEqual(409, exc.code)
        self.assertEqual('Node %s is locked by host conductor-2, please '
                         'retry after the current operation is completed.'
                         % self.node, str(exc))
        self.assertEqual('conductor-2', self.reservation())

    def test_held_by_this_process_is_locked_too(self):
        # Another thread of this conductor has it: same host name in the
        # column, and still a conflict.
        self.locks.acquire(self.node)
        exc = self.assertRaises(exception.NodeLocked, self.locks.acquire,
                                self.node)
        self.assertIn(cf.HOST, str(exc))

    def test_unknown_node(self):
        exc = self.assertRaises(exception.NodeNotFound, self.locks.acquire,
                                'no-such-node')
        self.assertEqual(404, exc.code)

    def test_release_leaves_another_holder_alone(self):
        self.cf.update_node(self.node, reservation='conductor-2')
        self.locks.release(self.node)
        self.assertEqual('conductor-2', self.reservation())

    def test_context_manager_releases_on_error(self):
        def work():
            with self.locks.exclusive(self.node):
                self.assertEqual(cf.HOST, self.reservation())
                raise ValueError('boom')

        self.assertRaises(ValueError, work)
        self.assertIsNone(self.reservation())


class TestBatchLock(LocksTestCase):

    def test_batch_takes_what_is_free_and_rereads(self):
        other = self.cf.add_node(reservation='conductor-2')
        mine = self.cf.add_node()
        self.locks.acquire(mine)  # e.g. a power action of this process
        free = self.cf.add_node()
        with self.locks.batch([self.node, other, mine, free],
                              node_power.still_syncable) as batch:
            self.assertEqual(sorted([self.node, free]),
                             sorted(n.uuid for n in batch.nodes))
            for node in batch.nodes:
                self.assertEqual(cf.HOST, node.reservation)
            batch.keep(free)
        self.assertIsNone(self.reservation())
        self.assertEqual(cf.HOST, self.reservation(free))
        # The batch never touched what it did not take.
        self.assertEqual(cf.HOST, self.reservation(mine))
        self.assertEqual('conductor-2', self.reservation(other))
        self.assertEqual({mine, free}, self.locks.held)

    def test_batch_spans_chunks(self):
        nodes = [self.cf.add_node() for _ in range(7)]
        self.addCleanup(setattr, node_power, 'IN_CHUNK', node_power.IN_CHUNK)
        node_power.IN_CHUNK = 3
        taken = self.locks.acquire_many(nodes)
        self.assertEqual(sorted(nodes), sorted(taken))
        self.locks.release_many(nodes)
        self.assertEqual(frozenset(), self.locks.held)
        for node in nodes:
            self.assertIsNone(self.reservation(node))


class TestClearStale(LocksTestCase):

    def test_clears_only_this_host(self):
        pending = self.cf.add_node(reservation=cf.HOST,
                                   target_power_state='power on',
                                   last_error=None)
        locked = self.cf.add_node(reservation=cf.HOST)
        other = self.cf.add_node(reservation='conductor-2',
                                 target_power_state='power off')
        self.assertEqual((1, 2), locks.clear_stale(self.cf.ctx, cf.HOST))
        row = self.cf.node(pending)
        self.assertEqual((None, None), (row['reservation'],
                                        row['target_power_state']))
        self.assertEqual('Pending power operation was aborted due to '
                         'conductor restart', row['last_error'])
        row = self.cf.node(locked)
        self.assertEqual((None, None), (row['reservation'],
                                        row['last_error']))
        row = self.cf.node(other)
        self.assertEqual(('conductor-2', 'power off'),
                         (row['reservation'], row['target_power_state']))

    def test_start_clears_stale_locks(self):
        self.cf.update_node(self.node, reservation=cf.HOST,
                            target_power_state='power off')
        self.cf.manager.start()
        row = self.cf.node(self.node)
        self.assertEqual((None, None), (row['reservation'],
                                        row['target_power_state']))
        self.assertEqual(node_power.ABORTED_BY_RESTART, row['last_error'])
