"""The conductor's bounded worker pool, as Ironic's.

Work the API asks for (power actions) runs on a thread pool that refuses
a submission once every worker is busy, with futurist's
RejectedSubmission, as Ironic's executor does; the caller turns it into
NoFreeConductorWorker (503) and the client retries. An unbounded queue
would instead hold node locks for work that may not start for minutes.

The threads are the standard library's: an idle one blocks until work
comes, and a new one starts only when none is idle. futurist's workers
wake once a second to look for a shutdown, and its plain executor starts
a thread per submission up to the size, so the 300 threads one burst of
actions left behind cost a steady few per cent of a core.
"""

import concurrent.futures
import threading

import futurist


class BoundedPool:
    """A thread pool that runs at most ``size`` items at once and queues
    none: a submission beyond that raises futurist.RejectedSubmission.

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
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=size, thread_name_prefix='conductor-worker')

    @property
    def in_flight(self):
        """Items submitted and not finished yet."""
        with self._lock:
            return self._in_flight

    def submit(self, fn, *args, **kwargs):
        """Run ``fn`` on a free worker; returns its future.

        :raises futurist.RejectedSubmission: every worker is busy.
        :raises RuntimeError: the pool was shut down.
        """
        with self._lock:
            if self._in_flight >= self.size:
                raise futurist.RejectedSubmission(
                    'all %d workers are busy' % self.size)
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
