"""Slow, idle and hostile clients against each API's real application.

Each API (its whole middleware stack on a throwaway SQLite database) is
served in-process by the server both console scripts use; one test runs
compute-ext-api as a process, to show the [api] options reach it.
"""

import collections
import http.client
import json
import socket
import threading
import time

import fixtures
import testscenarios
import testtools

from powerbridge import wsgi_server
from tests.fixtures import baremetal
from tests.fixtures import compute
from tests.fixtures import dbfixture
from tests.fixtures import processes

HEADER_TIMEOUT = 4.0  # seconds; short so the test sees them expire
BODY_TIMEOUT = 4.0
MAX_CONNECTIONS = 420  # 400 hostile + the normal request + headroom
HOSTILE = 200  # of each kind: idle, half-sent
TOKEN = {'X-Auth-Token': 'admin:admin',
         'OpenStack-API-Version': 'compute 2.53'}


def compute_api(test):
    api = test.useFixture(compute.ComputeAPI())
    return api.app, '/v2.1/os-services', [
        ('PUT', '/v2.1/os-services/enable',
         json.dumps({'host': 'h', 'binary': 'nova-compute'})),
        ('PUT', '/v2.1/os-services/enable',
         json.dumps({'host': 'h' * 120 * 1024})),
        ('PUT', '/v2.1/no-such-thing', 'x' * 20000),
        ('PUT', '/v2.1/os-services/enable', '{bad' + 'y' * 30000)]


def baremetal_api(test):
    api = test.useFixture(baremetal.BaremetalAPI())
    missing = '/v1/nodes/1be26c0b-03f2-4d2e-ae87-c02d7f33c123'
    return api.app, '/v1/nodes', [
        ('PUT', missing + '/states/power', json.dumps({'target': 'power on'})),
        ('PUT', missing + '/states/power', 'x' * 120 * 1024),
        ('PUT', '/v1/no-such-thing', 'x' * 20000),
        ('POST', '/v1/nodes', '{bad' + 'y' * 30000)]


def read_all(sock):
    """Bytes until the peer closes (a reset counts as closed)."""
    data = b''
    try:
        while True:
            block = sock.recv(65536)
            if not block:
                return data
            data += block
    except ConnectionResetError:
        return data


class TestSlowClients(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = [('compute', {'api': compute_api}),
                 ('baremetal', {'api': baremetal_api})]

    def setUp(self):
        super().setUp()
        self.app, self.list_path, self.puts = self.api(self)
        self.useFixture(fixtures.FakeLogger())
        limits = wsgi_server.Limits(
            max_connections=MAX_CONNECTIONS, header_timeout=HEADER_TIMEOUT,
            body_timeout=BODY_TIMEOUT, keepalive_timeout=30)
        server = wsgi_server.ServerThread(self.app, '127.0.0.1', 0, 16,
                                          limits)
        server.start()
        self.addCleanup(server.stop)
        self.address = ('127.0.0.1', server.port)

    def connect(self, data=b''):
        sock = socket.create_connection(self.address, timeout=30)
        self.addCleanup(sock.close)
        if data:
            sock.sendall(data)
        return sock

    def normal_request(self):
        conn = http.client.HTTPConnection(*self.address, timeout=30)
        self.addCleanup(conn.close)
        started = time.monotonic()
        conn.request('GET', self.list_path, headers=TOKEN)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status, time.monotonic() - started

    def test_hostile_connections_do_not_hold_workers(self):
        idle = [self.connect() for _ in range(HOSTILE)]
        half_head = [self.connect(b'GET ' + self.list_path.encode()[:6])
                     for _ in range(HOSTILE // 2)]
        half_body = [self.connect(
            b'PUT %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json'
            b'\r\nContent-Length: 100\r\n\r\n{"half": "' % self.puts[0][1]
            .encode()) for _ in range(HOSTILE // 2)]
        status, seconds = self.normal_request()
        self.assertEqual(200, status)
        self.assertLess(seconds, 1.0)

        # Past max_connections a new connection is refused at once (the
        # 400 above stay open: their timeouts have not passed yet).
        extra = [self.connect() for _ in range(MAX_CONNECTIONS
                                                - 2 * HOSTILE + 5)]
        time.sleep(0.3)
        answers = []
        for sock in extra:
            sock.setblocking(False)
            try:
                answers.append(sock.recv(4096))
            except BlockingIOError:
                answers.append(None)
        refusals = [a for a in answers if a is not None]
        self.assertGreaterEqual(len(refusals), 5, answers)
        for refusal in refusals:
            self.assertTrue(refusal.startswith(b'HTTP/1.1 503 '), refusal)
            self.assertIn(b'Connection: close', refusal)
        for sock in extra:
            sock.close()

        # Once the timeouts pass, the half-sent ones are answered 408
        # (or closed) and the idle ones closed.
        time.sleep(max(HEADER_TIMEOUT, BODY_TIMEOUT) + 0.5)
        answers = collections.Counter()
        for sock in half_head + half_body + idle:
            sock.settimeout(5)
            answers[read_all(sock)[:12]] += 1
        self.assertEqual({b'HTTP/1.1 408': 2 * (HOSTILE // 2),
                          b'': HOSTILE}, dict(answers))
        status, seconds = self.normal_request()
        self.assertEqual(200, status)

    def test_puts_on_new_connections_are_never_reset(self):
        # Bodies the handlers refuse before reading them (400, 404, 413)
        # are the ones cheroot closed on unread, causing resets.
        outcomes = collections.Counter()
        lock = threading.Lock()

        def client(count):
            for number in range(count):
                method, path, body = self.puts[number % len(self.puts)]
                conn = http.client.HTTPConnection(*self.address, timeout=30)
                try:
                    conn.request(method, path, body=body, headers=dict(
                        TOKEN, **{'Content-Type': 'application/json'}))
                    response = conn.getresponse()
                    response.read()
                    outcome = response.status
                except OSError as exc:
                    outcome = type(exc).__name__
                finally:
                    conn.close()
                with lock:
                    outcomes[outcome] += 1

        threads = [threading.Thread(target=client, args=(60,))
                   for _ in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        failures = {k: v for k, v in outcomes.items() if isinstance(k, str)}
        self.assertEqual({}, failures, outcomes)
        self.assertEqual(32 * 60, sum(outcomes.values()))
        self.assertIn(413, outcomes)

    def test_malformed_http_is_4xx_json(self):
        for request, status in [
                (b'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked'
                 b'\r\n\r\nnot-hex\r\n', 400),
                (b'GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' + b'a' * 70000
                 + b'\r\n\r\n', 431),
                (b'G\x00T / HTTP/1.1\r\n\r\n', 400)]:
            answer = read_all(self.connect(request))
            head, _, body = answer.partition(b'\r\n\r\n')
            self.assertEqual(status, int(head.split()[1]), answer[:200])
            self.assertEqual(status, json.loads(body)['error']['code'])


class TestComputeAPIProcess(testtools.TestCase):
    """The [api] options reach compute-ext-api started as an operator
    does."""

    def test_options_bound_slow_clients(self):
        database = self.useFixture(dbfixture.ThrowawayDatabase(
            'sqlite', tree='compute'))
        server = self.useFixture(processes.ComputeAPIProcess(
            database.url, client_header_timeout=1, max_connections=150))
        host, port = server.url[len('http://'):].split(':')
        socks = []
        for number in range(140):
            sock = socket.create_connection((host, int(port)), timeout=30)
            self.addCleanup(sock.close)
            if number % 2:
                sock.sendall(b'GET /v2.1/ HTTP/1.1\r\nHos')
            socks.append(sock)
        started = time.monotonic()
        status, _headers, _body = processes.request(server.url + '/v2.1/')
        self.assertEqual(200, status)
        self.assertLess(time.monotonic() - started, 1.0)
        extra = [socket.create_connection((host, int(port)), timeout=30)
                 for _ in range(12)]
        for sock in extra:
            self.addCleanup(sock.close)
        self.assertTrue(read_all(extra[-1]).startswith(b'HTTP/1.1 503 '))
        self.assertTrue(read_all(socks[1]).startswith(b'HTTP/1.1 408 '))
        self.assertEqual(b'', read_all(socks[0]))
