"""One virtual BMC: pyghmi's ``Bmc`` with the test-BMC fixes and faults.

pyghmi 1.6.19 ships an IPMI server, but as shipped its own client cannot
log in to it and one bad packet can silence every BMC in the process
(doc/source/ipmi.rst). The fixes reach into pyghmi's internals, so they
live in powerbridge.pyghmi_server (its ``BmcServerSession`` and
``ServerSocket``); this module keeps the chassis, the faults and the
session bookkeeping of one BMC.

Socket I/O is not done here: the fleet's event loop (fleet.py) reads the
real sockets and hands packets to :meth:`VirtualBmc.receive`.
"""

import collections
import errno
import random
import uuid

from oslo_log import log as logging

from powerbridge import pyghmi_server

LOG = logging.getLogger(__name__)

# Completion code "request not supported in present state" (chassis control
# on a powered-off chassis), IPMI 2.0 section 28.3.
CC_NOT_IN_PRESENT_STATE = 0xd5

CONTROL_NAMES = {0: 'off', 1: 'on', 2: 'cycle', 3: 'reset', 4: 'diag',
                 5: 'soft'}


class Faults:
    """Fault injection settings of one BMC (written by any thread)."""

    __slots__ = ('rng', 'latency_ms', 'loss_pct', 'hang')

    def __init__(self, rng=None):
        # NOTE: its own generator, so a seeded fleet drops the same packets
        # run after run (per BMC: the loop thread is the only caller).
        self.rng = rng or random.Random()
        self.latency_ms = 0.0
        self.loss_pct = 0.0
        self.hang = False

    def update(self, latency_ms=None, loss_pct=None, hang=None):
        if latency_ms is not None:
            latency_ms = float(latency_ms)
            if not 0 <= latency_ms <= 60000:
                raise ValueError('latency_ms must be between 0 and 60000')
        if loss_pct is not None:
            loss_pct = float(loss_pct)
            if not 0 <= loss_pct <= 100:
                raise ValueError('loss_pct must be between 0 and 100')
        if hang is not None and not isinstance(hang, bool):
            raise ValueError('hang must be true or false')
        # NOTE: assign only after validating everything, so a bad request
        # changes nothing. Plain attribute writes are atomic for readers.
        if latency_ms is not None:
            self.latency_ms = latency_ms
        if loss_pct is not None:
            self.loss_pct = loss_pct
        if hang is not None:
            self.hang = hang

    def drops(self):
        """Decide the fate of one packet (either direction): requests in
        and replies out are each dropped with probability loss_pct."""
        if self.hang:
            return True
        loss = self.loss_pct
        return loss > 0 and self.rng.random() * 100 < loss

    def as_dict(self):
        return {'latency_ms': self.latency_ms, 'loss_pct': self.loss_pct,
                'hang': self.hang}


class Credentials:
    """The user table pyghmi's server looks passwords up in.

    pyghmi calls ``authdata.get(username)``; a class instead of a dict keeps
    the password out of any ``repr()`` of the BMC or its sessions.
    """

    __slots__ = ('_users',)

    def __init__(self, username, password):
        self._users = {username: password}

    def get(self, username, default=None):
        return self._users.get(username, default)

    def __repr__(self):
        return '<Credentials users=%s>' % sorted(self._users)


class VirtualBmc(pyghmi_server.Bmc):
    """A chassis that only knows whether its power is on."""

    def __init__(self, index, sock, username, password, scheduler,
                 powered_on=False, seed=None):
        # NOTE: IpmiServer.__init__ is not called on purpose (it would open
        # a socket of its own); init_server sets what it would.
        pyghmi_server.init_server(
            self, pyghmi_server.ServerSocket(sock, self.transmit),
            Credentials(username, password), uuid.uuid4(),
            mfgid=0x1291, prodid=0xf02)  # as in ipmi_sim's sample config
        self.index = index
        self.sock = sock
        self.address = sock.getsockname()[0]
        self.faults = Faults(None if seed is None
                             else random.Random('%s/%d' % (seed, index)))
        self.powered_on = powered_on
        self.counters = collections.Counter()
        # {'address:port' of a client: chassis status reads}
        self.status_readers = collections.Counter()
        self._scheduler = scheduler
        self._sessions = {}

    def __repr__(self):
        return '<VirtualBmc %d %s:%d power=%s>' % (
            self.index, self.address, self.port,
            'on' if self.powered_on else 'off')

    def count(self, name):
        self.counters[name] += 1

    # -- packets in and out (event loop thread only) ----------------------

    def receive(self, data, sockaddr):
        """Handle one datagram read from the real socket."""
        if self.faults.drops():
            self.count('dropped_in')
            return
        session = pyghmi_server.find_server_session(self, sockaddr)
        if session is None:
            self.sessionless_data(data, sockaddr)
            return
        pyghmi_server.deliver(session, data, sockaddr)

    def transmit(self, data, sockaddr):
        """Send one datagram on behalf of pyghmi, applying the faults."""
        if self.faults.drops():
            self.count('dropped_out')
            return
        delay = self.faults.latency_ms / 1000.0
        if delay > 0:
            self._scheduler.call_later(delay, self._send_now, bytes(data),
                                       sockaddr)
        else:
            self._send_now(data, sockaddr)

    def _send_now(self, data, sockaddr):
        try:
            self.sock.sendto(data, sockaddr)
        except OSError as exc:
            # NOTE: a full send buffer (EAGAIN) on a non-blocking UDP socket
            # is ordinary packet loss; the client retransmits.
            if exc.errno not in (errno.EAGAIN, errno.ECONNREFUSED):
                LOG.debug('vbmc %d: send to %s failed: %s', self.index,
                          sockaddr, exc)
            self.count('send_errors')

    def sessionless_data(self, data, sockaddr):
        data = bytearray(data)
        if (len(data) >= 22 and data[0] == 6 and data[2:4] == b'\xff\x07'
                and data[4] == 6
                and data[5] & 0x3f
                == pyghmi_server.PAYLOAD_OPEN_SESSION_REQUEST):
            # NOTE: the stock code builds a plain ServerSession here.
            session = pyghmi_server.open_server_session(self, sockaddr, data)
            old = self._sessions.get(sockaddr)
            if old is not None and old is not session:
                self.count('sessions_replaced')
            self._sessions[sockaddr] = session
            self.count('sessions')
            return
        super().sessionless_data(data, sockaddr)

    def session_closed(self, session):
        if self._sessions.get(session.sockaddr) is session:
            del self._sessions[session.sockaddr]

    def close(self):
        """Forget every session (fleet shutdown)."""
        for session in list(self._sessions.values()):
            session.forget()

    # -- the chassis ------------------------------------------------------

    def get_chassis_status(self, session):
        # Counted, and by client address, so tests and benchmarks can see
        # how often a BMC is polled and by how many clients (several
        # conductors: each BMC read by one of them per cycle; a resent
        # request comes from the same address).
        self.count('status')
        self.status_readers['%s:%s' % tuple(session.sockaddr[:2])] += 1
        return super().get_chassis_status(session)

    def get_power_state(self):
        return 'on' if self.powered_on else 'off'

    def get_system_guid(self):
        return self.uuid

    def _control(self, name, powered_on):
        self.count(name)
        self.powered_on = powered_on
        return 0

    def power_on(self):
        return self._control('on', True)

    def power_off(self):
        return self._control('off', False)

    def power_shutdown(self):
        # Soft off: a guest would shut down; a virtual one is off at once.
        return self._control('soft', False)

    def power_cycle(self):
        if not self.powered_on:
            # IPMI 2.0 recommends no action and D5h for a chassis that is off.
            return CC_NOT_IN_PRESENT_STATE
        return self._control('cycle', True)

    def power_reset(self):
        if not self.powered_on:
            return CC_NOT_IN_PRESENT_STATE
        return self._control('reset', True)
