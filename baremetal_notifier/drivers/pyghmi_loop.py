"""The one thread that owns every pyghmi client call in a process.

pyghmi keeps its sessions, sockets and event loop in process-wide state with
no locks; several threads calling it synchronously steal each other's
packets and hang (doc/source/ipmi.rst, "Threads"). So all client work runs
here: other threads hand functions to :meth:`PyghmiLoop.call` and wait on
the returned futures, and clients (the IPMI engine) get a ``dispatch`` hook
before and a ``process`` hook after each short tick of pyghmi's loop. The
short tick also caps the "lost wakeup" stall.

The pyghmi internals this needs are in powerbridge.pyghmi_compat.
"""

import collections
from concurrent import futures
import threading
import time

from oslo_log import log as logging

from powerbridge import pyghmi_compat

LOG = logging.getLogger(__name__)


class PyghmiLoop:
    """A thread running pyghmi's event loop in short ticks.

    Use :meth:`acquire` / :meth:`release`: every driver in the process
    shares one loop, because pyghmi's state is per process.
    """

    _shared = None
    _users = 0
    _shared_lock = threading.Lock()

    # NOTE: with nothing in flight only keepalives need the loop, and
    # wait_for_rsp shortens its wait for their timers itself; call() pokes
    # the loop awake, so new work does not wait for an idle tick.
    IDLE_TICK = 0.25

    def __init__(self, tick=0.02):
        self._tick = tick
        self._calls = collections.deque()
        self._clients = []
        self._stopping = False
        self._thread = None
        self._last_error_log = 0.0

    @classmethod
    def acquire(cls, tick=0.02, initial_timeout=None):
        """Return the process's running loop, starting it if needed."""
        with cls._shared_lock:
            pyghmi_compat.install_client_patches(initial_timeout)
            if cls._shared is None or not cls._shared.alive:
                cls._shared = cls(tick)
                cls._users = 0
                cls._shared.start()
            cls._users += 1
            return cls._shared

    def release(self):
        """Drop one user; the last one stops the thread."""
        with PyghmiLoop._shared_lock:
            if PyghmiLoop._shared is not self:
                return
            PyghmiLoop._users -= 1
            if PyghmiLoop._users > 0:
                return
            PyghmiLoop._shared = None
        self.stop()

    @property
    def alive(self):
        return (self._thread is not None and self._thread.is_alive()
                and not self._stopping)

    def start(self):
        self._thread = threading.Thread(target=self._run, name='pyghmi-loop',
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout=5.0):
        self._stopping = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                LOG.warning('The pyghmi loop thread did not stop within '
                            '%.0f s', timeout)
                return
        self._fail_calls()

    def call(self, func, *args):
        """Run func(*args) in the loop thread; returns a Future."""
        future = futures.Future()
        if not self.alive:
            future.set_exception(RuntimeError('the IPMI loop is not running'))
            return future
        self._calls.append((func, args, future))
        self._wake()
        return future

    @staticmethod
    def _wake():
        # NOTE: the loop may sit in a tick for its whole length.
        pyghmi_compat.wake_io_thread()

    def add_client(self, client):
        """Register an object with dispatch(now)/process(now)/busy() hooks."""
        return self.call(self._clients.append, client)

    def remove_client(self, client):
        return self.call(self._clients.remove, client)

    def _run_calls(self):
        while self._calls:
            func, args, future = self._calls.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(func(*args))
            except BaseException as exc:
                future.set_exception(exc)

    def _hooks(self, name, now):
        for client in list(self._clients):
            try:
                getattr(client, name)(now)
            except Exception:
                self._log_error('IPMI engine %s hook failed' % name)

    def _log_error(self, message):
        # NOTE: rate-limited; a broken BMC must not flood the log 50x/s.
        now = time.monotonic()
        if now - self._last_error_log > 5:
            self._last_error_log = now
            LOG.exception(message)

    def _busy(self):
        try:
            return any(client.busy() for client in self._clients)
        except Exception:
            self._log_error('IPMI engine busy hook failed')
            return True

    def _run(self):
        while not self._stopping:
            self._run_calls()
            self._hooks('dispatch', time.monotonic())
            tick = self._tick if self._busy() else self.IDLE_TICK
            try:
                pyghmi_compat.run_tick(tick)
            except Exception:
                # NOTE: supervised: an exception from deep in pyghmi must
                # not end the loop every session depends on.
                self._log_error('pyghmi event loop iteration failed')
            self._hooks('process', time.monotonic())
        self._fail_calls()

    def _fail_calls(self):
        # Whatever was submitted after the decision to stop.
        while self._calls:
            _func, _args, future = self._calls.popleft()
            if future.set_running_or_notify_cancel():
                future.set_exception(
                    RuntimeError('the IPMI loop has stopped'))
