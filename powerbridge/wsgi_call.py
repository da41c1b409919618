"""One WSGI call (PEP 3333) on a worker thread, for the HTTP front.

The front (http_front) gives a worker a request that is already whole in
memory; the worker builds nothing but the environ's input from it and
never touches the socket: the response goes back to the event loop
through a Relay, one block at a time as the application yields it.
"""

import email.utils
import io
import json
import logging
import queue
import re
import sys
import threading
import time
import urllib.parse

LOG = logging.getLogger(__name__)

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_BAD_VALUE = re.compile(r'[\r\n\x00]')
_STATUS = re.compile(r'^([1-9][0-9][0-9]) (.*)$')


class ClientGone(Exception):
    """The connection closed (or the server stopped) mid-response."""


def build_environ(request, body, over_limit, peer, sock, server_port):
    """The WSGI environ of an h11 Request whose body is ``body``.

    A chunked body arrives decoded, so it is presented with its length
    (and without Transfer-Encoding). A body over the limit is not read:
    the declared length is kept so the application's size check
    refuses it; a chunked one is cut one byte past the limit.
    """
    target = request.target
    if not target.startswith(b'/') and b'://' in target:
        # absolute-form (RFC 9112 3.2.2): keep the path and query
        target = b'/' + target.split(b'://', 1)[1].partition(b'/')[2]
    path, _, query = target.partition(b'?')
    environ = {
        'REQUEST_METHOD': request.method.decode('ascii'),
        'SCRIPT_NAME': '',
        'PATH_INFO': urllib.parse.unquote_to_bytes(path).decode('latin-1'),
        'QUERY_STRING': query.decode('latin-1'),
        'SERVER_NAME': sock[0],
        'SERVER_PORT': str(server_port),
        'SERVER_PROTOCOL': 'HTTP/' + request.http_version.decode('ascii'),
        'REMOTE_ADDR': peer[0] if peer else '',
        'REMOTE_PORT': str(peer[1]) if peer else '',
        'wsgi.version': (1, 0),
        'wsgi.url_scheme': 'http',
        'wsgi.input': io.BytesIO(body),
        'wsgi.input_terminated': True,
        'wsgi.errors': sys.stderr,
        'wsgi.multithread': True,
        'wsgi.multiprocess': False,
        'wsgi.run_once': False,
    }
    declared = None
    for name, value in request.headers:
        if b'_' in name:
            # X_Auth_Token and X-Auth-Token would be the same environ key;
            # dropping the underscore form stops header smuggling.
            continue
        text = value.decode('latin-1')
        if name == b'content-length':
            declared = text
        elif name == b'content-type':
            environ['CONTENT_TYPE'] = text
        elif name != b'transfer-encoding':
            key = 'HTTP_' + name.decode('ascii').upper().replace('-', '_')
            environ[key] = (environ[key] + ',' + text if key in environ
                            else text)
    if over_limit and declared is not None:
        environ['CONTENT_LENGTH'] = declared
        environ['wsgi.input'] = io.BytesIO()
    elif body or declared is not None:
        environ['CONTENT_LENGTH'] = str(len(body))
    return environ


class Relay:
    """The worker's side of a connection: blocks go to the event loop.

    Subclasses (the connection) provide send_head, send_data, send_end
    and abort, which run on the loop.
    """

    def __init__(self, loop, send_timeout):
        self._loop = loop
        self._send_timeout = send_timeout
        self.writable = threading.Event()
        self.writable.set()
        self.head_only = False
        self.gone = False  # set by the loop when the connection is lost

    def _call(self, method, *args):
        try:
            self._loop.call_soon_threadsafe(method, *args)
        except RuntimeError:
            raise ClientGone() from None  # the loop is closed: stopping

    def start(self, status, reason, headers):
        self._call(self.send_head, status, reason, headers)

    def data(self, data):
        self._call(self.send_data, data)
        # Bounded buffering: wait while the transport's buffer is full,
        # and give up on a client that reads nothing for too long.
        if not self.writable.wait(self._send_timeout):
            self._call(self.abort)
            raise ClientGone()
        if self.gone:
            raise ClientGone()  # stop producing what nobody will read

    def end(self):
        self._call(self.send_end)

    def fail(self):
        self._call(self.abort)


class _Response:
    """start_response and write() for one call."""

    def __init__(self, relay):
        self.relay = relay
        self.status = None
        self.headers = None
        self.sent = False

    def start_response(self, status, headers, exc_info=None):
        if exc_info:
            try:
                if self.sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None  # no reference cycle through the frame
        elif self.status is not None:
            raise AssertionError('start_response called twice')
        match = _STATUS.match(status) if isinstance(status, str) else None
        if match is None:
            raise ValueError('bad WSGI status %r' % (status,))
        encoded = []
        for name, value in headers:
            if not _TOKEN.match(name) or _BAD_VALUE.search(value):
                raise ValueError('bad WSGI response header %r' % name)
            encoded.append((name.encode('latin-1'), value.encode('latin-1')))
        self.status = (int(match.group(1)), match.group(2).encode('latin-1'))
        self.headers = encoded
        return self.write

    def write(self, data):
        if self.status is None:
            raise AssertionError('write() before start_response')
        if not isinstance(data, bytes):
            raise TypeError('WSGI body blocks are bytes, not %s'
                            % type(data).__name__)
        if not data:
            return
        self._send_head()
        if not self.relay.head_only:
            self.relay.data(data)

    def _send_head(self):
        # PEP 3333: the head goes with the first non-empty block (or the
        # end), so an error before it can still become a 500.
        if not self.sent:
            self.sent = True
            headers = self.headers
            if not any(name.lower() == b'date' for name, _ in headers):
                headers = headers + [(b'Date', email.utils.formatdate(
                    usegmt=True).encode('ascii'))]
            self.relay.start(self.status[0], self.status[1], headers)

    def add_length(self, result):
        """Content-Length for a one-block body, so it needs no chunking."""
        if (self.status is None or not isinstance(result, (list, tuple))
                or len(result) > 1
                or any(n.lower() == b'content-length'
                       for n, _ in self.headers)):
            return
        length = sum(len(block) for block in result)
        self.headers.append((b'Content-Length', str(length).encode()))

    def finish(self):
        if self.status is None:
            raise AssertionError('application returned before '
                                 'start_response')
        self._send_head()
        self.relay.end()

    def fail(self):
        if self.sent:
            self.relay.fail()  # mid-body: only closing can tell the client
            return
        body = json.dumps({'error': {
            'code': 500, 'title': 'Internal Server Error',
            'message': 'The server failed to answer the request.'}}).encode()
        self.relay.start(500, b'Internal Server Error', [
            (b'Content-Type', b'application/json'),
            (b'Content-Length', str(len(body)).encode())])
        if not self.relay.head_only:
            self.relay.data(body)
        self.relay.end()


def call_app(app, environ, relay):
    """Run the application for one request; the response goes to relay."""
    response = _Response(relay)
    try:
        result = app(environ, response.start_response)
        try:
            response.add_length(result)
            for block in result:
                response.write(block)
            response.finish()
        finally:
            close = getattr(result, 'close', None)
            if close is not None:
                close()
    except ClientGone:
        return
    except Exception:
        # The method and path only: never the body or headers (tokens).
        LOG.exception('Error answering %s %s', environ['REQUEST_METHOD'],
                      environ['PATH_INFO'])
        try:
            response.fail()
        except ClientGone:
            pass


class WorkerPool:
    """A fixed set of threads running complete requests, in order."""

    def __init__(self, threads, name='wsgi'):
        self._queue = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._work, daemon=True,
                                          name='%s-%d' % (name, number))
                         for number in range(threads)]

    def start(self):
        for thread in self._threads:
            thread.start()

    def submit(self, function, *args):
        self._queue.put((function, args))

    def _work(self):
        while True:
            item = self._queue.get()
            if item is None:
                return
            function, args = item
            try:
                function(*args)
            except Exception:
                LOG.exception('Unexpected error in a WSGI worker')

    def stop(self, timeout):
        """Let running requests finish for up to ``timeout`` seconds."""
        for _thread in self._threads:
            self._queue.put(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
