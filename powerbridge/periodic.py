"""Periodic tasks of a service, on futurist's periodics.

Both halves describe their loops as :class:`Task` tuples and run them with
one :class:`PeriodicRunner`: a ``futurist.periodics.PeriodicWorker`` in a
daemon thread. What callers rely on:

- ``interval`` seconds from one start to the next (futurist's
  ``last_started`` strategy). A pass that overruns its interval is followed
  by one pass at once, never by a burst of missed ones: the next run is
  computed from the last start only when a pass ends.
- ``initial_delay`` before the first pass (0: at once).
- an exception is logged and the task runs again at its next time.
- each task has a thread of its own, so a slow power sync never holds up a
  heartbeat, and one task never runs twice at once.
- ``stop()`` ends the waits at once and lets running passes finish.
"""

from concurrent import futures
import threading
import typing

from futurist import periodics
from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class Task(typing.NamedTuple):
    """One periodic task: ``func()`` every ``interval`` seconds, the first
    time ``initial_delay`` seconds after start. A task whose interval is
    0 (or None) is disabled and never runs."""

    name: str
    func: typing.Callable[[], object]
    interval: float
    initial_delay: float = 0


class PeriodicRunner:
    """Runs :class:`Task` s on a futurist PeriodicWorker in a thread.

    :param name: names the thread, for logs and thread dumps.
    :param tasks: the Tasks; the disabled ones are left out.
    """

    def __init__(self, name, tasks):
        self.name = name
        self.tasks = [task for task in tasks if task.interval]
        self._worker = None
        self._thread = None
        self._stopped = threading.Event()
        self._names = {}
        self._in_task = threading.local()

    def start(self):
        """Start the tasks; returns self. With no task, nothing runs."""
        if not self.tasks:
            return self
        # NOTE: built here, not in __init__: futurist schedules the first
        # runs from the time the worker is built.
        callables = [(self._periodic(task), None, None)
                     for task in self.tasks]
        self._worker = periodics.PeriodicWorker(
            callables, log=LOG, schedule_strategy='last_started',
            executor_factory=self._executor, on_failure=self._failed)
        self._thread = threading.Thread(target=self._worker.start,
                                        name=self.name, daemon=True)
        self._thread.start()
        LOG.debug('%s: started %s', self.name, ', '.join(
            '%s every %s s' % (task.name, task.interval)
            for task in self.tasks))
        return self

    def _executor(self):
        # One thread per task (plus one for a starter, see _periodic): a
        # task is only rescheduled when its pass ends, so none queues. The
        # standard library's pool, as its idle threads end at once on
        # shutdown (futurist's poll their queue for up to a second).
        return futures.ThreadPoolExecutor(
            max_workers=len(self.tasks) + 1,
            thread_name_prefix=self.name)

    def _periodic(self, task):
        """The futurist periodic callable for ``task``.

        futurist starts a callable either at once (run_immediately) or one
        spacing after start; any other initial delay is a one-shot starter
        of that spacing that adds the task, to run at once, and ends.
        """
        def run():
            self._in_task.active = True
            try:
                task.func()
            finally:
                self._in_task.active = False

        run.__name__ = run.__qualname__ = task.name
        delay = task.initial_delay or 0
        if delay in (0, task.interval):
            wanted = periodics.periodic(
                task.interval, run_immediately=not delay)(run)
            self._names[wanted] = task.name
            return wanted
        regular = periodics.periodic(task.interval, run_immediately=True)(run)
        self._names[regular] = task.name

        def start_later():
            self._worker.add(regular)
            raise periodics.NeverAgain()

        start_later.__name__ = start_later.__qualname__ = (
            '%s (initial delay)' % task.name)
        return periodics.periodic(delay)(start_later)

    def _failed(self, callback, kind, spacing, exc_info, traceback=None):
        # Logged, and the task runs again at its next time: one failed pass
        # must not end a heartbeat or a sync for good.
        LOG.error('Periodic task %s failed', self._names.get(
            callback, callback), exc_info=exc_info)

    def stop(self, timeout=10):
        """Stop the tasks: no pass starts any more; waits up to
        ``timeout`` seconds for running passes to finish (not when called
        from a task, which would wait for itself)."""
        self._stopped.set()
        if self._worker is None:
            return
        self._worker.stop()
        if getattr(self._in_task, 'active', False):
            return
        if timeout:
            self._thread.join(timeout)
            if self._thread.is_alive():
                LOG.warning('%s: periodic tasks still running after %s s',
                            self.name, timeout)

    @property
    def stopped(self):
        return self._stopped.is_set()
