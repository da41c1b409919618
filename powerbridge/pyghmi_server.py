"""pyghmi's server-side private names: the virtual BMCs (powerbridge.vbmc).

pyghmi's ``Bmc`` answers ipmitool unchanged, but not pyghmi's own client,
and one bad packet can silence every BMC in a process; doc/source/ipmi.rst
("Server pitfalls") gives the reasons. pyghmi_compat is imported first: it
refuses any pyghmi but the release these names are valid for.
"""

import collections

from powerbridge import pyghmi_compat  # noqa: F401  (the version check)

from pyghmi.ipmi import bmc as pyghmi_bmc  # noqa: E402
from pyghmi.ipmi.private import constants  # noqa: E402
from pyghmi.ipmi.private import serversession  # noqa: E402
from pyghmi.ipmi.private import session as ipmisession  # noqa: E402

# RMCP+ status codes, IPMI 2.0 table 13-15.
_RMCP_UNAUTHORIZED_NAME = 0x0d
_RMCP_NO_CIPHER_SUITE_MATCH = 0x11
# RAKP-HMAC-SHA1, the only authentication algorithm pyghmi's server has.
_AUTH_RAKP_HMAC_SHA1 = 1
PAYLOAD_OPEN_SESSION_REQUEST = 0x10

# Public, but imported from here so that the version check runs first.
Bmc = pyghmi_bmc.Bmc

class ServerSocket:
    """A BMC's UDP socket as pyghmi's server code sees it.

    ``sendto`` goes to ``transmit(data, sockaddr)`` (where faults apply);
    ``setblocking`` is a no-op, because stock ``_io_sendto`` makes the
    socket blocking before each send, and a blocked read froze whole BMC
    processes. The real socket stays non-blocking.
    """

    __slots__ = ('sock', 'transmit')

    def __init__(self, sock, transmit):
        self.sock = sock
        self.transmit = transmit

    def sendto(self, data, sockaddr):
        self.transmit(data, sockaddr)

    def setblocking(self, flag):
        pass

    def getsockname(self):
        return self.sock.getsockname()

    def fileno(self):
        return self.sock.fileno()


def init_server(bmc, serversocket, authdata, bmcuuid, mfgid, prodid):
    """Set what ``IpmiServer.__init__`` sets, without opening a socket.

    Its own socket would join pyghmi's select()-based I/O thread, which
    cannot watch descriptors above 1023 and reads every socket on every
    wakeup; the fleet reads the sockets itself.
    """
    bmc.serversocket = serversocket
    bmc.port = serversocket.getsockname()[1]
    bmc.authdata = authdata
    bmc.uuid = bmcuuid
    bmc.kg = None
    bmc.timeout = 60
    bmc.pktqueue = collections.deque()
    bmc.revision = 1
    bmc.deviceid = 0x20
    bmc.firmwaremajor = 1
    bmc.firmwareminor = 0
    bmc.ipmiversion = 2
    bmc.additionaldevices = 0
    bmc.mfgid = mfgid
    bmc.prodid = prodid
    # Channel 1, IPMI 2.0 only, non-null user names, no OEM data.
    bmc.authcap = bytes([0, 1, 0b10000000, 0b00000100, 0b00000010,
                         0, 0, 0, 0])


def find_server_session(bmc, sockaddr):
    """The bmc's session with the client at sockaddr, or None."""
    handlers = ipmisession.Session.bmc_handlers.get(sockaddr)
    return handlers.get(bmc.port) if handlers else None


def deliver(session, data, sockaddr):
    """Hand one datagram to a server session, as pyghmi's I/O thread would."""
    session.pktqueue.append((data, sockaddr, session.bmc.serversocket, True))
    session.process_pktqueue()


def open_server_session(bmc, sockaddr, request):
    """A BmcServerSession for an RMCP+ Open Session Request datagram."""
    return BmcServerSession(bmc.authdata, bmc.kg, sockaddr,
                            bmc.serversocket, request[16:], bmc.uuid,
                            bmc=bmc)


class BmcServerSession(serversession.ServerSession):
    """One client's RMCP+ session with a virtual BMC.

    Expects of ``bmc``: ``port``, ``count(name)``,
    ``sessionless_data(data, sockaddr)`` and ``session_closed(session)``.
    """

    def create_open_session_response(self, request):
        # NOTE: stock answers cipher suite 3 (SHA1) whatever was proposed;
        # pyghmi's client proposes 17 (SHA256), believes the answer and
        # fails on RAKP2. "No cipher suite match" makes it retry with SHA1.
        if (len(request) >= 16
                and request[12] & 0x3f != _AUTH_RAKP_HMAC_SHA1):
            self.clientsessionid = request[4:8]
            return (bytearray([request[0], _RMCP_NO_CIPHER_SUITE_MATCH,
                               0, 0]) + self.clientsessionid)
        return super().create_open_session_response(request)

    def _got_rakp1(self, data):
        # NOTE: stock ignores an unknown user, so the client only fails
        # after its login timeout; real BMCs say so in RAKP2.
        if len(data) >= 28 and data[27]:
            name = bytes(data[28:28 + data[27]]).decode('utf-8', 'replace')
            if self.authdata.get(name) is None:
                self.bmc.count('unknown_user')
                reply = (bytearray([data[0], _RMCP_UNAUTHORIZED_NAME, 0, 0])
                         + self.clientsessionid)
                self.send_payload(reply, constants.payload_types['rakp2'],
                                  retry=False)
                return
        super()._got_rakp1(data)

    def _handle_ipmi_packet(self, data, sockaddr=None, qent=None):
        if len(data) >= 13 and data[4] in (0, 2):
            if data[5:13] == b'\x00' * 8:
                # NOTE: an IPMI 1.5 sessionless request: the client starts
                # over on this port. Stock deletes bmc_handlers[clientaddr],
                # the sessions of every BMC in the process with this client
                # port (a pyghmi client shares one port among many BMCs).
                self.forget()
                self.bmc.sessionless_data(data, sockaddr)
                return None
        if len(data) >= 10 and data[4] == 6:
            payload_type = data[5] & 0x3f
            if payload_type == 0 and data[6:10] == b'\x00\x00\x00\x00':
                # IPMI 2.0 outside any session (ipmitool's Get Channel
                # Cipher Suites); the session code would drop it.
                self.bmc.sessionless_data(data, sockaddr)
                return None
            if (payload_type == PAYLOAD_OPEN_SESSION_REQUEST
                    and self.integrityalgo):
                # A new handshake over an established session: this object
                # holds the old keys and would sign the answers with them.
                self.forget()
                self.bmc.sessionless_data(data, sockaddr)
                return None
        return super()._handle_ipmi_packet(data, sockaddr=sockaddr,
                                           qent=qent)

    def sessionless_data(self, data, sockaddr):
        # NOTE: process_pktqueue hands a packet for a session that has just
        # closed to this method, which ServerSession lacks; the
        # AttributeError used to end the loop shared by all BMCs.
        self.bmc.sessionless_data(data, sockaddr)

    def close_server_session(self):
        # Close Session is answered; later packets are sessionless data.
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
