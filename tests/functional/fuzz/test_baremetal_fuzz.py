"""Hostile requests against the whole Bare Metal API, on every database.

Each scenario seeds ``tests.fixtures.hostile`` the same way and sends
generated requests (methods, headers, encodings, sizes, ids, unicode,
numbers, deep and huge JSON, JSON patches) through the real middleware
tuple, in Ironic's noauth mode with the stand-in conductor. None may be a
5xx, every 4xx carries Ironic's error body, and afterwards every node
(those the fuzzing enrolled included) lists, shows, patches and deletes:
nothing stored that cannot be read back.
"""

import json

import testscenarios
import testtools
import webob

from baremetal_notifier.objects import nodes as node_obj
from tests.fixtures import baremetal
from tests.fixtures import dbfixture
from tests.fixtures import hostile
from tests.fixtures import hostile_values
from tests.functional.fuzz import base as fuzz_base

SEED = 20261205
REQUESTS = 4000
# Share of the requests that are PATCHes built by hostile.json_patch.
PATCH_SHARE = 0.2
GOOD_VERSIONS = ('1.1', '1.5', '1.9', '1.10', '1.27', '1.42', '1.43', '1.45',
                 '1.46', 'latest')
VERSION_HEADER = 'X-OpenStack-Ironic-API-Version'

LIST_QUERY = ('limit', 'marker', 'sort_key', 'sort_dir', 'maintenance',
              'associated', 'instance_uuid', 'fields', 'provision_state',
              'driver', 'fault', 'power_state', 'detail', 'conductor_group')
PATCH_PATHS = ('/extra', '/properties', '/driver_info', '/name', '/driver',
               '/instance_uuid', '/extra/a', '/properties/cpus',
               '/driver_info/ipmi_password', '/maintenance', '/uuid',
               '/conductor_group', '/deploy_step')


def _routes():
    node = {'driver': 'ipmi', 'name': 'fuzz-node',
            'driver_info': {'ipmi_address': '127.0.0.1', 'ipmi_port': 623,
                            'ipmi_username': 'admin',
                            'ipmi_password': 'pw'},
            'extra': {'a': {'b': [1, 2]}}, 'properties': {'cpus': 4}}
    return [
        hostile.Route('GET', '/', None),
        hostile.Route('GET', '/v1', None),
        hostile.Route('GET', '/v1/nodes', None, LIST_QUERY),
        hostile.Route('GET', '/v1/nodes/detail', None, LIST_QUERY),
        hostile.Route('POST', '/v1/nodes', node),
        hostile.Route('POST', '/v1/nodes', {'driver': 'ipmi'}),
        hostile.Route('POST', '/v1/nodes', {'driver': 'ipmi',
                                            'conductor_group': ''}),
        hostile.Route('GET', '/v1/nodes/{node_ident}', None, ('fields',)),
        hostile.Route('PATCH', '/v1/nodes/{node_ident}',
                      [{'op': 'add', 'path': '/extra/x', 'value': 1}],
                      ('reset_interfaces',)),
        hostile.Route('DELETE', '/v1/nodes/{node_ident}', None),
        hostile.Route('GET', '/v1/nodes/{node_ident}/states', None),
        hostile.Route('PUT', '/v1/nodes/{node_ident}/states/power',
                      {'target': 'power on', 'timeout': 10}),
        hostile.Route('PUT', '/v1/nodes/{node_ident}/maintenance',
                      {'reason': 'fuzz'}),
        hostile.Route('DELETE', '/v1/nodes/{node_ident}/maintenance', None),
    ]


def _patch_body(rng):
    try:
        return json.dumps(hostile.json_patch(rng, PATCH_PATHS),
                          allow_nan=True).encode('utf-8')
    except (RecursionError, ValueError):
        return hostile_values.raw_body(rng)


class TestBaremetalFuzz(fuzz_base.FuzzRun, testscenarios.WithScenarios,
                        testtools.TestCase):

    label = 'baremetal'

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        self.api = self.useFixture(baremetal.BaremetalAPI(self.backend))
        ctx = self.api.ctx
        self.nodes = [baremetal.add_node(ctx, 'node-%d' % n)
                      for n in range(4)]
        baremetal.set_columns(self.api.db, self.nodes[1].uuid,
                              maintenance=True, fault='power failure')
        baremetal.add_node(ctx, 'node-busy',
                           instance_uuid='eeeeeeee-1111-4111-8111-000000000001')

    def _check_fault(self, request, response):
        if request.method == 'HEAD':
            # HTTP: a response to HEAD never has a body.
            self.assertEqual(b'', response.body)
            return
        try:
            body = json.loads(response.body)
            fault = json.loads(body['error_message'])
        except (ValueError, TypeError, KeyError):
            self.fail('%d without Ironic\'s error body for %r: %r'
                      % (response.status_int, request, response.body[:200]))
        self.assertEqual(['error_message'], list(body), request)
        if set(fault) == {'code', 'title', 'description'}:
            # Ironic's framework body, for routing and version errors.
            self.assertEqual(response.status_int, fault['code'], request)
            return
        self.assertEqual({'faultstring', 'faultcode', 'debuginfo'},
                         set(fault), request)
        self.assertIsInstance(fault['faultstring'], str, request)
        self.assertEqual('Client', fault['faultcode'], request)

    def _after(self, request, status):
        # A node the fuzzing deleted is enrolled again, so later requests
        # keep reaching nodes rather than 404s.
        if request.method != 'DELETE' or status != 204:
            return
        known = {n.uuid for n in node_obj.get_list(self.api.ctx)[0]}
        for node in self.nodes:
            if node.uuid not in known:
                baremetal.add_node(self.api.ctx, node.name, node.uuid)

    def _requests(self, rng):
        known = {'node_ident': [n.uuid for n in self.nodes]
                 + [n.name for n in self.nodes] + ['node-busy']}
        for request in hostile.requests(rng, _routes(), REQUESTS, known,
                                        LIST_QUERY, service='baremetal'):
            if request.method == 'PATCH' and rng.random() < PATCH_SHARE * 4:
                request.body = _patch_body(rng)
            request.headers.setdefault(VERSION_HEADER, (
                'latest' if rng.random() < 0.6
                else rng.choice(GOOD_VERSIONS)))
            if rng.random() < 0.1:
                request.headers[VERSION_HEADER] = rng.choice((
                    '1.%s' % hostile_values.huge_int(rng),
                    hostile_values.huge_int(rng),
                    '1.\u00b2', '1.42\x00', ' latest ', '1.-1', '2.0'))
            yield request

    def test_hostile_requests(self):
        counts = self.run_requests(
            self._requests(hostile_values.make_rng(SEED)))
        self.assertGreaterEqual(counts['requests'], 500)
        self._check_readable()

    def _call(self, method, path, body=None, expect=200):
        req = webob.Request.blank(path, method=method, headers={
            VERSION_HEADER: 'latest'})
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        response = req.get_response(self.api.app)
        self.assertEqual(expect, response.status_int,
                         '%s %s: %s' % (method, path, response.body[:300]))
        return response.json_body if response.body else None

    def _check_readable(self):
        """Every node, enrolled by the fuzzing or not, can be listed,
        shown, patched and deleted."""
        stored = node_obj.get_list(self.api.ctx)[0]
        # The fuzzing enrolls nodes (and deletes some of those set up).
        self.assertGreater(len(stored), len(self.nodes))
        listed = self._call('GET', '/v1/nodes?limit=1000')['nodes']
        self.assertEqual(sorted(n.uuid for n in stored),
                         sorted(n['uuid'] for n in listed))
        self._call('GET', '/v1/nodes/detail?limit=1000')
        self._call('GET', '/v1/nodes?fields=extra,properties,driver_info')
        for node in stored:
            path = '/v1/nodes/%s' % node.uuid
            self._call('GET', path)
            self._call('GET', path + '/states')
            self._call('PATCH', path, [
                {'op': 'add', 'path': '/extra/checked', 'value': True},
                {'op': 'add', 'path': '/properties/checked', 'value': 1}])
            if node.instance_uuid is not None:
                self._call('PATCH', path, [
                    {'op': 'remove', 'path': '/instance_uuid'}])
            self._call('DELETE', path, expect=204)
        self.assertEqual(
            [], self._call('GET', '/v1/nodes/detail')['nodes'])
