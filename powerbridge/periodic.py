"""Background loops that run a function every N seconds until stopped."""

import threading
import time

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class Periodic:
    """Call ``func`` every ``interval`` seconds in a daemon thread.

    An exception is logged and the loop goes on: one failed pass must not
    end a service's heartbeat or sync for good.
    """

    def __init__(self, name, func, interval, initial_delay=0):
        self.name = name
        self.func = func
        self.interval = interval
        self.initial_delay = initial_delay
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name,
                                        daemon=True)

    def start(self):
        self._thread.start()
        return self

    def _run(self):
        if self._stop.wait(self.initial_delay):
            return
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.func()
            except Exception:
                LOG.exception('Periodic task %s failed', self.name)
            elapsed = time.monotonic() - started
            self._stop.wait(max(0.0, self.interval - elapsed))

    def stop(self, timeout=10):
        self._stop.set()
        if self._thread.is_alive() and (
                threading.current_thread() is not self._thread):
            self._thread.join(timeout)

    @property
    def stopped(self):
        return self._stop.is_set()
