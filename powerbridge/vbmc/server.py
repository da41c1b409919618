"""One virtual BMC: pyghmi's ``Bmc`` with the test-BMC fixes and faults.

pyghmi 1.6.19 ships an IPMI server, but as shipped its own client cannot
log in to it and one bad packet can silence every BMC in the process (see
ipmi-measurements.md, pitfalls 1 and 2). The classes here keep pyghmi's
RMCP+/RAKP and command handling and change only what is needed:

* the open-session answer refuses non-SHA1 authentication with RMCP+
  status 0x11, so pyghmi's client falls back from SHA256 to SHA1;
* an unknown user name gets RAKP2 status 0x0d at once, instead of silence
  that costs the client a full login timeout;
* a late packet for a closed session is passed on to the BMC
  (``sessionless_data``) instead of raising AttributeError;
* a client that logs in again from the same UDP port drops only this BMC's
  session for that port, not every BMC's;
* the socket pyghmi sees is a wrapper: its ``setblocking`` is a no-op (the
  real socket stays non-blocking) and its ``sendto`` applies the faults.

Socket I/O is not done here: the fleet's event loop (fleet.py) reads the
real sockets and hands packets to :meth:`VirtualBmc.receive`.
"""

import collections
import errno
import random
import struct
import uuid

from oslo_log import log as logging
from pyghmi.ipmi import bmc as pyghmi_bmc
from pyghmi.ipmi.private import constants
from pyghmi.ipmi.private import serversession
from pyghmi.ipmi.private import session as ipmisession

LOG = logging.getLogger(__name__)

# RMCP+ status codes, IPMI 2.0 table 13-15.
RMCP_UNAUTHORIZED_NAME = 0x0d
RMCP_NO_CIPHER_SUITE_MATCH = 0x11
# Authentication algorithm RAKP-HMAC-SHA1, the only one pyghmi serves.
AUTH_RAKP_HMAC_SHA1 = 1
# Completion code "request not supported in present state" (chassis control
# on a powered-off chassis), IPMI 2.0 section 28.3.
CC_NOT_IN_PRESENT_STATE = 0xd5
PAYLOAD_OPEN_SESSION_REQUEST = 0x10

CONTROL_NAMES = {0: 'off', 1: 'on', 2: 'cycle', 3: 'reset', 4: 'diag',
                 5: 'soft'}


class Faults:
    """Fault injection settings of one BMC (written by any thread)."""

    __slots__ = ('latency_ms', 'loss_pct', 'hang')

    def __init__(self):
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
        """Decide the fate of one packet (either direction)."""
        if self.hang:
            return True
        loss = self.loss_pct
        return loss > 0 and random.random() * 100 < loss

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


class _WrappedSocket:
    """The UDP socket as pyghmi's server code sees it."""

    __slots__ = ('sock', 'bmc')

    def __init__(self, sock, bmc):
        self.sock = sock
        self.bmc = bmc

    def sendto(self, data, sockaddr):
        self.bmc.transmit(data, sockaddr)

    def setblocking(self, flag):
        # NOTE: pyghmi's _io_sendto switches the socket to blocking before
        # every send while its I/O thread switches it back to read; the race
        # froze whole BMC processes. The real socket stays non-blocking.
        pass

    def getsockname(self):
        return self.sock.getsockname()

    def fileno(self):
        return self.sock.fileno()


class BmcServerSession(serversession.ServerSession):
    """One client's RMCP+ session with a VirtualBmc."""

    def create_open_session_response(self, request):
        # NOTE: stock pyghmi always answers cipher suite 3 (SHA1), whatever
        # was proposed; pyghmi's client proposes suite 17 (SHA256) first,
        # believes the answer and then fails to parse RAKP2 with a bare
        # struct.error. "No cipher suite match" makes it retry with SHA1.
        if (len(request) >= 16
                and request[12] & 0x3f != AUTH_RAKP_HMAC_SHA1):
            self.clientsessionid = request[4:8]
            return (bytearray([request[0], RMCP_NO_CIPHER_SUITE_MATCH, 0, 0])
                    + self.clientsessionid)
        return super().create_open_session_response(request)

    def _got_rakp1(self, data):
        # NOTE: stock pyghmi ignores an unknown user, so the client only
        # fails after its login timeout; real BMCs say so in RAKP2.
        if len(data) >= 28 and data[27]:
            name = bytes(data[28:28 + data[27]]).decode('utf-8', 'replace')
            if self.authdata.get(name) is None:
                self.bmc.count('unknown_user')
                reply = (bytearray([data[0], RMCP_UNAUTHORIZED_NAME, 0, 0])
                         + self.clientsessionid)
                self.send_payload(reply, constants.payload_types['rakp2'],
                                  retry=False)
                return
        super()._got_rakp1(data)

    def _handle_ipmi_packet(self, data, sockaddr=None, qent=None):
        if len(data) >= 13 and data[4] in (0, 2):
            seq, sid = struct.unpack('<II', bytes(data[5:13]))
            if seq == 0 and sid == 0:
                # NOTE: an IPMI 1.5 sessionless request (Get Channel Auth
                # Capabilities) means the client starts over on this UDP
                # port. Stock pyghmi deletes bmc_handlers[clientaddr], the
                # sessions of *every* BMC in the process with that client
                # port (pyghmi clients share one port for up to 64 BMCs).
                self.forget()
                self.bmc.sessionless_data(data, sockaddr)
                return None
        if len(data) >= 10 and data[4] == 6:
            payload_type = data[5] & 0x3f
            if (payload_type == 0
                    and data[6:10] == b'\x00\x00\x00\x00'):
                # An IPMI 2.0 request outside any session (ipmitool's Get
                # Channel Cipher Suites); the session code would drop it.
                self.bmc.sessionless_data(data, sockaddr)
                return None
            if (payload_type == PAYLOAD_OPEN_SESSION_REQUEST
                    and self.integrityalgo):
                # A new handshake over an established session: this object
                # still holds the old keys and would sign the answers.
                self.forget()
                self.bmc.sessionless_data(data, sockaddr)
                return None
        return super()._handle_ipmi_packet(data, sockaddr=sockaddr,
                                           qent=qent)

    def sessionless_data(self, data, sockaddr):
        # NOTE: Session.process_pktqueue hands a packet for a session that
        # has just gone to sessionless_data, which ServerSession lacks; the
        # AttributeError used to end the shared loop of all BMCs.
        self.bmc.sessionless_data(data, sockaddr)

    def close_server_session(self):
        # Close Session has been answered; later packets from this client
        # port go to the BMC as sessionless data.
        self.forget()

    def forget(self):
        """Drop only this BMC's entry for this client address."""
        handlers = ipmisession.Session.bmc_handlers.get(self.sockaddr)
        if handlers is not None and handlers.get(self.bmc.port) is self:
            handlers.pop(self.bmc.port, None)
        self.bmc.session_closed(self)

    def __repr__(self):
        return '<BmcServerSession bmc=%s client=%s>' % (self.bmc.port,
                                                        self.sockaddr)


class VirtualBmc(pyghmi_bmc.Bmc):
    """A chassis that only knows whether its power is on."""

    def __init__(self, index, sock, username, password, scheduler,
                 powered_on=False):
        # NOTE: IpmiServer.__init__ is not called on purpose: it would open
        # its own socket through pyghmi's select()-based I/O thread, which
        # cannot watch file descriptors above 1023 and reads every socket
        # on every wakeup. The attributes below are the ones it sets.
        self.index = index
        self.sock = sock
        self.serversocket = _WrappedSocket(sock, self)
        self.port = sock.getsockname()[1]
        self.address = sock.getsockname()[0]
        self.authdata = Credentials(username, password)
        self.uuid = uuid.uuid4()
        self.kg = None
        self.timeout = 60
        self.pktqueue = collections.deque()
        self.revision = 1
        self.deviceid = 0x20
        self.firmwaremajor = 1
        self.firmwareminor = 0
        self.ipmiversion = 2
        self.additionaldevices = 0
        self.mfgid = 0x1291  # arbitrary, matches ipmi_sim's sample config
        self.prodid = 0xf02
        lanchannel = 1
        authtype = 0b10000000  # IPMI 2.0 only
        authstatus = 0b00000100
        chancap = 0b00000010
        self.authcap = struct.pack('BBBBBBBBB', 0, lanchannel, authtype,
                                   authstatus, chancap, 0, 0, 0, 0)
        self.faults = Faults()
        self.powered_on = powered_on
        self.counters = collections.Counter()
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
        handlers = ipmisession.Session.bmc_handlers.get(sockaddr)
        session = handlers.get(self.port) if handlers else None
        if session is None:
            self.sessionless_data(data, sockaddr)
            return
        session.pktqueue.append((data, sockaddr, self.serversocket, True))
        session.process_pktqueue()

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
                and data[5] & 0x3f == PAYLOAD_OPEN_SESSION_REQUEST):
            # NOTE: the stock code builds a plain ServerSession here.
            session = BmcServerSession(self.authdata, self.kg, sockaddr,
                                       self.serversocket, data[16:],
                                       self.uuid, bmc=self)
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
