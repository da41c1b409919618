"""The conductor's bounded worker pool, and queued actions waiting for a
free worker, with a real pool, a real database and a fake driver whose
actions block."""

import threading

import fixtures
import futurist
import testtools

from baremetal_notifier.conductor import action_api
from baremetal_notifier.conductor import workers
from baremetal_notifier.drivers import base
from baremetal_notifier.drivers import fake
from baremetal_notifier import exception
from baremetal_notifier.objects import node_actions
from tests.fixtures import conductor as cf

ON, OFF = base.POWER_ON, base.POWER_OFF
# A bound on waits for another thread; passing tests take far less.
WAIT = 30


class _BlockingDriver(fake.FakePowerDriver):
    """Power actions block until the test sets ``gate``."""

    def __init__(self):
        super().__init__()
        self.gate = threading.Event()
        self.entered = threading.Semaphore(0)

    def set_power_state(self, target, state, timeout):
        self.entered.release()
        self.gate.wait(WAIT)
        return super().set_power_state(target, state, timeout)


class TestBoundedPool(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.gate = threading.Event()
        self.addCleanup(self.gate.set)

    def pool(self, size):
        pool = workers.BoundedPool(size)
        self.addCleanup(pool.shutdown)
        return pool

    def test_refuses_at_once_when_every_worker_is_busy(self):
        pool = self.pool(3)
        # Submitted back to back, before any worker thread even runs: all
        # three are taken (no false refusal while threads spin up).
        futures = [pool.submit(self.gate.wait, WAIT) for _ in range(3)]
        self.assertRaises(futurist.RejectedSubmission, pool.submit,
                          self.gate.wait, WAIT)
        self.assertEqual(3, pool.in_flight)
        self.gate.set()
        for future in futures:
            self.assertTrue(future.result(WAIT))
        self.assertEqual(0, pool.in_flight)
        self.assertEqual('done', pool.submit(lambda: 'done').result(WAIT))

    def test_a_finished_item_frees_its_worker(self):
        pool = self.pool(1)
        first = threading.Event()
        busy = pool.submit(first.wait, WAIT)
        self.assertRaises(futurist.RejectedSubmission, pool.submit, print)
        first.set()
        busy.result(WAIT)
        self.assertEqual(7, pool.submit(lambda: 7).result(WAIT))

    def test_a_failed_item_frees_its_worker(self):
        pool = self.pool(1)
        self.assertRaises(ZeroDivisionError,
                          pool.submit(lambda: 1 / 0).result, WAIT)
        self.assertEqual(0, pool.in_flight)

    def test_work_one_at_a_time_reuses_one_thread(self):
        # An idle worker takes the next item: no thread per submission up
        # to the size, whose idle wakeups would cost CPU for good.
        def workers():
            return {t for t in threading.enumerate()
                    if t.name.startswith('conductor-worker')}

        before = workers()
        pool = self.pool(300)
        for n in range(50):
            self.assertEqual(n, pool.submit(lambda n=n: n).result(WAIT))
        # A worker marks itself idle just after its item's result is set,
        # so a submission at that instant may start a second thread.
        self.assertLess(len(workers() - before), 5)

    def test_a_shut_down_pool_refuses(self):
        pool = self.pool(1)
        pool.shutdown()
        self.assertRaises(RuntimeError, pool.submit, print)
        self.assertEqual(0, pool.in_flight)


class TestSaturatedPool(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(fixtures.FakeLogger(level='INFO'))
        self.cf = self.useFixture(cf.ConductorFixture(
            driver=_BlockingDriver(), conductor={'workers_pool_size': 2}))
        self.driver = self.cf.driver
        # Before the fixture's cleanup, which waits for running actions.
        self.addCleanup(self.driver.gate.set)
        self.conductor = self.cf.manager
        self.nodes = [self.cf.add_node(power_state=OFF) for _ in range(3)]

    def change(self, node, target=ON):
        return action_api.in_process(self.conductor).change_node_power_state(
            None, node, target)

    def saturate(self):
        for node in self.nodes[:2]:
            self.change(node)
        for _ in range(2):
            self.assertTrue(self.driver.entered.acquire(timeout=WAIT))

    def test_a_saturated_conductor_queues_the_action(self):
        # The API answered 202 when it queued the action: a full pool
        # makes it wait, reserved for the queue, instead of refusing it.
        self.saturate()
        waiting = self.nodes[2]
        action_id = self.change(waiting)
        row = self.cf.node(waiting)
        self.assertEqual((node_actions.QUEUE_HOLDER, ON, OFF, None),
                         (row['reservation'], row['target_power_state'],
                          row['power_state'], row['last_error']))
        self.assertEqual(node_actions.QUEUED, node_actions.get(
            self.cf.ctx, action_id).status)
        self.assertNotIn(waiting, self.conductor.locks.held)
        self.assertNotIn(('set', waiting, ON), self.driver.calls)
        self.assertIn('waits for a worker', self.logger.output)
        # Nothing is claimed while every worker is busy.
        self.assertEqual(0, self.conductor.queue.run_once())
        # Once the busy ones end, the next look at the queue starts it.
        self.driver.gate.set()
        self.assertEqual(0, self.conductor.actions.wait(WAIT))
        self.assertEqual(1, self.conductor.queue.run_once())
        self.assertEqual(0, self.conductor.actions.wait(WAIT))
        for node in self.nodes:
            row = self.cf.node(node)
            self.assertEqual((ON, None, None, None),
                             (row['power_state'], row['reservation'],
                              row['target_power_state'], row['last_error']))
        self.assertEqual(frozenset(), self.conductor.locks.held)
        self.assertEqual(1, self.driver.calls.count(('set', waiting, ON)))

    def test_a_node_locked_elsewhere_is_409_before_the_pool(self):
        self.saturate()
        self.cf.update_node(self.nodes[2], reservation='conductor-2')
        self.assertRaises(exception.NodeLocked, self.change, self.nodes[2])
        self.assertEqual('conductor-2',
                         self.cf.node(self.nodes[2])['reservation'])

    def test_default_pool_size_is_ironics(self):
        conf = cf.make_conf('sqlite://')
        self.assertEqual(300, conf.conductor.workers_pool_size)
        self.assertEqual(2, self.conductor._action_pool.size)
