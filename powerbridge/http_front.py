"""The HTTP/1.1 front: one asyncio protocol per connection, h11 parsing.

Why a front of our own rather than an existing server (checked for
issue 10): cheroot hands a connection to a worker thread as soon as
bytes arrive, so a half-sent request holds a worker, has only a socket
inactivity timeout and no connection limit; waitress buffers requests
but its timeout is per inactivity (a client trickling a byte every few
seconds keeps its slot) and past ``connection_limit`` it stops
accepting instead of refusing; uvicorn (+a2wsgi) has no deadline for
the request head and streams the body into a blocked worker thread;
hypercorn has no connection limit; gunicorn's gthread reads requests in
its worker threads. None of them does all of: whole request read
before a worker sees it, bounded head and body time, a clear refusal
past a connection limit.

So the event loop owns every socket and h11 (well kept, sans-IO) does
the parsing. A request reaches a worker thread only when its head and
body (up to the body limit) are in memory; a worker never reads from a
socket. Closing a connection whose request body was not read in full
shuts the write side first and discards what the client still sends
("lingering close"): closing with unread bytes makes the kernel send a
RST, which can destroy the response before the client reads it.
"""

import dataclasses
import json
import logging

import h11

from powerbridge import wsgi_call

LOG = logging.getLogger(__name__)

# How long a closing connection keeps discarding what the client still
# sends after our response, so that the close is a FIN, not a RST.
LINGER_SECONDS = 2.0

_REASONS = {400: 'Bad Request', 408: 'Request Timeout',
            413: 'Payload Too Large',
            431: 'Request Header Fields Too Large',
            500: 'Internal Server Error', 503: 'Service Unavailable'}


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one client may cost the server (see [api] in config.py)."""

    max_connections: int = 1000
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keepalive_timeout: float = 30.0
    max_header_size: int = 65536
    max_body_size: int = 114688

    @classmethod
    def from_conf(cls, api):
        """The limits of an ``[api]`` option group."""
        return cls(max_connections=api.max_connections,
                   header_timeout=api.client_header_timeout,
                   body_timeout=api.client_body_timeout,
                   keepalive_timeout=api.keepalive_timeout,
                   max_header_size=api.max_header_size,
                   max_body_size=api.max_request_body_size)


def error_response(status, message):
    """A whole response the front writes by itself, then closes."""
    body = json.dumps({'error': {'code': status, 'title': _REASONS[status],
                                 'message': message}}).encode()
    head = ('HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n'
            'Content-Length: %d\r\nConnection: close\r\n\r\n'
            % (status, _REASONS[status], len(body)))
    return head.encode('ascii') + body


REFUSAL = error_response(503, 'Too many connections; retry later.')


class Front:
    """What every connection of one listening socket shares."""

    def __init__(self, loop, app, pool, limits, server_port):
        self.loop = loop
        self.app = app
        self.pool = pool
        self.limits = limits
        self.server_port = server_port
        self.connections = set()  # counted against max_connections
        self.everything = set()  # also the refused and lingering ones

    def protocol(self):
        return Connection(self)

    def close_all(self):
        for conn in list(self.everything):
            conn.transport.abort()


class Connection(wsgi_call.Relay):
    """One client connection: read a request whole, hand it to a worker,
    write the worker's response, then wait for the next request."""

    def __init__(self, front):
        # A client that reads none of its response for as long as it may
        # take to send a body releases the worker that writes it.
        super().__init__(front.loop, front.limits.body_timeout)
        self.front = front
        self.limits = front.limits
        self.transport = None
        self.h11 = None
        self._timer = None
        self._timer_kind = None
        self._state = 'reading'  # reading, busy, lingering, closed
        self._got_bytes = False
        self._request = None
        self._body = bytearray()
        self._over_limit = False
        self._eof = False

    # -- asyncio.Protocol -------------------------------------------------

    def connection_made(self, transport):
        self.transport = transport
        self.front.everything.add(self)
        if len(self.front.connections) >= self.limits.max_connections:
            # Refuse at once and clearly; a client left waiting in the
            # accept queue cannot tell a full server from a dead one.
            LOG.debug('Refusing a connection: %d open',
                      len(self.front.connections))
            transport.write(REFUSAL)
            self._linger()
            return
        self.front.connections.add(self)
        self.h11 = h11.Connection(
            h11.SERVER, max_incomplete_event_size=self.limits.max_header_size)
        self._arm('header')

    def data_received(self, data):
        if self._state != 'reading':
            return  # lingering: discard
        if self._timer_kind == 'idle':
            self._arm('header')
        self._got_bytes = True
        self.h11.receive_data(data)
        self._advance()

    def eof_received(self):
        if self._state == 'reading':
            self.h11.receive_data(b'')
            self._advance()
        elif self._state == 'lingering':
            self.transport.close()
        self._eof = True
        # Keep the write side open: a client that half-closes after its
        # request still gets the response.
        return True

    def connection_lost(self, exc):
        self._state = 'closed'
        self.gone = True
        self._cancel_timer()
        self.front.connections.discard(self)
        self.front.everything.discard(self)
        self.writable.set()  # release a worker waiting to write

    def pause_writing(self):
        self.writable.clear()

    def resume_writing(self):
        self.writable.set()

    # -- reading a request ------------------------------------------------

    def _advance(self):
        while self._state == 'reading':
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                status = exc.error_status_hint
                if status not in _REASONS:
                    status = 400
                # Not the message: h11 quotes the offending header value,
                # which may be a token.
                LOG.debug('Malformed request answered %d', status)
                self._refuse(status, 'Request headers too large.'
                             if status == 431 else 'Malformed HTTP request.')
                return
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return
            if isinstance(event, h11.Request):
                self._on_request(event)
            elif isinstance(event, h11.Data):
                self._body += event.data
                if len(self._body) > self.limits.max_body_size:
                    self._over_limit = True
                    del self._body[self.limits.max_body_size + 1:]
                    self._dispatch()
            elif isinstance(event, h11.EndOfMessage):
                self._dispatch()
            elif isinstance(event, h11.ConnectionClosed):
                self.transport.close()
                return

    def _on_request(self, request):
        # h11 bounds only a head that arrives in pieces; a large one that
        # comes in a single read gets here, so measure it too.
        size = len(request.method) + len(request.target) + 12 + sum(
            len(name) + len(value) + 4 for name, value in request.headers)
        if size > self.limits.max_header_size:
            self._refuse(431, 'Request headers too large.')
            return
        self._request = request
        self._body = bytearray()
        self._over_limit = False
        length = _content_length(request.headers)
        if length is not None and length > self.limits.max_body_size:
            # The application refuses it by its declared length in its
            # own words (413); its bytes are never read.
            self._over_limit = True
            self._dispatch()
            return
        if self.h11.they_are_waiting_for_100_continue:
            self.transport.write(self.h11.send(
                h11.InformationalResponse(status_code=100, headers=[])))
        self._arm('body')

    def _dispatch(self):
        self._cancel_timer()
        self._state = 'busy'
        # Nothing more is read until the response is written: a client
        # cannot queue pipelined requests in our memory meanwhile.
        self.transport.pause_reading()
        request = self._request
        self.head_only = request.method == b'HEAD'
        environ = wsgi_call.build_environ(
            request, bytes(self._body), self._over_limit,
            self.transport.get_extra_info('peername'),
            self.transport.get_extra_info('sockname'),
            self.front.server_port)
        self._body = bytearray()
        self.front.pool.submit(wsgi_call.call_app, self.front.app,
                               environ, self)

    # -- writing (loop thread; wsgi_call.Relay schedules these) -----------

    def _send(self, event):
        if self._state == 'closed':
            return
        try:
            self.transport.write(self.h11.send(event))
        except h11.LocalProtocolError as exc:
            # The application broke HTTP (e.g. fewer bytes than its
            # Content-Length): nothing sane can follow on this connection.
            LOG.error('Aborting a response: %s', exc)
            self.h11.send_failed()
            self.abort()
            return
        if isinstance(event, h11.EndOfMessage):
            self._next_cycle()

    def send_head(self, status, reason, headers):
        self._send(h11.Response(status_code=status, reason=reason,
                                headers=headers))

    def send_data(self, data):
        self._send(h11.Data(data=data))

    def send_end(self):
        self._send(h11.EndOfMessage())

    def abort(self):
        if self.transport is not None:
            self.transport.abort()

    def _next_cycle(self):
        if (self._over_limit or self._eof
                or self.h11.our_state is not h11.DONE
                or self.h11.their_state is not h11.DONE):
            self._linger()
            return
        self.h11.start_next_cycle()
        self._state = 'reading'
        self._got_bytes = bool(self.h11.trailing_data[0])
        self._arm('header' if self._got_bytes else 'idle')
        self.transport.resume_reading()
        self._advance()

    # -- timers and closing -----------------------------------------------

    def _arm(self, kind):
        self._cancel_timer()
        delay = {'header': self.limits.header_timeout,
                 'body': self.limits.body_timeout,
                 'idle': self.limits.keepalive_timeout,
                 'linger': LINGER_SECONDS}[kind]
        self._timer_kind = kind
        self._timer = self.front.loop.call_later(delay, self._expired)

    def _cancel_timer(self):
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._timer_kind = None

    def _expired(self):
        kind = self._timer_kind
        self._timer = self._timer_kind = None
        if kind == 'linger' or self._state != 'reading':
            self.transport.close()
        elif kind == 'idle' or (kind == 'header' and not self._got_bytes):
            self.transport.close()  # an idle connection: nothing to say
        else:
            LOG.debug('Request %s not complete in time', kind)
            self._refuse(408, 'Request %s not received in time.'
                         % ('headers' if kind == 'header' else 'body'))

    def _refuse(self, status, message):
        """Answer by ourselves (no worker involved) and close."""
        self.transport.write(error_response(status, message))
        self._linger()

    def _linger(self):
        self._state = 'lingering'
        self.front.connections.discard(self)
        self.transport.resume_reading()
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._arm('linger')


def _content_length(headers):
    for name, value in headers:
        if name == b'content-length':
            return int(value)  # h11 has checked it is a number
    return None
