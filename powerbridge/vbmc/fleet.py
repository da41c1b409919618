"""A fleet of virtual BMCs served by one event loop thread.

Every BMC has its own UDP socket (its own port), as a real BMC has its own
address. The loop watches all of them with ``selectors`` (epoll on Linux),
so a fleet is not bound by select()'s 1024 file descriptor ceiling and each
wakeup costs only the sockets that are readable. 1000 BMCs fit in one
process; pyghmi's own I/O thread is never involved on the BMC side.

All pyghmi server code runs in the loop thread. Other threads only change
plain attributes (power state, fault settings), which is safe under the GIL.
"""

import heapq
import itertools
import resource
import selectors
import socket
import threading
import time

from oslo_log import log as logging

from powerbridge.vbmc import server

LOG = logging.getLogger(__name__)

# Packets read from one socket before the loop looks at the others, so one
# flooded BMC cannot starve the rest.
_MAX_BURST = 64
# File descriptors a process needs besides the BMC sockets.
_SPARE_FDS = 128


class FleetError(Exception):
    """The fleet could not start; the message is one line for an operator."""


class _EventLoop:
    """Reads BMC sockets and runs delayed sends, in one thread."""

    def __init__(self, name):
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._timers = []
        self._seq = itertools.count()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=name,
                                        daemon=True)

    def add(self, bmc):
        self._selector.register(bmc.sock, selectors.EVENT_READ, bmc)

    def call_later(self, delay, func, *args):
        """Run func(*args) in the loop thread after delay seconds.

        Only called from the loop thread (by BMCs sending a reply).
        """
        heapq.heappush(self._timers, (time.monotonic() + delay,
                                      next(self._seq), func, args))

    def start(self):
        self._thread.start()

    def stop(self, timeout=10):
        self._stopping = True
        try:
            self._wake_w.send(b'x')
        except OSError:
            pass
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def _run(self):
        while not self._stopping:
            timeout = 0.5
            if self._timers:
                timeout = max(0.0, min(timeout,
                                       self._timers[0][0] - time.monotonic()))
            try:
                events = self._selector.select(timeout)
            except OSError:
                if self._stopping:
                    return
                raise
            for key, _mask in events:
                if key.data is None:
                    self._drain_wakeup()
                else:
                    self._drain(key.fileobj, key.data)
            self._run_timers()

    def _drain_wakeup(self):
        try:
            while self._wake_r.recv(512):
                pass
        except OSError:
            pass

    @staticmethod
    def _drain(sock, bmc):
        for _ in range(_MAX_BURST):
            try:
                data, sockaddr = sock.recvfrom(4096)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                # NOTE: e.g. a queued ICMP error; the next read is fine.
                return
            try:
                bmc.receive(data, sockaddr)
            except Exception:
                # NOTE: one malformed or unlucky packet must never stop the
                # loop that serves every BMC in the process.
                bmc.count('errors')
                LOG.exception('vbmc %d: error handling a packet from %s',
                              bmc.index, sockaddr)

    def _run_timers(self):
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _when, _seq, func, args = heapq.heappop(self._timers)
            try:
                func(*args)
            except Exception:
                LOG.exception('vbmc: delayed send failed')


def _ensure_fd_limit(needed):
    """Raise the soft RLIMIT_NOFILE if the fleet needs more descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise FleetError('a fleet of this size needs %d open files but '
                             'the hard limit is %d' % (needed, hard))
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


class VirtualBmcFleet:
    """N virtual BMCs on consecutive (or free) UDP ports of one address.

    :param count: number of BMCs.
    :param address: IP address to bind, normally 127.0.0.1.
    :param base_port: BMC i listens on base_port + i; 0 lets the kernel pick
        a free port for each BMC (see :attr:`ports`).
    :param username, password: credentials of every BMC unless
        ``credentials`` is given.
    :param credentials: optional callable index -> (username, password),
        for fleets whose BMCs do not share credentials.
    :param powered_on: initial power state of every BMC.
    :param seed: makes the injected packet loss repeatable (one random
        generator per BMC, derived from the seed and its index).
    """

    def __init__(self, count, address='127.0.0.1', base_port=0,
                 username='admin', password='password', credentials=None,
                 powered_on=False, seed=None):
        if count < 1:
            raise ValueError('count must be at least 1')
        if base_port and base_port + count - 1 > 65535:
            raise ValueError('ports %d-%d are out of range'
                             % (base_port, base_port + count - 1))
        self.count = count
        self.address = address
        self.base_port = base_port
        self._credentials = credentials or (lambda i: (username, password))
        self._powered_on = powered_on
        self._seed = seed
        self._bmcs = []
        self._loop = None

    def __repr__(self):
        return '<VirtualBmcFleet %d BMCs on %s>' % (self.count, self.address)

    @property
    def ports(self):
        """The UDP port of each BMC, by index (after start())."""
        return [bmc.port for bmc in self._bmcs]

    @property
    def running(self):
        return self._loop is not None

    def start(self):
        """Bind every socket, then serve; raises FleetError on bind errors."""
        if self._loop is not None:
            return
        _ensure_fd_limit(self.count + _SPARE_FDS)
        sockets = self._bind_all()
        loop = _EventLoop('vbmc-%s' % sockets[0].getsockname()[1])
        bmcs = []
        for index, sock in enumerate(sockets):
            username, password = self._credentials(index)
            bmc = server.VirtualBmc(index, sock, username, password, loop,
                                    powered_on=self._powered_on,
                                    seed=self._seed)
            loop.add(bmc)
            bmcs.append(bmc)
        self._bmcs = bmcs
        self._loop = loop
        loop.start()
        LOG.info('Virtual BMC fleet serving %d BMCs on %s, ports %d-%d',
                 self.count, self.address, bmcs[0].port, bmcs[-1].port)

    def _bind_all(self):
        try:
            family = socket.getaddrinfo(self.address, None, 0,
                                        socket.SOCK_DGRAM)[0][0]
        except socket.gaierror as exc:
            raise FleetError('cannot use address %s: %s'
                             % (self.address, exc.strerror)) from None
        sockets = []
        try:
            for index in range(self.count):
                port = self.base_port + index if self.base_port else 0
                sock = socket.socket(family, socket.SOCK_DGRAM)
                sockets.append(sock)
                sock.setblocking(False)
                try:
                    sock.bind((self.address, port))
                except OSError as exc:
                    raise FleetError('cannot bind UDP %s:%d: %s'
                                     % (self.address, port,
                                        exc.strerror or exc)) from None
        except BaseException:
            for sock in sockets:
                sock.close()
            raise
        return sockets

    def stop(self):
        """Stop serving and close every socket; idempotent."""
        loop, self._loop = self._loop, None
        if loop is None:
            return
        loop.stop()
        for bmc in self._bmcs:
            # NOTE: the loop thread has ended, so pyghmi state is ours now.
            bmc.close()
            bmc.sock.close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    # -- control (any thread) ----------------------------------------------

    def _bmc(self, index):
        if not isinstance(index, int) or not 0 <= index < len(self._bmcs):
            raise IndexError('no BMC with index %r' % (index,))
        return self._bmcs[index]

    def get_power(self, index):
        """True if BMC ``index`` reports power on."""
        return self._bmc(index).powered_on

    def set_power(self, index, on):
        """Flip the power "behind the API's back" (no IPMI involved)."""
        self._bmc(index).powered_on = bool(on)

    def set_fault(self, index, latency_ms=None, loss_pct=None, hang=None):
        """Change fault injection of one BMC, or of all if index is None.

        Arguments left as None keep their current value.
        """
        bmcs = self._bmcs if index is None else [self._bmc(index)]
        for bmc in bmcs:
            bmc.faults.update(latency_ms=latency_ms, loss_pct=loss_pct,
                              hang=hang)

    def clear_faults(self):
        self.set_fault(None, latency_ms=0, loss_pct=0, hang=False)

    def describe(self, index):
        """A JSON-friendly view of one BMC (never the password)."""
        bmc = self._bmc(index)
        return {'index': bmc.index, 'address': bmc.address,
                'port': bmc.port,
                'power': 'on' if bmc.powered_on else 'off',
                'fault': bmc.faults.as_dict(),
                'counters': dict(bmc.counters),
                'status_readers': dict(bmc.status_readers)}

    def describe_all(self):
        return [self.describe(i) for i in range(len(self._bmcs))]
