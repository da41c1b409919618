"""compute-ext-api as a real process: it serves, it stops on SIGTERM, and
what a client sees on the wire from the real WSGI server (wsgi_server).

The process fixtures are in tests/fixtures/processes.py.
"""

import json

import testtools

from compute_ext.objects import services as service_obj
from tests.fixtures import dbfixture
from tests.fixtures import processes

COMPUTE = service_obj.COMPUTE_BINARY


class TestComputeAPIProcess(testtools.TestCase):

    def test_serves_and_stops_on_sigterm(self):
        database = self.useFixture(dbfixture.ThrowawayDatabase(
            'sqlite', tree='compute'))
        server = self.useFixture(processes.ComputeAPIProcess(database.url))
        status, _headers, body = processes.request(
            server.url + '/v2.1/')
        self.assertEqual(200, status)
        self.assertEqual(server.url + '/v2.1/',
                         body['version']['links'][0]['href'])
        status, _headers, body = processes.request(
            server.url + '/v2.1/servers')
        self.assertEqual((200, {'servers': []}), (status, body))
        self.assertEqual(0, server.stop())


class TestLiveServer(testtools.TestCase):
    """What a client sees on the wire from the real WSGI server.

    These requests change nothing a later test looks at, so one server
    serves the whole class.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.live = processes.LiveCompute()
        cls.live.setUp()

    @classmethod
    def tearDownClass(cls):
        cls.live.cleanUp()
        super().tearDownClass()

    def send(self, *args, **kwargs):
        return processes.call(self.live.address, *args, **kwargs)

    def test_version_documents_link_to_this_server(self):
        status, body = self.send('GET', '/')
        self.assertEqual(200, status)
        self.assertEqual(self.live.endpoint + '/',
                         body['versions'][1]['links'][0]['href'])
        status, body = self.send('GET', '/v2.1')
        self.assertEqual(self.live.endpoint + '/',
                         body['version']['links'][0]['href'])

    def test_oversized_body_is_413_over_limit(self):
        big = json.dumps({'host': 'h' * 120 * 1024, 'binary': COMPUTE})
        status, body = self.send('PUT', '/v2.1/os-services/enable', big,
                                 {'Content-Type': 'application/json'})
        self.assertEqual(413, status)
        self.assertEqual(413, body['overLimit']['code'])

    def test_oversized_chunked_body_is_413_over_limit(self):
        chunks = (b'x' * 1024 for _ in range(120))
        status, body = self.send('PUT', '/v2.1/os-services/enable', chunks,
                                 {'Content-Type': 'application/json'},
                                 chunked=True)
        self.assertEqual(413, status)
        self.assertEqual(413, body['overLimit']['code'])

    def test_small_chunked_body_is_read(self):
        service_obj.get_or_create(self.live.ctx, 'chunky', COMPUTE)
        body = json.dumps({'host': 'chunky', 'binary': COMPUTE}).encode()
        status, reply = self.send('PUT', '/v2.1/os-services/disable',
                                  iter([body[:10], body[10:]]),
                                  {'Content-Type': 'application/json'},
                                  chunked=True)
        self.assertEqual(200, status, reply)
        self.assertEqual('disabled', reply['service']['status'])

    def test_bad_input_never_500(self):
        cases = [
            ('PUT', '/v2.1/os-services/enable', b'{"host": ', 400),
            ('PUT', '/v2.1/os-services/enable', b'\xff\xfe', 400),
            ('PUT', '/v2.1/os-services/enable', b'[]', 400),
            ('GET', '/v2.1/os-services?host=%ff', None, 400),
            ('DELETE', '/v2.1/os-services/%00', None, 400),
        ]
        for method, path, body, expected in cases:
            status, reply = self.send(method, path, body)
            self.assertEqual(expected, status, (method, path, reply))
            (fault,) = reply.values()
            self.assertEqual(expected, fault['code'])
        # No route serves GET there: Nova's router's 404, webob's body.
        status, reply = self.send('GET', '/v2.1/os-services/%2e%2e')
        self.assertEqual((404, '404 Not Found'), (status, reply['code']))

    def test_timestamps_are_in_novas_format(self):
        service = service_obj.get_or_create(self.live.ctx, 'stamped',
                                            COMPUTE)
        service_obj.report_state(self.live.ctx, service.id)
        status, body = self.send('GET', '/v2.1/os-services?host=stamped')
        self.assertRegex(body['services'][0]['updated_at'],
                         r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$')
