"""Live responses against Ironic's published samples and against the
api-ref samples of this project: same keys, same JSON types.

Ironic's node samples predate some fields and hold many this service does
not model. So a node list item must match Ironic's exactly, while a node
body (show, detail, create, update) and /states must only use Ironic's
names and types for what they serve; ``fault`` (API 1.42) is newer than
the samples and is checked on its own.
"""

import json
import os

import testtools
import webob

from tests.fixtures import baremetal
from tests.fixtures import samples

API_REF_SAMPLES = os.path.join(samples.REPO_ROOT, 'api-ref', 'source',
                               'baremetal', 'samples')
NEWER_THAN_SAMPLES = {'fault', 'bios_interface'}
# Objects whose keys are the user's: only their type is Ironic's.
FREE_FORM = {'driver_info', 'extra', 'properties', 'driver_internal_info',
             'instance_info', 'clean_step', 'raid_config',
             'target_raid_config'}
# Ironic's string fields that are null until set; a sample shows one case.
NULLABLE = {'name', 'power_state', 'target_power_state', 'provision_state',
            'target_provision_state', 'provision_updated_at',
            'instance_uuid', 'last_error', 'maintenance_reason',
            'reservation', 'created_at', 'updated_at', 'resource_class',
            'chassis_uuid', 'inspection_finished_at',
            'inspection_started_at', 'boot_interface', 'console_interface',
            'deploy_interface', 'inspect_interface', 'management_interface',
            'network_interface', 'power_interface', 'raid_interface',
            'rescue_interface', 'storage_interface', 'vendor_interface'}


def _served_part(sample, actual):
    """The sample cut down to the keys ``actual`` has."""
    return {key: value for key, value in sample.items() if key in actual}


def node_problems(sample, actual):
    """Where a node body served here disagrees with Ironic's sample."""
    problems = []
    for key, value in sorted(actual.items()):
        kind = samples.json_type(value)
        if key in NEWER_THAN_SAMPLES:
            if kind not in ('string', 'null'):
                problems.append('%s: type %s' % (key, kind))
            continue
        if key not in sample:
            problems.append('%s: not in the sample' % key)
            continue
        expected = samples.json_type(sample[key])
        if key in NULLABLE and {kind, expected} <= {'string', 'null'}:
            continue
        if key in FREE_FORM:
            if kind != expected:
                problems.append('%s: type %s, sample has %s'
                                % (key, kind, expected))
            continue
        problems.extend(key + p[1:] for p in samples.shape_differences(
            sample[key], value))
    return problems


class SampleShapes(testtools.TestCase, samples.SampleAssertions):

    def setUp(self):
        super().setUp()
        # The nodes the api-ref samples were taken from.
        self.api = self.useFixture(baremetal.BaremetalAPI())
        self.node = self.call('POST', '/v1/nodes',
                              self.ours('node-create-request.json'))
        self.assertEqual(201, self.last.status_int)
        other = baremetal.add_node(self.api.ctx, 'rack1-node2')
        baremetal.set_columns(self.api.db, self.node['uuid'],
                              power_state='power on')
        baremetal.set_columns(self.api.db, other.uuid,
                              power_state='power off', maintenance=True,
                              maintenance_reason='disk')

    def call(self, method, path, body=None, version='1.42'):
        req = webob.Request.blank('http://127.0.0.1:6385' + path,
                                  method=method)
        if version:
            req.headers['X-OpenStack-Ironic-API-Version'] = version
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        self.last = req.get_response(self.api.app)
        return self.last.json if self.last.body else None

    def ironic(self, name):
        self.skipWithoutReference(samples.IRONIC_SAMPLES_DIR)
        return samples.load(os.path.join(samples.IRONIC_SAMPLES_DIR, name))

    def assertServedFieldsMatch(self, sample, actual, what):
        problems = node_problems(sample, actual)
        if problems:
            self.fail('%s does not match its sample:\n  %s'
                      % (what, '\n  '.join(problems)))

    # -- Ironic's samples ------------------------------------------------

    def test_root(self):
        self.assertSameShape(self.ironic('api-root-response.json'),
                             self.call('GET', '/', version=None))

    def test_v1_root(self):
        sample = self.ironic('api-v1-root-response.json')
        actual = self.call('GET', '/v1/', version=None)
        # Ironic 39 serves media_types as one object (its sample: a list).
        media_types = actual.pop('media_types')
        self.assertEqual('application/json', media_types['base'])
        version = actual.pop('version')
        self.assertEqual(('1.1', '1.46'), (version['min_version'],
                                           version['version']))
        self.assertSameShape(_served_part(sample, actual), actual)
        self.assertEqual({'id', 'links', 'nodes', 'drivers'}, set(actual))

    def test_node_list_items_are_ironics(self):
        self.assertSameShape(self.ironic('nodes-list-response.json'),
                             self.call('GET', '/v1/nodes'))

    def test_node_show(self):
        for name in ('rack1-node1', 'rack1-node2'):
            self.assertServedFieldsMatch(
                self.ironic('node-show-response.json'),
                self.call('GET', '/v1/nodes/' + name), name)

    def test_node_create(self):
        self.assertServedFieldsMatch(
            self.ironic('node-create-response.json'), self.node,
            'node create')

    def test_node_detail(self):
        sample = self.ironic('nodes-list-details-response.json')['nodes']
        for node in self.call('GET', '/v1/nodes/detail')['nodes']:
            for item in sample:
                self.assertServedFieldsMatch(item, node, 'node detail')

    def test_node_update_with_ironics_request(self):
        actual = self.call('PATCH', '/v1/nodes/rack1-node1', self.ironic(
            'node-update-driver-info-request.json'))
        self.assertEqual(200, self.last.status_int, actual)
        self.assertEqual('OPERATOR', actual['driver_info']['ipmi_username'])
        self.assertServedFieldsMatch(
            self.ironic('node-update-driver-info-response.json'), actual,
            'node update')

    def test_node_states(self):
        actual = self.call('GET', '/v1/nodes/rack1-node1/states')
        self.assertServedFieldsMatch(
            self.ironic('node-get-state-response.json'), actual, 'states')

    def test_ironics_power_and_maintenance_requests(self):
        self.api.conductor.calls.clear()
        for name, path in (
                ('node-set-power-off.json', '/states/power'),
                ('node-set-soft-power-off.json', '/states/power'),
                ('node-maintenance-request.json', '/maintenance')):
            self.call('PUT', '/v1/nodes/rack1-node1' + path,
                      self.ironic(name))
            self.assertEqual(202, self.last.status_int, name)
        self.assertEqual([(self.node['uuid'], 'power off', None),
                          (self.node['uuid'], 'soft power off', 300)],
                         self.api.conductor.calls)

    # -- this project's api-ref samples ----------------------------------

    def ours(self, name):
        return samples.load(os.path.join(API_REF_SAMPLES, name))

    def test_api_ref_samples_match_live_responses(self):
        self.call('PATCH', '/v1/nodes/rack1-node1',
                  self.ours('node-update-request.json'))
        self.assertEqual(200, self.last.status_int)
        for sample, method, path, body, version in (
                ('api-root-response.json', 'GET', '/', None, None),
                ('api-v1-root-response.json', 'GET', '/v1/', None, None),
                ('node-update-response.json', 'PATCH',
                 '/v1/nodes/rack1-node1', self.ours(
                     'node-update-request.json')[1:], '1.46'),
                ('node-show-response.json', 'GET', '/v1/nodes/rack1-node1',
                 None, '1.46'),
                ('node-get-state-response.json', 'GET',
                 '/v1/nodes/rack1-node1/states', None, '1.46'),
                ('nodes-list-response.json', 'GET', '/v1/nodes', None,
                 '1.46'),
                ('nodes-list-fields-response.json', 'GET',
                 '/v1/nodes/?fields=uuid,power_state', None, '1.46'),
                ('nodes-list-next-response.json', 'GET',
                 '/v1/nodes?limit=1', None, '1.46'),
                ('nodes-list-details-response.json', 'GET',
                 '/v1/nodes/detail', None, '1.46'),
                ('error-response.json', 'GET', '/v1/nodes/rack9-node9',
                 None, '1.46'),
                # Last: a third node would change the lists above.
                ('node-create-response.json', 'POST', '/v1/nodes',
                 dict(self.ours('node-create-request.json'), name='n3'),
                 '1.46')):
            actual = self.call(method, path, body, version)
            self.assertLess(self.last.status_int, 500, sample)
            self.assertSameShape(self.ours(sample), actual, sample)

    def test_api_ref_request_samples_are_accepted(self):
        for name, path in (
                ('node-set-power-on.json', '/states/power'),
                ('node-set-soft-power-off.json', '/states/power'),
                ('node-maintenance-request.json', '/maintenance')):
            self.call('PUT', '/v1/nodes/rack1-node1' + path, self.ours(name))
            self.assertEqual(202, self.last.status_int, name)

    def test_api_ref_samples_hold_no_password_but_the_request(self):
        for name in os.listdir(API_REF_SAMPLES):
            with open(os.path.join(API_REF_SAMPLES, name)) as stream:
                text = stream.read()
            if name != 'node-create-request.json':
                self.assertNotIn('Sup3r-Secr3t', text, name)
