"""Run WSGI applications and background loops until SIGTERM or SIGINT."""

import signal
import threading

from cheroot import wsgi
from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class StartupError(Exception):
    """A service could not start; the message is one line for the operator."""


def make_server(app, host, port, threads=16):
    """Build a cheroot server bound to host:port (raises StartupError)."""
    server = wsgi.Server((host, port), app, numthreads=threads,
                         server_name='powerbridge')
    # NOTE: prepare() binds now, so a taken port is reported at start-up
    # with one clear line instead of a traceback from a server thread.
    try:
        server.prepare()
    except OSError as exc:
        raise StartupError('cannot listen on %s:%s: %s'
                           % (host, port, exc.strerror or exc)) from exc
    return server


class ServerThread:
    """A prepared cheroot server serving from its own thread."""

    def __init__(self, app, host, port, threads=16):
        self.server = make_server(app, host, port, threads)
        self.thread = threading.Thread(target=self.server.serve,
                                       name='wsgi-%s' % port, daemon=True)

    @property
    def port(self):
        return self.server.bind_addr[1]

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.stop()
        self.thread.join(10)


class SignalWaiter:
    """Catch SIGTERM/SIGINT from the moment it is built.

    Build it first thing in main(): a signal that arrives while the service
    is still starting is then remembered and honoured by wait(), instead of
    killing the process with Python's default handler.
    """

    def __init__(self, extra_signals=()):
        self._received = []
        self._done = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT) + tuple(extra_signals):
            signal.signal(signum, self._handler)

    def _handler(self, signum, frame):
        self._received.append(signum)
        self._done.set()

    def wait(self):
        """Block until a signal arrived; return its number."""
        # NOTE: wait with a timeout so the signal handler runs promptly.
        while not self._done.wait(0.5):
            pass
        return self._received[0]


def wait_for_signal(extra_signals=()):
    """Block the main thread until SIGTERM/SIGINT; return the signal number."""
    return SignalWaiter(extra_signals).wait()
