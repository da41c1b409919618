"""Run WSGI applications and background loops until SIGTERM or SIGINT.

The HTTP server is an asyncio event loop in its own thread (the front,
http_front.py, explains why it is ours and not cheroot's or another
server's) with a fixed pool of worker threads for complete requests.
"""

import asyncio
import resource
import signal
import socket
import threading

from oslo_log import log as logging

from powerbridge import http_front
from powerbridge import wsgi_call

LOG = logging.getLogger(__name__)

# Connections the kernel queues for accept(); the loop accepts fast, so
# this only absorbs bursts (cheroot used 5). The kernel caps it at
# net.core.somaxconn.
BACKLOG = 1024
# How long stop() lets requests already running finish.
STOP_GRACE = 5.0

Limits = http_front.Limits


class StartupError(Exception):
    """A service could not start; the message is one line for the operator."""


def raise_open_files_limit(wanted):
    """Raise RLIMIT_NOFILE's soft limit to the hard one so that hundreds
    of connections fit; warn when even that is below ``wanted``."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError) as exc:
            LOG.warning('Cannot raise the open files limit: %s', exc)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        LOG.warning('Open files limit %d is below [api] max_connections '
                    '%d plus what the service needs', soft, wanted)
    return soft


class Server:
    """A bound listening socket, served by serve() until stop()."""

    def __init__(self, app, sock, threads, limits):
        self.app = app
        self.socket = sock
        self.bind_addr = sock.getsockname()[:2]
        self.limits = limits
        self.pool = wsgi_call.WorkerPool(threads,
                                         'wsgi-%d' % self.bind_addr[1])
        self._loop = None
        self._lock = threading.Lock()
        self._serving = False
        self._stopping = False

    def serve(self):
        """Serve until stop(); runs in the calling thread."""
        with self._lock:
            if self._stopping:
                return
            self._serving = True
        loop = asyncio.new_event_loop()
        front = http_front.Front(loop, self.app, self.pool, self.limits,
                                 self.bind_addr[1])
        self.pool.start()
        try:
            listener = loop.run_until_complete(loop.create_server(
                front.protocol, sock=self.socket, backlog=BACKLOG))
            with self._lock:
                self._loop = loop
                stopping = self._stopping
            if not stopping:
                loop.run_forever()
            listener.close()
            front.close_all()
            loop.run_until_complete(asyncio.sleep(0))  # run the closes
        finally:
            with self._lock:
                self._loop = None
            loop.close()
            self.socket.close()
            self.pool.stop(STOP_GRACE)

    def stop(self):
        """Stop serving (or close the socket of a server never served)."""
        with self._lock:
            self._stopping = True
            loop, serving = self._loop, self._serving
        if loop is not None:
            try:
                loop.call_soon_threadsafe(loop.stop)
            except RuntimeError:
                pass  # serve() closed it meanwhile
        elif not serving:
            self.socket.close()
        # else: serve() is starting up and sees the flag


def make_server(app, host, port, threads=16, limits=None):
    """A Server bound to host:port now (raises StartupError)."""
    limits = limits or Limits()
    raise_open_files_limit(limits.max_connections + 64)
    # NOTE: bind now, so a taken port is reported at start-up with one
    # clear line instead of a traceback from a server thread.
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
        family, kind, proto, _name, address = infos[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise StartupError('cannot listen on %s:%s: %s'
                           % (host, port, exc.strerror or exc)) from exc
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        raise StartupError('cannot listen on %s:%s: %s'
                           % (host, port, exc.strerror or exc)) from exc
    sock.setblocking(False)
    return Server(app, sock, threads, limits)


class ServerThread:
    """A bound server serving from its own thread."""

    def __init__(self, app, host, port, threads=16, limits=None):
        self.server = make_server(app, host, port, threads, limits)
        self.thread = threading.Thread(target=self.server.serve,
                                       name='wsgi-%s' % port, daemon=True)

    @property
    def port(self):
        return self.server.bind_addr[1]

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.stop()
        if self.thread.is_alive():
            self.thread.join(STOP_GRACE + 5)


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
