"""The Compute API client against a scripted remote peer over a socket.

The peer stands in for a Compute API (and a Keystone) that misbehaves on
demand: 207s, 5xx, garbage, hangs, 401s. The same tests against the real
compute_ext application are in test_notifier_compute_api.
"""

import json
import os
import threading
import uuid

import fixtures
from oslo_config import cfg
import testtools

from baremetal_notifier import conf as bm_conf
from baremetal_notifier.notifier import compute
from powerbridge.stack import layout
from powerbridge import wsgi_server

_REASONS = {200: 'OK', 207: 'Multi-Status', 400: 'Bad Request',
            401: 'Unauthorized', 404: 'Not Found', 413: 'Too Large',
            500: 'Internal Server Error', 503: 'Service Unavailable'}


def nova_fault(code, message):
    key = {400: 'badRequest', 401: 'unauthorized', 404: 'itemNotFound',
           500: 'computeFault', 503: 'serviceUnavailable'}.get(code, 'fault')
    return code, {key: {'code': code, 'message': message}}


class ScriptedComputeAPI(fixtures.Fixture):
    """A real HTTP server that answers os-server-external-events by script.

    ``script`` is a list of answers used one per events request, then
    ``default``; an answer is a callable ``events -> (status, body)`` where
    body is JSON-able, bytes (sent raw) or the string 'hang'.
    ``codes`` maps server_uuid to the per-event code of the echo answer.
    With ``keystone=True`` it also issues tokens at /identity/v3, with a
    catalog whose compute endpoint is ``endpoint`` (settable).
    """

    def __init__(self, keystone=False, token_format='tok-%d'):
        super().__init__()
        self.keystone = keystone
        self.token_format = token_format

    def _setUp(self):
        self.script = []
        self.codes = {}
        self.requests = []
        self.tokens_issued = 0
        self.revoked = set()
        self.default = self.echo
        self._lock = threading.Lock()
        self._release = threading.Event()
        self.server = wsgi_server.ServerThread(self._app, '127.0.0.1', 0,
                                               threads=8)
        self.server.start()
        self.addCleanup(self.server.stop)
        # Hung requests return at cleanup so the server can stop.
        self.addCleanup(self._release.set)
        self.url = 'http://127.0.0.1:%d' % self.server.port
        self.endpoint = self.url + '/v2.1'

    def echo(self, events):
        """Nova's answer: each event with its code; 207 if any failed."""
        answered = []
        for event in events:
            code = self.codes.get(event['server_uuid'], 200)
            answered.append(dict(event, code=code, status='completed'
                                 if code == 200 else 'failed'))
        failed = any(e['code'] != 200 for e in answered)
        return (207 if failed else 200), {'events': answered}

    def release_hung(self):
        """Let hung requests answer (500) now."""
        self._release.set()

    def sent_events(self):
        """Every event received, in arrival order."""
        return [e for r in self.requests for e in r['body']['events']]

    def _respond(self, start_response, status, body, headers=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        start_response('%d %s' % (status, _REASONS.get(status, 'Status')),
                       [('Content-Type', 'application/json'),
                        ('Content-Length', str(len(body)))] + list(headers))
        return [body]

    def _issue_token(self, start_response):
        with self._lock:
            self.tokens_issued += 1
            token = self.token_format % self.tokens_issued
        body = {'token': {
            'methods': ['password'], 'expires_at': '2099-01-01T00:00:00Z',
            'issued_at': '2020-01-01T00:00:00Z',
            'user': {'id': 'u', 'name': 'ironic',
                     'domain': {'id': 'default', 'name': 'Default'}},
            'project': {'id': 'p', 'name': 'service',
                        'domain': {'id': 'default', 'name': 'Default'}},
            'roles': [{'id': 'r', 'name': 'service'}],
            'catalog': [{'type': 'compute', 'name': 'nova', 'id': 'c',
                         'endpoints': [{'id': 'e', 'interface': 'internal',
                                        'region': 'RegionOne',
                                        'region_id': 'RegionOne',
                                        'url': self.endpoint}]}]}}
        return self._respond(start_response, 201, body,
                             [('X-Subject-Token', token)])

    def _app(self, environ, start_response):
        path = environ['PATH_INFO']
        length = int(environ.get('CONTENT_LENGTH') or 0)
        raw = environ['wsgi.input'].read(length) if length else b''
        if self.keystone and path == '/identity/v3/auth/tokens':
            return self._issue_token(start_response)
        if path != '/v2.1/os-server-external-events':
            return self._respond(start_response, *nova_fault(404, 'no'))
        headers = {k[5:].replace('_', '-').title(): v
                   for k, v in environ.items() if k.startswith('HTTP_')}
        body = json.loads(raw)
        with self._lock:
            self.requests.append({'headers': headers, 'body': body})
            answer = self.script.pop(0) if self.script else self.default
        if headers.get('X-Auth-Token') in self.revoked:
            return self._respond(start_response,
                                 *nova_fault(401, 'token revoked'))
        status, out = answer(body['events'])
        if out == 'hang':
            self._release.wait(30)
            return self._respond(start_response, 500, b'')
        if isinstance(out, str):
            out = out.encode()
        return self._respond(start_response, status, out)


class NotifierConf(fixtures.Fixture):
    """A private ConfigOpts of baremetal_notifier read from a real file."""

    def __init__(self, connection=None, argv=(), cli_opts=(), **nova):
        super().__init__()
        self.connection = connection
        self.argv = list(argv)
        self.cli_opts = cli_opts
        self.nova = nova

    def _setUp(self):
        tmp = self.useFixture(fixtures.TempDir())
        sections = {'DEFAULT': {'state_path': tmp.path}, 'nova': self.nova}
        if self.connection:
            sections['database'] = {'connection': self.connection}
        path = os.path.join(tmp.path, 'notifier.conf')
        layout.write_config(path, sections)
        self.conf = cfg.ConfigOpts()
        # NOTE: conf/nova.py registers a module-level OptGroup, which
        # oslo.config copies shallowly, so keystoneauth plugin options
        # loaded for one ConfigOpts would leak into every other one; a
        # fresh group registered first keeps this config private.
        self.conf.register_group(cfg.OptGroup('nova'))
        bm_conf.register_opts(self.conf)
        self.conf.register_cli_opts(self.cli_opts)
        self.conf(['--config-file', path] + self.argv,
                  project='baremetal-notifier', default_config_files=[])


def admin_token_options(endpoint, timeout=10.0):
    """[nova] with keystoneauth's admin_token plugin (no Keystone)."""
    return {'auth_type': 'admin_token', 'endpoint': endpoint,
            'token': 'admin:admin', 'timeout': timeout}


def events_for(*instances, tag='POWER_ON'):
    return [compute.power_update_event(i, tag) for i in instances]


class TestComputeClient(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.peer = self.useFixture(ScriptedComputeAPI())
        self.conf = self.useFixture(NotifierConf(
            **admin_token_options(self.peer.endpoint))).conf
        self.client = compute.ComputeClient(self.conf)
        self.uuids = [str(uuid.uuid4()) for _ in range(4)]

    def kinds(self, delivery):
        return [o.kind for o in delivery.outcomes]

    def test_all_delivered_in_one_request_at_2_76(self):
        delivery = self.client.send(events_for(*self.uuids))
        self.assertEqual([compute.DELIVERED] * 4, self.kinds(delivery))
        self.assertTrue(delivery.answered)
        (request,) = self.peer.requests
        self.assertEqual('compute 2.76',
                         request['headers']['Openstack-Api-Version'])
        self.assertEqual('admin:admin', request['headers']['X-Auth-Token'])
        self.assertRegex(request['headers']['X-Openstack-Request-Id'],
                         '^req-[0-9a-f-]{36}$')
        self.assertEqual({'name': 'power-update', 'tag': 'POWER_ON',
                          'server_uuid': self.uuids[0]},
                         request['body']['events'][0])

    def test_207_per_event_codes(self):
        self.peer.codes = {self.uuids[1]: 404, self.uuids[2]: 422,
                           self.uuids[3]: 400}
        delivery = self.client.send(events_for(*self.uuids))
        self.assertEqual([compute.DELIVERED] + [compute.UNDELIVERABLE] * 3,
                         self.kinds(delivery))
        reasons = [o.reason for o in delivery.outcomes]
        self.assertIn('404', reasons[1])
        self.assertIn(self.uuids[1], reasons[1])
        self.assertIn('422', reasons[2])
        self.assertIn('no host', reasons[2])
        self.assertIn('400', reasons[3])

    def test_500_retries_every_event(self):
        self.peer.script = [lambda ev: nova_fault(500, 'boom')]
        delivery = self.client.send(events_for(*self.uuids))
        self.assertEqual([compute.RETRY] * 4, self.kinds(delivery))
        self.assertIn('500', delivery.outcomes[0].reason)
        self.assertFalse(delivery.answered)

    def test_503_is_unavailable(self):
        self.peer.script = [lambda ev: nova_fault(503, 'down')]
        delivery = self.client.send(events_for(self.uuids[0]))
        self.assertEqual([compute.RETRY], self.kinds(delivery))
        self.assertTrue(delivery.outcomes[0].reason.startswith(
            compute.UNAVAILABLE_PREFIX))

    def test_garbage_bodies_are_retried(self):
        one = events_for(self.uuids[0])
        garbage = [
            lambda ev: (200, b'<html>proxy error</html>'),
            lambda ev: (200, {'events': []}),
            lambda ev: (207, {'events': [dict(ev[0], code='200')]}),
            lambda ev: (200, {'events': [dict(ev[0], code=200,
                                              server_uuid=self.uuids[1])]}),
            lambda ev: (200, ['not', 'a', 'dict']),
            lambda ev: (202, {'events': [dict(ev[0], code=200)]}),
        ]
        for answer in garbage:
            self.peer.script = [answer]
            delivery = self.client.send(one)
            self.assertEqual([compute.RETRY], self.kinds(delivery))
            self.assertFalse(delivery.answered)

    def test_unknown_per_event_code_retries_that_event_only(self):
        def answer(events):
            status, body = self.peer.echo(events)
            body['events'][0]['code'] = 503
            return 207, body
        self.peer.script = [answer]
        delivery = self.client.send(events_for(*self.uuids[:2]))
        self.assertEqual([compute.RETRY, compute.DELIVERED],
                         self.kinds(delivery))

    def test_hang_respects_session_timeout(self):
        self.peer.script = [lambda ev: (200, 'hang')]
        conf = self.useFixture(NotifierConf(**admin_token_options(
            self.peer.endpoint, timeout=0.3))).conf
        delivery = compute.ComputeClient(conf).send(events_for(self.uuids[0]))
        self.assertEqual([compute.RETRY], self.kinds(delivery))
        self.assertTrue(delivery.outcomes[0].reason.startswith(
            compute.UNAVAILABLE_PREFIX))

    def test_connection_refused(self):
        conf = self.useFixture(NotifierConf(**admin_token_options(
            'http://127.0.0.1:%d/v2.1' % layout.free_port()))).conf
        delivery = compute.ComputeClient(conf).send(events_for(self.uuids[0]))
        self.assertEqual([compute.RETRY], self.kinds(delivery))
        self.assertTrue(delivery.outcomes[0].reason.startswith(
            compute.UNAVAILABLE_PREFIX))

    def test_bad_auth_options_cost_retries(self):
        conf = self.useFixture(NotifierConf(auth_type='password')).conf
        delivery = compute.ComputeClient(conf).send(events_for(self.uuids[0]))
        self.assertEqual([compute.RETRY], self.kinds(delivery))
        self.assertIn('[nova] adapter', delivery.outcomes[0].reason)

    def test_whole_request_400_is_split_to_find_the_bad_event(self):
        bad = self.uuids[2]

        def answer(events):
            if any(e['server_uuid'] == bad for e in events):
                return nova_fault(400, "Invalid input for field/attribute "
                                  "server_uuid. Value: %s" % bad)
            return self.peer.echo(events)
        self.peer.default = answer
        delivery = self.client.send(events_for(*self.uuids))
        self.assertEqual([compute.DELIVERED, compute.DELIVERED,
                          compute.UNDELIVERABLE, compute.DELIVERED],
                         self.kinds(delivery))
        self.assertIn('Invalid input', delivery.outcomes[2].reason)
        self.assertLessEqual(len(self.peer.requests), 5)

    def test_413_is_split(self):
        def answer(events):
            if len(events) > 1:
                return 413, {'overLimit': {'code': 413, 'message': 'big'}}
            return self.peer.echo(events)
        self.peer.default = answer
        delivery = self.client.send(events_for(*self.uuids))
        self.assertEqual([compute.DELIVERED] * 4, self.kinds(delivery))

    def test_train_nova_404_when_no_event_was_accepted(self):
        self.peer.script = [lambda ev: nova_fault(
            404, 'No instances found for any event')]
        delivery = self.client.send(events_for(*self.uuids[:2]))
        self.assertEqual([compute.UNDELIVERABLE] * 2, self.kinds(delivery))

    def test_404_of_a_wrong_endpoint_is_retried(self):
        conf = self.useFixture(NotifierConf(**admin_token_options(
            self.peer.url + '/wrong'))).conf
        delivery = compute.ComputeClient(conf).send(events_for(self.uuids[0]))
        self.assertEqual([compute.RETRY], self.kinds(delivery))

    def test_401_with_a_static_token_is_retried(self):
        self.peer.revoked.add('admin:admin')
        delivery = self.client.send(events_for(self.uuids[0]))
        self.assertEqual([compute.RETRY], self.kinds(delivery))
        self.assertIn('401', delivery.outcomes[0].reason)
        self.assertNotIn('admin:admin', delivery.outcomes[0].reason)


class TestComputeClientKeystone(testtools.TestCase):
    """Password auth through a catalog, and one re-auth on a 401."""

    def setUp(self):
        super().setUp()
        self.peer = self.useFixture(ScriptedComputeAPI(keystone=True))
        self.secret = 'S3cret-%s' % uuid.uuid4().hex
        self.conf = self.useFixture(NotifierConf(
            auth_type='v3password', auth_url=self.peer.url + '/identity/v3',
            username='ironic', password=self.secret,
            user_domain_name='Default', project_name='service',
            project_domain_name='Default', timeout=10)).conf
        self.client = compute.ComputeClient(self.conf)
        self.log = self.useFixture(fixtures.FakeLogger(level='DEBUG'))

    def test_endpoint_from_the_catalog(self):
        delivery = self.client.send(events_for(str(uuid.uuid4())))
        self.assertEqual([compute.DELIVERED],
                         [o.kind for o in delivery.outcomes])
        self.assertEqual('tok-1',
                         self.peer.requests[0]['headers']['X-Auth-Token'])

    def test_401_reauthenticates_once_then_delivers(self):
        self.client.send(events_for(str(uuid.uuid4())))
        self.peer.revoked.add('tok-1')
        delivery = self.client.send(events_for(str(uuid.uuid4())))
        self.assertEqual([compute.DELIVERED],
                         [o.kind for o in delivery.outcomes])
        self.assertEqual(2, self.peer.tokens_issued)
        self.assertEqual(['tok-1', 'tok-1', 'tok-2'],
                         [r['headers']['X-Auth-Token']
                          for r in self.peer.requests])
        self.assertNotIn(self.secret, self.log.output)

    def test_401_after_reauth_is_retried_not_undeliverable(self):
        self.peer.revoked.update({'tok-1', 'tok-2'})
        delivery = self.client.send(events_for(str(uuid.uuid4())))
        self.assertEqual([compute.RETRY],
                         [o.kind for o in delivery.outcomes])
        self.assertEqual(2, self.peer.tokens_issued)
        self.assertNotIn(self.secret, self.log.output)
        self.assertNotIn(self.secret, delivery.outcomes[0].reason)
