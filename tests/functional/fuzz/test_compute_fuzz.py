"""Hostile requests against the whole Compute API, on every database.

Each scenario seeds ``tests.fixtures.hostile`` the same way, sends a few
hundred generated requests through the real middleware tuple (noauth2,
admin and plain member tokens) and checks that none is a 5xx, that every
4xx carries Nova's fault body, and that every resource can still be
listed and shown afterwards: nothing stored that cannot be read back.
"""

import json

import testscenarios
import testtools
import webob

from compute_ext.compute import states
from compute_ext.objects import instance_actions as action_obj
from compute_ext.objects import instances as instance_obj
from compute_ext import wsgi_wrapper
from tests.fixtures import compute as compute_fixtures
from tests.fixtures import dbfixture
from tests.fixtures import hostile
from tests.fixtures import hostile_values
from tests.functional.fuzz import base as fuzz_base

SEED = 20261205
REQUESTS = 2500
ADMIN = 'admin:admin'
MEMBER = 'alice:demo'
GOOD_VERSIONS = ('2.1', '2.11', '2.38', '2.53', '2.58', '2.66', '2.75',
                 '2.76', 'latest')

SERVER_QUERY = ('name', 'display_name', 'limit', 'marker', 'sort_key',
                'sort_dir', 'status', 'host', 'node', 'power_state',
                'uuid', 'all_tenants', 'changes-since', 'changes-before',
                'locked', 'deleted', 'tenant_id', 'project_id', 'flavor',
                'vm_state', 'ip', '_x', 'services')
ACTION_QUERY = ('limit', 'marker', 'changes-since', 'changes-before')
SERVICE_QUERY = ('host', 'binary')


def _routes(server, service):
    event = {'name': 'power-update', 'server_uuid': server, 'tag': 'POWER_ON'}
    return [
        hostile.Route('GET', '/v2.1/os-services', None, SERVICE_QUERY),
        hostile.Route('PUT', '/v2.1/os-services/{service_id}',
                      {'status': 'disabled', 'disabled_reason': 'fuzz',
                       'forced_down': False}),
        hostile.Route('PUT', '/v2.1/os-services/disable-log-reason',
                      {'host': 'host1', 'binary': 'nova-compute',
                       'disabled_reason': 'fuzz'}),
        hostile.Route('PUT', '/v2.1/os-services/force-down',
                      {'host': 'host1', 'binary': 'nova-compute',
                       'forced_down': False}),
        hostile.Route('DELETE', '/v2.1/os-services/{service_id}', None),
        hostile.Route('POST', '/v2.1/os-server-external-events',
                      {'events': [event]}),
        hostile.Route('GET', '/v2.1/servers', None, SERVER_QUERY),
        hostile.Route('GET', '/v2.1/servers/detail', None, SERVER_QUERY),
        hostile.Route('GET', '/v2.1/{project_id}/servers/detail', None,
                      SERVER_QUERY),
        hostile.Route('GET', '/v2.1/servers/{server_id}', None),
        hostile.Route('POST', '/v2.1/servers/{server_id}/action',
                      {'os-stop': None}),
        hostile.Route('POST', '/v2.1/servers/{server_id}/action',
                      {'os-start': None}),
        hostile.Route('GET', '/v2.1/servers/{server_id}/os-instance-actions',
                      None, ACTION_QUERY),
        hostile.Route(
            'GET', '/v2.1/servers/{server_id}/os-instance-actions/'
            '{request_id}', None),
        hostile.Route('GET', '/', None),
        hostile.Route('GET', '/v2.1', None),
    ]


def _is_routing_404(response):
    """webob's HTTPNotFound body, whichever type was negotiated."""
    text = response.body.decode('utf-8', 'replace')
    return ('The resource could not be found.' in text
            and 'itemNotFound' not in text)


class TestComputeFuzz(fuzz_base.FuzzRun, testscenarios.WithScenarios,
                      testtools.TestCase):

    label = 'compute'

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        self.api = self.useFixture(compute_fixtures.ComputeAPI(self.backend))
        ctx = self.api.ctx
        self.services = [
            compute_fixtures.add_service(ctx, 'host%d' % n)
            for n in (1, 2)]
        self.services.append(compute_fixtures.add_service(
            ctx, 'host1', binary='nova-scheduler'))
        self.servers = [instance_obj.create(
            ctx, name='bm-%d' % n, host='host1', node='node-%d' % n,
            vm_state=states.ACTIVE, power_state=states.RUNNING,
            project_id='demo' if n % 2 else 'other', user_id='alice')
            for n in range(4)]
        self.request_ids = []
        for n, server in enumerate(self.servers):
            request_id = 'req-fuzz-%d' % n
            action_obj.record(ctx, server.uuid, 'stop', 'compute_stop',
                              'host1', 'Success', request_id, 'alice',
                              'demo')
            self.request_ids.append(request_id)

    def _check_fault(self, request, response):
        if request.method == 'HEAD':
            # HTTP: a response to HEAD never has a body.
            self.assertEqual(b'', response.body)
            return
        if response.status_int == 404 and _is_routing_404(response):
            # No route matched: Nova's router answers with webob's own
            # 404, in the type the client accepts, no version headers.
            self.assertNotIn('OpenStack-API-Version', response.headers)
            return
        try:
            body = json.loads(response.body)
        except ValueError:
            self.fail('%d without a JSON body for %r: %r'
                      % (response.status_int, request, response.body[:200]))
        self.assertTrue(wsgi_wrapper.is_fault(body),
                        '%r: %r' % (request, body))
        (name, inner), = body.items()
        self.assertEqual(wsgi_wrapper.FAULT_NAMES.get(
            response.status_int, 'computeFault'), name, request)
        self.assertEqual(response.status_int, inner['code'], request)
        self.assertIsInstance(inner['message'], str, request)

    @staticmethod
    def _with_credentials(rng, requests):
        """Each request as an admin or a member, at a supported version,
        unless the generator set those headers itself."""
        for request in requests:
            base = {'X-Auth-Token': rng.choice((ADMIN, MEMBER)),
                    'OpenStack-API-Version':
                        'compute ' + rng.choice(GOOD_VERSIONS)}
            base.update(request.headers)
            request.headers = base
            yield request

    def test_hostile_requests(self):
        rng = hostile_values.make_rng(SEED)
        known = {'server_id': [s.uuid for s in self.servers],
                 'service_id': ['enable', 'disable', 'force-down']
                 + [s.uuid for s in self.services]
                 + [str(s.id) for s in self.services],
                 'request_id': self.request_ids,
                 # Nova's project ids in URLs are lowercase hex; others
                 # match no route.
                 'project_id': ['demo', 'other', '0a1b', 'ffff']}
        routes = _routes(self.servers[1].uuid, self.services[0].uuid)
        self.run_requests(self._with_credentials(rng, hostile.requests(
            rng, routes, REQUESTS, known,
            SERVER_QUERY + ACTION_QUERY + SERVICE_QUERY)))
        self._check_readable()

    def _get(self, path, token=ADMIN, version='latest'):
        req = webob.Request.blank(path, headers={
            'X-Auth-Token': token,
            'OpenStack-API-Version': 'compute ' + version})
        response = req.get_response(self.api.app)
        self.assertEqual(200, response.status_int,
                         '%s: %s' % (path, response.body[:300]))
        return response.json_body

    def _check_readable(self):
        """Every resource the fuzzing may have touched lists and shows."""
        for version in ('2.1', '2.53', 'latest'):
            self._get('/v2.1/os-services', version=version)
        self._get('/v2.1/servers/detail?all_tenants=1')
        self._get('/v2.1/servers/detail', token=MEMBER)
        for server in self.servers:
            self._get('/v2.1/servers/%s' % server.uuid)
            actions = self._get(
                '/v2.1/servers/%s/os-instance-actions' % server.uuid)
            for action in actions['instanceActions']:
                self._get('/v2.1/servers/%s/os-instance-actions/%s' % (
                    server.uuid, action['request_id']))
