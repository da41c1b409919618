"""Live os-services and version responses against Nova's published samples.

Every row of ROWS sends a request at a microversion to a Compute API
holding Nova's sample layout (host1 up, host2 down, a scheduler and a
compute on each) and checks that the response has the same keys and
value types as Nova's sample for that request. PUT bodies are Nova's own
request samples, so those must be accepted as they are.
"""

import json

import testscenarios
import testtools
import webob

from compute_ext.objects import services as service_obj
from tests.fixtures import compute as compute_fixtures
from tests.fixtures import samples
from tests.fixtures.samples import Row
from tests.functional.compute import gabbi_fixtures

LIST = '/v2.1/os-services'
BY_ID = '/v2.1/os-services/{compute_uuid}'


def _put_rows():
    rows = []
    for version, prefix in (('2.1', ''), ('2.11', 'v2.11/')):
        for action, name in (('enable', 'service-enable'),
                             ('disable', 'service-disable'),
                             ('disable-log-reason', 'service-disable-log')):
            rows.append(Row('os-services/%s%s-put-resp.json' % (prefix, name),
                            'PUT', '/v2.1/os-services/' + action, version,
                            'os-services/%s%s-put-req.json' % (prefix, name)))
    rows.append(Row('os-services/v2.11/service-force-down-put-resp.json',
                    'PUT', '/v2.1/os-services/force-down', '2.11',
                    'os-services/v2.11/service-force-down-put-req.json'))
    for name in ('service-enable', 'service-disable', 'service-disable-log',
                 'service-force-down'):
        rows.append(Row('os-services/v2.53/%s-put-resp.json' % name, 'PUT',
                        BY_ID, '2.53',
                        'os-services/v2.53/%s-put-req.json' % name))
    return rows


ROWS = [
    Row('os-services/services-list-get-resp.json', 'GET', LIST, '2.1'),
    Row('os-services/services-list-get-resp.json', 'GET', LIST, '2.10'),
    Row('os-services/v2.11/services-list-get-resp.json', 'GET', LIST, '2.11'),
    Row('os-services/v2.11/services-list-get-resp.json', 'GET', LIST, '2.52'),
    Row('os-services/v2.53/services-list-get-resp.json', 'GET', LIST, '2.53'),
    # 2.69's sample shows services of an unreachable cell; with one cell
    # every service keeps the 2.53 shape, as in Nova.
    Row('os-services/v2.53/services-list-get-resp.json', 'GET', LIST, '2.69'),
    Row('os-services/v2.53/services-list-get-resp.json', 'GET', LIST,
        'latest'),
    Row('versions/versions-get-resp.json', 'GET', '/'),
    Row('versions/v21-version-get-resp.json', 'GET', '/v2.1'),
    Row('versions/v21-version-get-resp.json', 'GET', '/v2.1/'),
] + _put_rows()


def call_app(app, method, path, version=None, body=None):
    """One admin request to an in-process app: (status, decoded body)."""
    req = webob.Request.blank(path, method=method, headers={
        'X-Auth-Token': 'admin:admin', 'Accept': 'application/json'})
    if version:
        req.headers['OpenStack-API-Version'] = 'compute ' + version
    if body is not None:
        req.content_type = 'application/json'
        req.body = json.dumps(body).encode('utf-8')
    response = req.get_response(app)
    return response.status_int, response.json_body if response.body else None


def nova_layout(ctx):
    """Nova's sample services; host1's compute is the one PUTs target."""
    gabbi_fixtures.ServicesFixture().populate(ctx)
    return 'host1'


class LiveAPITestCase(testtools.TestCase, samples.SampleAssertions):
    """An in-process Compute API with the services of ``layout``.

    ``layout(ctx)`` adds services and names the host whose nova-compute
    uuid fills ``{compute_uuid}`` in row paths.
    """

    layout = staticmethod(nova_layout)

    def setUp(self):
        super().setUp()
        self.api = self.useFixture(compute_fixtures.ComputeAPI())
        host = self.layout(self.api.ctx)
        self.path_values = {'compute_uuid': service_obj.get_by_host_and_binary(
            self.api.ctx, host, service_obj.COMPUTE_BINARY).uuid}

    def request(self, method, path, version=None, body=None):
        return call_app(self.api.app, method, path.format(**self.path_values),
                        version, body)

    def send(self, row, body):
        return self.request(row.method, row.path, row.version, body)


class TestNovaSamples(testscenarios.WithScenarios, LiveAPITestCase):

    scenarios = samples.scenarios(ROWS)

    def setUp(self):
        self.skipWithoutReference()
        super().setUp()

    def load_sample(self, name):
        return samples.nova_sample(name)

    def test_same_keys_and_types(self):
        self.check_row(self.row)


class TestDownCellSample(LiveAPITestCase):

    def setUp(self):
        self.skipWithoutReference()
        super().setUp()

    def test_no_minimal_constructs_with_one_cell(self):
        minimal = samples.nova_sample(
            'os-services/v2.69/services-list-get-resp.json')
        live = self.request('GET', LIST, '2.69')[1]
        self.assertNotEqual([], samples.shape_differences(minimal, live))
        self.assertEqual({'enabled', 'disabled'},
                         {s['status'] for s in live['services']})
        for service in live['services']:
            self.assertIn(service['state'], ('up', 'down'))

    def test_a_sample_of_another_version_does_not_match(self):
        # The comparison is strict enough to see the 2.11 and 2.53 changes.
        at_2_10 = self.request('GET', LIST, '2.10')[1]
        at_2_52 = self.request('GET', LIST, '2.52')[1]
        self.assertIn('$.services[0].forced_down: missing (the sample has '
                      'it)', samples.shape_differences(samples.nova_sample(
                          'os-services/v2.11/services-list-get-resp.json'),
                          at_2_10))
        self.assertIn('$.services[0].id: type integer, sample has string',
                      samples.shape_differences(samples.nova_sample(
                          'os-services/v2.53/services-list-get-resp.json'),
                          at_2_52))
