"""The one thread that owns every pyghmi client call in a process.

pyghmi keeps its sessions, sockets and event loop in process-wide state with
no locks; several threads calling it synchronously steal each other's
packets and hang (ipmi-measurements.md, pitfall 4). So all client work runs
here: other threads hand functions to :meth:`PyghmiLoop.call` and wait on
the returned futures, and clients (the IPMI engine) get a ``dispatch`` hook
before and a ``process`` hook after each short ``Session.wait_for_rsp``
tick. The short tick also caps the "lost wakeup" stall (pitfall 5).

pyghmi 1.6.19 is pinned: this module uses its private names.
"""

import collections
from concurrent import futures
import math
import random
import select
import socket
import threading
import time

from oslo_log import log as logging
from pyghmi.ipmi.private import session as ipmisession
from pyghmi.ipmi.private import util as ipmiutil

LOG = logging.getLogger(__name__)

_PATCH_LOCK = threading.Lock()
_PATCHED = False

# Set Session Privilege Level (netfn App, command 3Bh).
_NETFN_APP = 6
_CMD_SET_SESSION_PRIV = 0x3b
_PRIV_ADMIN = 4
_PRIV_OPERATOR = 3


def _recvfrom_nonblocking(sock, size):
    try:
        return sock.recvfrom(size, socket.MSG_DONTWAIT)
    except OSError:
        return None


def _sendto_plain(sock, packet, sockaddr):
    try:
        sock.sendto(packet, sockaddr)
    except OSError:
        # UDP: a failed send is a lost packet; the retransmit timer copes.
        pass


class _PollSelect:
    """Stands in for the ``select`` module inside pyghmi's session code.

    pyghmi's I/O thread calls ``select.select()``, which raises ValueError
    for a file descriptor above 1023 and so kills the thread in a process
    that has many files open (a conductor with a DB pool and an API).
    poll() has no such ceiling.
    """

    @staticmethod
    def select(rlist, wlist, xlist, timeout=None):
        poller = select.poll()
        byfd = {}
        for sock in rlist:
            byfd[sock.fileno()] = sock
            poller.register(sock, select.POLLIN)
        # NOTE: round up, or a 0.4 ms timeout becomes a busy 0 ms poll.
        msecs = None if timeout is None else max(0, math.ceil(timeout * 1000))
        ready = poller.poll(msecs)
        return [byfd[fd] for fd, _event in ready if fd in byfd], [], []


def install_patches(initial_timeout=None):
    """Make pyghmi's socket I/O race-free; idempotent, call before use.

    Stock ``_io_sendto`` sets the shared socket blocking in the sending
    thread while the I/O thread sets it non-blocking to read; when the GIL
    switches in between, ``recvfrom`` blocks and every session in the
    process freezes. Reads use MSG_DONTWAIT instead and nobody toggles the
    socket mode. pyghmi's I/O thread also waits with poll(), not select().

    :param initial_timeout: pyghmi's first retransmit timer (seconds, plus
        up to 0.5 s of jitter pyghmi adds); stock is 0.5. Process-wide.
    """
    global _PATCHED
    with _PATCH_LOCK:
        if not _PATCHED:
            ipmisession._io_recvfrom = _recvfrom_nonblocking
            ipmisession._io_sendto = _sendto_plain
            if hasattr(select, 'poll'):
                ipmisession.select = _PollSelect
            _PATCHED = True
        if initial_timeout is not None:
            ipmisession.initialtimeout = float(initial_timeout)


class AsyncLoginSession(ipmisession.Session):
    """A client session whose login never waits inside the loop.

    Stock pyghmi ends every login (``_got_rakp4`` -> ``_req_priv_level``)
    with a synchronous Set Session Privilege Level, which can stall the
    whole loop for 0.5-1 s per login. Here the request goes out from the
    top of the next loop tick and its reply completes the login.
    """

    def _req_priv_level(self):
        self.logged = 1
        self.logoutexpiry = None
        self.maxtimeout = 4
        # NOTE: stock keeps one silent re-login for an established session,
        # and its resend path waits synchronously (_cmdwait) in the loop.
        # The engine retries with a fresh session instead.
        self.logontries = 0
        # NOTE: never send from inside a pyghmi callback: after a response
        # callback returns, _parse_ipmi_payload deletes the request entry of
        # whatever was sent meanwhile and its reply is dropped. iterwaiters
        # run at the top of the next wait_for_rsp, outside packet handling.
        ipmisession.Session.iterwaiters.append(self._send_priv_request)

    def _send_priv_request(self, _ignored=None):
        if self.broken or not self.logging:
            return
        try:
            self.raw_command(netfn=_NETFN_APP, command=_CMD_SET_SESSION_PRIV,
                             data=[self.privlevel],
                             callback=self._got_priv_level)
        except Exception as exc:
            # NOTE: pyghmi's IpmiException often has the text 'None'.
            text = str(exc)
            self._login_failed(text if text and text != 'None'
                               else 'session lost during login')

    def _got_priv_level(self, response):
        # NOTE: callback mode leaves the cleanup to the caller; without it
        # the next command waits in _cmdwait.
        self.incommand = False
        while self.evq:
            self.evq.popleft().set()
        if 'error' in response:
            self._login_failed(response['error'])
            return
        code = response.get('code')
        if code in (0x80, 0x81) and self.privlevel == _PRIV_ADMIN:
            # Some BMCs refuse admin only at this step; ask for operator.
            self.privlevel = _PRIV_OPERATOR
            ipmisession.Session.iterwaiters.append(self._send_priv_request)
            return
        if code:
            self._login_failed(ipmiutil.get_ipmi_error(
                response, suffix=' while requesting privilege level %d'
                % self.privlevel))
            return
        self.logging = False
        with ipmiutil.protect(ipmisession.KEEPALIVE_SESSIONS):
            ipmisession.Session.keepalive_sessions[self] = {
                'ipmisession': self,
                'timeout': (ipmiutil._monotonic_time() + ipmisession.MAX_IDLE
                            - random.random() * 4.9)}
        self.onlogon({'success': True})

    def _login_failed(self, message):
        self.logged = 0
        self.onlogpayload = None
        self.logging = False
        self.onlogon({'error': message})


def session_ready(sess):
    """True if a command can be sent on sess right now."""
    return (sess is not None and sess.logged and not sess.logging
            and not sess.broken and not sess._isincommand())


def break_session(sess):
    """Abandon sess without blocking; late callbacks must be ignored.

    ``_mark_broken`` waits in ``_cmdwait`` while a command is in flight,
    so the in-command flag is cleared first.
    """
    sess.incommand = False
    while sess.evq:
        sess.evq.popleft().set()
    try:
        sess._mark_broken()
    except Exception:
        LOG.debug('Ignoring an error while abandoning an IPMI session',
                  exc_info=True)


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
        self._io_thread_dead = False

    @classmethod
    def acquire(cls, tick=0.02, initial_timeout=None):
        """Return the process's running loop, starting it if needed."""
        with cls._shared_lock:
            install_patches(initial_timeout)
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
        # NOTE: the loop may sit in wait_for_rsp for a whole tick. A 1-byte
        # datagram to pyghmi's own socket makes its I/O thread return from
        # select() and wake the waiting tick; pyghmi ignores short packets
        # and pokes itself the same way.
        sockets, myself = ipmisession.iosockets, ipmisession.myself
        if not sockets or myself is None:
            return
        try:
            sockets[0].sendto(b'\x01', (myself, sockets[0].getsockname()[1]))
        except OSError:
            pass

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

    def _io_thread_alive(self):
        iothread = ipmisession.iothread
        if iothread is None:
            return False  # pyghmi starts it with the first session
        if iothread.is_alive():
            return True
        if not self._io_thread_dead:
            self._io_thread_dead = True
            LOG.error('pyghmi\'s I/O thread has died; IPMI requests will '
                      'fail until the process is restarted')
        return False

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
                if self._io_thread_alive():
                    ipmisession.Session.wait_for_rsp(tick)
                else:
                    # NOTE: wait_for_rsp waits for a wakeup from pyghmi's
                    # I/O thread, with no timeout of its own: without the
                    # thread it would never return.
                    time.sleep(tick)
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
