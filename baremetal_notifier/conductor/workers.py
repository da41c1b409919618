"""The conductor's bounded worker pool, as Ironic's.

Work the API asks for (power actions) runs on a futurist executor whose
``check_and_reject`` refuses a submission once every worker is busy; the
caller turns futurist's RejectedSubmission into NoFreeConductorWorker (503)
and the client retries. An unbounded queue would instead hold node locks
for work that may not start for minutes.
"""

import threading

import futurist


class BoundedPool:
    """A futurist ThreadPoolExecutor that runs at most ``size`` items at
    once and queues none: a submission beyond that raises
    futurist.RejectedSubmission.

    :param size: the number of workers ([conductor] workers_pool_size).
    """

    def __init__(self, size):
        self.size = size
        # NOTE: counted here rather than from the executor's backlog: a
        # worker thread just spawned is not idle yet, and an idle one has
        # not yet taken the item queued for it, so neither the backlog nor
        # the idle count tells exactly how many workers are spoken for.
        self._in_flight = 0
        self._lock = threading.Lock()
        self._executor = futurist.ThreadPoolExecutor(
            max_workers=size, check_and_reject=self._reject_when_busy)

    @property
    def in_flight(self):
        """Items submitted and not finished yet."""
        with self._lock:
            return self._in_flight

    def _reject_when_busy(self, executor, backlog):
        # Called by submit(), under self._lock (see submit).
        if self._in_flight >= self.size:
            raise futurist.RejectedSubmission(
                'all %d workers are busy' % self.size)

    def submit(self, fn, *args, **kwargs):
        """Run ``fn`` on a free worker; returns its future.

        :raises futurist.RejectedSubmission: every worker is busy.
        :raises RuntimeError: the pool was shut down.
        """
        with self._lock:
            future = self._executor.submit(fn, *args, **kwargs)
            self._in_flight += 1
        # Outside the lock: a future already done runs the callback here.
        future.add_done_callback(self._done)
        return future

    def _done(self, _future):
        with self._lock:
            self._in_flight -= 1

    def shutdown(self, wait=True):
        self._executor.shutdown(wait=wait)
