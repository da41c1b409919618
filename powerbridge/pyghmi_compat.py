"""pyghmi's client-side private names, and the version they are valid for.

The IPMI driver (baremetal_notifier.drivers) works around pyghmi's socket
and login pitfalls through its internals; doc/source/ipmi.rst gives the
reasons and measurements, and how to upgrade. The virtual BMCs' side is
powerbridge.pyghmi_server, which imports this module first. Importing this
module with any pyghmi but :data:`EXPECTED_VERSION` raises
:class:`PyghmiVersionError`; otherwise it changes nothing in pyghmi (see
:func:`install_client_patches`).
"""

import collections
import importlib.metadata
import math
import os
import random
import select
import socket
import threading
import time

from oslo_log import log as logging

from powerbridge import keepalive_timers

LOG = logging.getLogger(__name__)

# Keep equal to the pin in requirements.txt (a unit test checks).
EXPECTED_VERSION = '1.6.19'


class PyghmiVersionError(ImportError):
    """The installed pyghmi is not the release this module supports.

    An ImportError naming ``pyghmi``: the console scripts report it as one
    line and let other import errors through.
    """


def check_version():
    """Raise PyghmiVersionError unless pyghmi EXPECTED_VERSION is installed."""
    try:
        found = importlib.metadata.version('pyghmi')
    except importlib.metadata.PackageNotFoundError:
        found = 'none installed'
    if found != EXPECTED_VERSION:
        raise PyghmiVersionError(
            'pyghmi %s is required (powerbridge relies on its internals, see '
            'doc/source/ipmi.rst), found %s'
            % (EXPECTED_VERSION, found), name='pyghmi')


# NOTE: before importing pyghmi's private modules, which another release may
# have moved: the operator gets the version line, not their ImportError.
check_version()

from pyghmi.ipmi.private import session as ipmisession  # noqa: E402
from pyghmi.ipmi.private import util as ipmiutil  # noqa: E402

# Set Session Privilege Level (netfn App, command 3Bh).
_NETFN_APP = 6
_CMD_SET_SESSION_PRIV = 0x3b
_PRIV_ADMIN = 4
_PRIV_OPERATOR = 3

_PATCH_LOCK = threading.Lock()
_patched = False


# -- client side: the driver's loop thread -----------------------------------

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


class _SmallQueue(list):
    """A deque's append/popleft/len on a list, for pyghmi's session queues.

    An empty deque holds a 760-byte block; every pyghmi session has three
    (evq, pktqueue, pendingpayloads), almost always empty: 23 MB for
    10,000 warm sessions. They hold one or two items at a time, where
    pop(0) costs nothing, and each call is atomic under the GIL as a
    deque's is.
    """

    __slots__ = ()

    def popleft(self):
        return self.pop(0)


class _SessionCollections:
    """Stands in for ``collections`` inside pyghmi's session module, whose
    only calls at run time make the per-session queues."""

    deque = _SmallQueue


def _vdso_clock():
    """pyghmi's clock (``os.times()[4]``, a system call each time; a warm
    read takes it three times and it was 17 % of the conductor's CPU at a
    1 s cadence) on the vDSO monotonic clock, continuous with it: timers
    set before the switch keep their meaning."""
    offset = os.times()[4] - time.monotonic()
    return lambda: time.monotonic() + offset


class _LoopThreadIo:
    """pyghmi's socket reads, done by the thread that runs its event loop.

    Stock pyghmi reads its sockets in an I/O thread of its own, which wakes
    the event loop's thread through an Event for each batch of packets;
    every ``recvfrom`` and ``getsockname`` there and every ``sendto`` in
    the loop thread hands the GIL from one thread to the other. Here
    ``_io_wait``, which the loop thread calls to wait for packets, polls
    the sockets itself (with the same timeout) and reads the readable
    ones with pyghmi's own ``_io_graball``; pyghmi's I/O thread, still
    started by pyghmi, waits on nothing and reads nothing. A warm read
    went from about 117 to 76 us of the process's CPU (1,000 BMCs).

    poll(), not select(): select() raises ValueError for a descriptor
    above 1023. The poll object is kept and each socket registered once:
    pyghmi only appends to its socket list (64 BMCs a socket).
    """

    def __init__(self):
        self._poller = select.poll()
        self._watched = []
        self._byfd = {}
        # Only the loop thread waits, but a second caller must not poll
        # the same object at once (poll() refuses).
        self._lock = threading.Lock()
        self._idle = threading.Event()

    def io_wait(self, timeout, myaddr=None, evq=None):
        """Stands in for ``session._io_wait``: read what arrives within
        ``timeout`` seconds into pyghmi's session queues."""
        with self._lock:
            sockets = ipmisession.iosockets
            if len(sockets) != len(self._watched) or (
                    sockets and sockets[-1] is not self._watched[-1]):
                self._watch(sockets)
            # NOTE: round up, or a 0.4 ms timeout becomes a busy 0 ms poll.
            msecs = (None if timeout is None
                     else max(0, math.ceil(timeout * 1000)))
            byfd = self._byfd
            ready = [byfd[fd] for fd, _event in self._poller.poll(msecs)]
            if ready:
                _stock_graball(ready, {})

    def _watch(self, sockets):
        for fd in self._byfd:
            self._poller.unregister(fd)
        self._byfd = {sock.fileno(): sock for sock in sockets}
        for fd in self._byfd:
            self._poller.register(fd, select.POLLIN)
        self._watched = list(sockets)

    # -- what pyghmi's own I/O thread sees: nothing to read, ever --------

    def select(self, rlist, wlist, xlist, timeout=None):
        """Stands in for the ``select`` module in the I/O thread."""
        self._idle.wait(timeout)
        return [], [], []

    @staticmethod
    def graball(mysockets, iowaiters):
        """Stands in for ``_io_graball`` in the I/O thread."""
        return []


_stock_graball = ipmisession._io_graball


class _SessionOs:
    """Stands in for ``os`` inside pyghmi's session module, whose calls at
    run time are ``os.urandom(16)``: an AES-CBC IV per encrypted packet
    and a nonce per login. The kernel's random bytes are fetched 4 KiB at
    a time and each 16 handed out once: one ``getrandom`` call per 256
    packets instead of one per packet, and each such call released the
    GIL in the middle of a send."""

    _BLOCK = 16
    _BATCH = 4096

    def __init__(self):
        self._blocks = collections.deque()

    def urandom(self, size):
        if size != self._BLOCK:
            return os.urandom(size)
        try:
            return self._blocks.popleft()
        except IndexError:
            fresh = os.urandom(self._BATCH)
            # NOTE: deque.extend and popleft are atomic: two threads
            # refilling at once only fetch twice; no block is used twice.
            self._blocks.extend(fresh[start:start + self._BLOCK]
                                for start in range(self._BLOCK, self._BATCH,
                                                   self._BLOCK))
            return fresh[:self._BLOCK]

    def __getattr__(self, name):
        return getattr(os, name)


def install_client_patches(initial_timeout=None):
    """Make pyghmi's client socket I/O race-free; idempotent, process-wide.

    Nothing toggles the shared socket's blocking mode any more (a race that
    froze every session), the event loop's thread reads the sockets
    itself with poll() (pyghmi's I/O thread idles), the event loop's
    keepalive walk costs the sessions due, not all of them
    (powerbridge.keepalive_timers), a session's queues are small, and its
    clock is read without a system call.
    ``initial_timeout``: first retransmit timer, stock 0.5 s (+ jitter).
    """
    global _patched
    with _PATCH_LOCK:
        if not _patched:
            ipmisession._io_recvfrom = _recvfrom_nonblocking
            ipmisession._io_sendto = _sendto_plain
            loop_io = _LoopThreadIo()
            ipmisession._io_wait = loop_io.io_wait
            ipmisession.select = loop_io
            ipmisession._io_graball = loop_io.graball
            ipmisession.collections = _SessionCollections
            ipmisession.os = _SessionOs()
            # NOTE: session.py imported the function by name; both names
            # are switched, before the keepalive table takes the clock.
            ipmiutil._monotonic_time = ipmisession._monotonic_time = (
                _vdso_clock())
            with ipmiutil.protect(ipmisession.KEEPALIVE_SESSIONS):
                ipmisession.Session.keepalive_sessions = (
                    keepalive_timers.KeepaliveTimers(
                        ipmiutil._monotonic_time,
                        ipmisession.Session.keepalive_sessions))
            _patched = True
        if initial_timeout is not None:
            ipmisession.initialtimeout = float(initial_timeout)


def command_finished(sess):
    """Clean up after a callback-mode command, as pyghmi leaves it to us.

    Without this the session's next command waits in ``_cmdwait``.
    """
    sess.incommand = False
    while sess.evq:
        sess.evq.popleft().set()


class AsyncLoginSession(ipmisession.Session):
    """A client session whose login never waits inside the loop.

    Stock ``_got_rakp4`` ends with ``_req_priv_level``, a synchronous Set
    Session Privilege Level that can stall the whole loop 0.5-1 s per
    login. Here it goes out from the top of the next tick and its reply
    completes the login. Pass credentials as bytes (see the doc page).
    """

    # Seconds an unanswered request (or login step) is resent at
    # a steady pace before stock pyghmi's give-up takes over (about its
    # own budget at maxtimeout 4); the engine's step deadline usually ends
    # it first.
    STEADY_RETRANSMIT_BUDGET = 8.0

    def _timedout(self):
        # NOTE: stock pyghmi adds 1 s to the timer per resend (0.1-0.6 s,
        # then 1.1-1.6, 2.1-2.6, ...), so a 4 s step sends a request about
        # 3 times: at 30 % loss each way (49 % per round trip) one warm read
        # in eight lost its session and paid a login. A request resent
        # every 0.1-0.6 s is sent ~11 times in 4 s. IPMI requests carry a
        # sequence number and reads are idempotent, as pyghmi assumes.
        # The login steps too: a lost RAKP message restarts the login
        # (stock pyghmi) sooner.
        if self.lastpayload:
            now = ipmiutil._monotonic_time()
            if getattr(self, '_steady_payload', None) is not self.lastpayload:
                self._steady_payload = self.lastpayload
                self._steady_since = now
            if now - self._steady_since < self.STEADY_RETRANSMIT_BUDGET:
                # pyghmi adds 1 before it resends with this timer.
                self.timeout = (ipmisession.initialtimeout - 1
                                + 0.5 * random.random())
            else:
                self.timeout = self.maxtimeout  # stock give-up, now
        super()._timedout()

    def _req_priv_level(self):
        self.logged = 1
        self.logoutexpiry = None
        self.maxtimeout = 4
        # NOTE: no silent re-login (its resend waits in _cmdwait); the
        # engine retries with a fresh session instead.
        self.logontries = 0
        # NOTE: never send from inside a pyghmi callback: _parse_ipmi_payload
        # then deletes the new request's entry and its reply is dropped.
        # iterwaiters run at the top of the next wait_for_rsp.
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
        command_finished(self)
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
            self._login_failed(ipmi_error(
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
    """True if a command can be sent on sess now (no keepalive in flight)."""
    return (sess is not None and sess.logged and not sess.logging
            and not sess.broken and not sess._isincommand())


def break_session(sess):
    """Abandon sess without blocking; late callbacks must be ignored.

    ``_mark_broken`` waits in ``_cmdwait`` while a command is in flight,
    so the in-command flag is cleared first.
    """
    command_finished(sess)
    try:
        sess._mark_broken()
    except Exception:
        LOG.debug('Ignoring an error while abandoning an IPMI session',
                  exc_info=True)


def ipmi_error(response, suffix=''):
    """The error text for a reply's completion code, or '' if none."""
    return ipmiutil.get_ipmi_error(response, suffix=suffix)


def run_tick(timeout):
    """Run pyghmi's client event loop for up to timeout seconds."""
    ipmisession.Session.wait_for_rsp(timeout)


def wake_io_thread():
    """Make a waiting run_tick() return early.

    A 1-byte datagram to pyghmi's own socket ends the tick's poll;
    pyghmi ignores short packets and pokes itself so.
    """
    sockets, myself = ipmisession.iosockets, ipmisession.myself
    if not sockets or myself is None:
        return
    try:
        sockets[0].sendto(b'\x01', (myself, sockets[0].getsockname()[1]))
    except OSError:
        pass
