"""powerbridge.periodic: tasks on futurist's PeriodicWorker.

Every wait below is on an Event with a generous bound: the tests check
order and counts, never durations.
"""

import threading

import fixtures
import testtools

from powerbridge import periodic

WAIT = 30
LONG = 3600  # an interval that never comes round during a test


class Recorder:
    """A task body that counts its passes and can block or fail."""

    def __init__(self, fail_first=0):
        self.runs = 0
        self.fail_first = fail_first
        self.gate = threading.Event()
        self.gate.set()
        self.ran = threading.Semaphore(0)
        self._lock = threading.Lock()
        self.concurrent = self.max_concurrent = 0

    def __call__(self):
        with self._lock:
            self.runs += 1
            runs = self.runs
            self.concurrent += 1
            self.max_concurrent = max(self.max_concurrent, self.concurrent)
        try:
            self.ran.release()
            self.gate.wait(WAIT)
            if runs <= self.fail_first:
                raise RuntimeError('pass %d failed' % runs)
        finally:
            with self._lock:
                self.concurrent -= 1

    def wait_runs(self, count):
        for _ in range(count):
            if not self.ran.acquire(timeout=WAIT):
                raise AssertionError('the task did not run')


class TestPeriodicRunner(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(fixtures.FakeLogger(level='INFO'))

    def run_tasks(self, *tasks):
        runner = periodic.PeriodicRunner('test-periodics', tasks).start()
        self.addCleanup(runner.stop)
        return runner

    def test_no_initial_delay_runs_at_once_then_every_interval(self):
        task = Recorder()
        self.run_tasks(periodic.Task('t', task, 0.01, 0))
        task.wait_runs(3)

    def test_initial_delay_of_an_interval_does_not_run_at_once(self):
        task = Recorder()
        runner = self.run_tasks(periodic.Task('t', task, LONG, LONG))
        runner.stop()
        self.assertEqual(0, task.runs)

    def test_any_initial_delay_then_the_interval(self):
        task = Recorder()
        runner = self.run_tasks(periodic.Task('t', task, 0.01, 0.05))
        task.wait_runs(3)
        runner.stop()
        self.assertEqual(1, task.max_concurrent)

    def test_a_failure_is_logged_and_the_task_goes_on(self):
        task = Recorder(fail_first=2)
        self.run_tasks(periodic.Task('flaky', task, 0.01, 0))
        task.wait_runs(4)
        self.assertIn('Periodic task flaky failed', self.logger.output)
        self.assertIn('RuntimeError: pass 1 failed', self.logger.output)

    def test_disabled_tasks_never_run(self):
        task = Recorder()
        runner = self.run_tasks(periodic.Task('off', task, 0, 0))
        self.assertEqual([], runner.tasks)
        runner.stop()
        self.assertTrue(runner.stopped)
        self.assertEqual(0, task.runs)

    def test_a_slow_pass_is_followed_by_one_pass_not_a_burst(self):
        task = Recorder()
        task.gate.clear()
        self.run_tasks(periodic.Task('slow', task, 0.001, 0))
        task.wait_runs(1)
        # The pass overruns its interval many times over meanwhile...
        self.assertFalse(task.ran.acquire(timeout=0.2))
        # ...then one more pass starts (it is overdue), and only one.
        task.gate.set()
        task.gate.clear()
        task.wait_runs(1)
        self.assertEqual((2, 1), (task.runs, task.max_concurrent))
        task.gate.set()

    def test_a_slow_task_does_not_hold_up_another(self):
        slow, heartbeat = Recorder(), Recorder()
        slow.gate.clear()
        self.run_tasks(periodic.Task('sync', slow, 0.01, 0),
                       periodic.Task('heartbeat', heartbeat, 0.01, 0))
        self.addCleanup(slow.gate.set)  # before the runner's stop
        slow.wait_runs(1)
        heartbeat.wait_runs(5)
        self.assertEqual(1, slow.runs)

    def test_stop_ends_the_waits_and_lets_a_pass_finish(self):
        task = Recorder()
        task.gate.clear()
        runner = self.run_tasks(periodic.Task('t', task, LONG, 0))
        task.wait_runs(1)
        runner.stop(timeout=0)  # signals only
        self.assertTrue(runner.stopped)
        self.assertTrue(runner._thread.is_alive())
        task.gate.set()
        runner.stop(timeout=WAIT)
        self.assertFalse(runner._thread.is_alive())
        self.assertEqual(1, task.runs)

    def test_stop_from_a_task_does_not_wait_for_itself(self):
        stopped = threading.Event()

        def stop_myself():
            runner.stop(timeout=WAIT)
            stopped.set()

        runner = periodic.PeriodicRunner('test-periodics', [
            periodic.Task('stopper', stop_myself, LONG, 0)])
        self.addCleanup(runner.stop)
        runner.start()
        self.assertTrue(stopped.wait(WAIT))
        runner.stop(timeout=WAIT)
        self.assertFalse(runner._thread.is_alive())
