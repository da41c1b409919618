"""The HTTP front (http_front, wsgi_call, wsgi_server) on a real socket.

Each test serves a small WSGI application on a free loopback port and
talks to it with http.client or a raw socket, to send what a polite
client would not (half requests, bad chunking, huge headers).
"""

import http.client
import json
import logging
import socket
import sys
import time

import fixtures
import testtools

from powerbridge import wsgi_server

TIMEOUT = 10  # seconds a client socket waits for anything


def echo(environ, start_response):
    """What the server handed over, as JSON."""
    body = environ['wsgi.input'].read()
    seen = {'method': environ['REQUEST_METHOD'],
            'path': environ['PATH_INFO'],
            'query': environ['QUERY_STRING'],
            'length': environ.get('CONTENT_LENGTH'),
            'body': len(body), 'port': environ['REMOTE_PORT'],
            'headers': sorted(k for k in environ if k.startswith('HTTP_'))}
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [json.dumps(seen).encode()]


def read_response(sock):
    """Everything up to the peer's close: (status, head text, body)."""
    data = b''
    while True:
        try:
            block = sock.recv(65536)
        except ConnectionResetError:
            raise AssertionError('connection reset; got %r' % data) from None
        if not block:
            break
        data += block
    head, _, body = data.partition(b'\r\n\r\n')
    return int(head.split()[1]), head.decode('latin-1'), body


class FrontTestCase(testtools.TestCase):

    limits = wsgi_server.Limits(header_timeout=5, body_timeout=5,
                                keepalive_timeout=5, max_body_size=1000,
                                max_header_size=4096)

    def serve(self, app=echo, limits=None, threads=4):
        server = wsgi_server.ServerThread(app, '127.0.0.1', 0, threads,
                                          limits or self.limits)
        server.start()
        self.addCleanup(server.stop)
        self.port = server.port
        return server

    def connect(self):
        sock = socket.create_connection(('127.0.0.1', self.port),
                                        timeout=TIMEOUT)
        self.addCleanup(sock.close)
        return sock

    def http(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                          timeout=TIMEOUT)
        self.addCleanup(conn.close)
        return conn

    def raw(self, data):
        sock = self.connect()
        sock.sendall(data)
        return read_response(sock)


class TestRequests(FrontTestCase):

    def setUp(self):
        super().setUp()
        self.serve()

    def test_keep_alive_reuses_one_connection(self):
        conn = self.http()
        ports = set()
        for number in range(3):
            conn.request('PUT', '/a%%20b?x=%d' % number, body=b'x' * 10)
            response = conn.getresponse()
            seen = json.loads(response.read())
            self.assertEqual(('/a b', 'x=%d' % number, '10', 10),
                             (seen['path'], seen['query'], seen['length'],
                              seen['body']))
            ports.add(seen['port'])
        self.assertEqual(1, len(ports))

    def test_http_1_0_is_answered_then_closed(self):
        status, head, body = self.raw(b'GET /old HTTP/1.0\r\n\r\n')
        self.assertEqual(200, status)
        self.assertIn('Connection: close', head)
        self.assertEqual('/old', json.loads(body)['path'])

    def test_half_closed_client_gets_its_answer_then_close(self):
        sock = self.connect()
        sock.sendall(b'GET /bye HTTP/1.1\r\nHost: x\r\n\r\n')
        sock.shutdown(socket.SHUT_WR)
        status, _head, body = read_response(sock)
        self.assertEqual((200, '/bye'), (status, json.loads(body)['path']))

    def test_expect_100_continue(self):
        sock = self.connect()
        sock.sendall(b'PUT /c HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n'
                     b'Expect: 100-continue\r\n\r\n')
        self.assertEqual(b'HTTP/1.1 100 ', sock.recv(13))
        self.assertIn(b'\r\n\r\n', sock.recv(100))
        sock.sendall(b'hello')
        response = http.client.HTTPResponse(sock)
        response.begin()
        self.assertEqual(5, json.loads(response.read())['body'])

    def test_chunked_body_arrives_whole_with_its_length(self):
        conn = self.http()
        conn.request('PUT', '/c', body=iter([b'ab', b'cde']),
                     encode_chunked=True)
        seen = json.loads(conn.getresponse().read())
        self.assertEqual(('5', 5), (seen['length'], seen['body']))
        self.assertNotIn('HTTP_TRANSFER_ENCODING', seen['headers'])

    def test_underscore_headers_are_dropped(self):
        conn = self.http()
        conn.request('GET', '/', headers={'X_Auth_Token': 'spoof',
                                          'X-Real': 'yes'})
        seen = json.loads(conn.getresponse().read())
        self.assertEqual(['HTTP_ACCEPT_ENCODING', 'HTTP_HOST',
                          'HTTP_X_REAL'], seen['headers'])

    def test_bad_chunked_encoding_is_400(self):
        status, head, body = self.raw(
            b'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n'
            b'\r\nzz\r\nhello\r\n0\r\n\r\n')
        self.assertEqual(400, status)
        self.assertIn('Connection: close', head)
        self.assertEqual(400, json.loads(body)['error']['code'])

    def test_bad_request_line_is_400(self):
        status, _head, _body = self.raw(b'NOT HTTP AT ALL\r\n\r\n')
        self.assertEqual(400, status)

    def test_huge_headers_are_431(self):
        status, _head, body = self.raw(
            b'GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' + b'a' * 8192
            + b'\r\n\r\n')
        self.assertEqual(431, status)
        self.assertEqual(431, json.loads(body)['error']['code'])

    def test_body_over_limit_is_not_read_and_no_reset(self):
        # The whole 200 kB goes out before the client reads: the server
        # must neither read it into memory nor close with it unread.
        sock = self.connect()
        sock.sendall(b'PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 200000'
                     b'\r\n\r\n' + b'x' * 200000)
        status, _head, body = read_response(sock)
        seen = json.loads(body)
        self.assertEqual((200, '200000', 0),
                         (status, seen['length'], seen['body']))

    def test_chunked_body_over_limit_is_cut(self):
        conn = self.http()
        conn.request('PUT', '/', body=iter([b'x' * 600] * 4),
                     encode_chunked=True)
        seen = json.loads(conn.getresponse().read())
        self.assertEqual(('1001', 1001), (seen['length'], seen['body']))


class TestTimeoutsAndLimits(FrontTestCase):

    limits = wsgi_server.Limits(header_timeout=0.5, body_timeout=0.5,
                                keepalive_timeout=0.5, max_connections=3)

    def setUp(self):
        super().setUp()
        self.serve()

    def test_half_sent_headers_get_408(self):
        started = time.monotonic()
        status, _head, body = self.raw(b'GET / HTTP/1.1\r\nHost')
        self.assertEqual(408, status)
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(408, json.loads(body)['error']['code'])

    def test_half_sent_body_gets_408(self):
        status, _head, _body = self.raw(
            b'PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc')
        self.assertEqual(408, status)

    def test_idle_connection_is_closed_silently(self):
        sock = self.connect()
        self.assertEqual(b'', sock.recv(100))

    def test_idle_keep_alive_is_closed(self):
        conn = self.http()
        conn.request('GET', '/')
        conn.getresponse().read()
        self.assertEqual(b'', conn.sock.recv(100))

    def test_past_max_connections_503(self):
        held = [self.connect() for _ in range(3)]
        status, head, body = read_response(self.connect())
        self.assertEqual(503, status)
        self.assertIn('Connection: close', head)
        self.assertEqual(503, json.loads(body)['error']['code'])
        # A freed slot is usable again at once.
        held.pop().close()
        time.sleep(0.1)
        conn = self.http()
        conn.request('GET', '/')
        self.assertEqual(200, conn.getresponse().status)


class TestWSGI(FrontTestCase):

    def setUp(self):
        super().setUp()
        # Application errors are logged; keep them out of the test output.
        self.useFixture(fixtures.FakeLogger(level=logging.INFO))

    def test_head_has_the_get_headers_and_no_body(self):
        def app(environ, start_response):
            start_response('200 OK', [('Content-Type', 'text/plain')])
            return [b'hello world']
        self.serve(app)
        conn = self.http()
        conn.request('HEAD', '/thing')
        head = conn.getresponse()
        self.assertEqual((b'', '11'),
                         (head.read(), head.getheader('Content-Length')))
        # the connection is still in step after the body-less answer
        conn.request('GET', '/after')
        self.assertEqual(b'hello world', conn.getresponse().read())

    def test_application_error_is_500_and_keeps_the_connection(self):
        calls = []

        def app(environ, start_response):
            calls.append(environ['PATH_INFO'])
            if len(calls) == 1:
                raise RuntimeError('boom')
            return echo(environ, start_response)
        self.serve(app)
        conn = self.http()
        conn.request('GET', '/first')
        response = conn.getresponse()
        self.assertEqual(500, response.status)
        self.assertEqual(500, json.loads(response.read())['error']['code'])
        conn.request('GET', '/second')
        self.assertEqual(200, conn.getresponse().status)

    def test_exc_info_replaces_an_unsent_status(self):
        def app(environ, start_response):
            start_response('200 OK', [])
            try:
                raise ValueError('late')
            except ValueError:
                start_response('409 Conflict', [('X-Why', 'late')],
                               sys.exc_info())
            return [b'late']
        self.serve(app)
        conn = self.http()
        conn.request('GET', '/')
        response = conn.getresponse()
        self.assertEqual((409, 'late', b'late'),
                         (response.status, response.getheader('X-Why'),
                          response.read()))

    def test_iterable_is_closed_and_streamed_chunked(self):
        closed = []

        class Body:
            def __iter__(self):
                yield b'one,'
                yield b''
                yield b'two'

            def close(self):
                closed.append(True)

        def app(environ, start_response):
            start_response('200 OK', [('Content-Type', 'text/plain')])
            return Body()
        self.serve(app)
        conn = self.http()
        conn.request('GET', '/')
        response = conn.getresponse()
        self.assertEqual('chunked', response.getheader('Transfer-Encoding'))
        self.assertEqual(b'one,two', response.read())
        self.assertEqual([True], closed)
        # HTTP/1.0 cannot be chunked: the close ends the body.
        status, head, body = self.raw(b'GET / HTTP/1.0\r\n\r\n')
        self.assertEqual((200, b'one,two'), (status, body))
        self.assertNotIn('chunked', head)

    def test_early_answer_keeps_the_connection_usable(self):
        # The handler never reads the body; the front did already.
        def app(environ, start_response):
            start_response('400 Bad Request', [])
            return [b'no']
        self.serve(app)
        conn = self.http()
        for _ in range(3):
            conn.request('PUT', '/', body=b'x' * 900)
            response = conn.getresponse()
            self.assertEqual((400, b'no'), (response.status, response.read()))

    def test_logs_hold_no_token_or_body(self):
        logs = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))

        def app(environ, start_response):
            raise RuntimeError('failed')
        self.serve(app)
        conn = self.http()
        conn.request('PUT', '/secret-free', body=b'BODYSECRET',
                     headers={'X-Auth-Token': 'TOKENSECRET'})
        self.assertEqual(500, conn.getresponse().status)
        self.raw(b'PUT / HTTP/1.1\r\nX-Auth-Token: TOKENSECRET\r\n'
                 b'Transfer-Encoding: chunked\r\n\r\nzz\r\nBODYSECRET\r\n')
        self.assertIn('PUT /secret-free', logs.output)
        self.assertNotIn('TOKENSECRET', logs.output)
        self.assertNotIn('BODYSECRET', logs.output)


class TestLifecycle(testtools.TestCase):

    def test_taken_port_is_one_line_startup_error(self):
        server = wsgi_server.ServerThread(echo, '127.0.0.1', 0)
        self.addCleanup(server.stop)
        error = self.assertRaises(wsgi_server.StartupError,
                                  wsgi_server.ServerThread, echo,
                                  '127.0.0.1', server.port)
        self.assertIn('cannot listen on 127.0.0.1:%d' % server.port,
                      str(error))
        self.assertNotIn('\n', str(error))

    def test_stop_is_prompt_with_idle_connections(self):
        server = wsgi_server.ServerThread(echo, '127.0.0.1', 0)
        server.start()
        socks = [socket.create_connection(('127.0.0.1', server.port))
                 for _ in range(5)]
        self.addCleanup(lambda: [s.close() for s in socks])
        time.sleep(0.1)
        started = time.monotonic()
        server.stop()
        self.assertLess(time.monotonic() - started, 2)
        self.assertFalse(server.thread.is_alive())
        try:
            self.assertEqual(b'', socks[0].recv(10))
        except ConnectionResetError:
            pass  # aborted: as closed as it gets

    def test_never_started_server_releases_its_port(self):
        server = wsgi_server.ServerThread(echo, '127.0.0.1', 0)
        port = server.port
        server.stop()
        again = wsgi_server.ServerThread(echo, '127.0.0.1', port)
        again.stop()
