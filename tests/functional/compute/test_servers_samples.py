"""Live servers, instance actions and external events responses against
Nova's published samples: the same keys and value types.

Nova's server samples describe a virtual machine with an image, ports,
metadata and volumes; a bare metal server here has none of those, and
``as_bare_metal`` turns each sample into what Nova itself returns for
such a server (see its docstring) before the comparison. The samples are
the admin view (OS-EXT-SRV-ATTR:*, host_status), so the requests are an
admin's.
"""

import copy

import testscenarios
import testtools

from compute_ext.objects import instance_actions as action_obj
from tests.fixtures import samples
from tests.fixtures.samples import Row
from tests.functional.compute import gabbi_fixtures
from tests.functional.compute import test_services_samples as live

SERVER = gabbi_fixtures.ADMIN_ACTIVE
REQUEST_ID = 'req-e0a7ed34-899c-4b4d-8637-11ca627346ef'
# The admin's own ACTIVE server only; limit=1 makes a full page, which
# gets the servers_links the list samples show.
ACTIVE = '?status=ACTIVE'
# Values a bare metal server here never has, where Nova's sample shows one
# (no root device hint, no user data, never locked).
NULL_HERE = ('OS-EXT-SRV-ATTR:root_device_name', 'OS-EXT-SRV-ATTR:user_data',
             'locked_reason')


def as_bare_metal(sample, drop=()):
    """Nova's sample as Nova would answer for a server without an image,
    ports, metadata or extra specs: image "", addresses and metadata {},
    no security_groups key (Nova leaves it out when a server has no
    ports), extra_specs {}, and the NULL_HERE values null. ``drop`` names
    keys the requested microversion does not have yet.
    """
    sample = copy.deepcopy(sample)
    servers = sample['servers'] if 'servers' in sample else [sample['server']]
    for server in servers:
        for key, value in (('image', ''), ('addresses', {}),
                           ('metadata', {})):
            if key in server:
                server[key] = value
        server.pop('security_groups', None)
        if 'extra_specs' in server.get('flavor', {}):
            server['flavor']['extra_specs'] = {}
        for key in NULL_HERE:
            if key in server:
                server[key] = None
        for key in drop:
            server.pop(key, None)
    return sample


def servers_layout(ctx):
    """The gabbi servers layout, and a stop with its event on SERVER."""
    gabbi_fixtures.ServersFixture().populate(ctx)
    action_id = action_obj.action_start(ctx, SERVER, 'stop', REQUEST_ID,
                                        'admin', 'admin')
    action_obj.event_start(ctx, action_id, 'compute_stop_instance', 'host1')
    action_obj.event_finish(ctx, action_id, 'compute_stop_instance',
                            action_obj.SUCCESS)
    return 'host1'


def _server_rows():
    show = '/v2.1/servers/' + SERVER
    rows = []
    for prefix, versions in (('', ('2.1', '2.2')),
                             ('v2.47/', ('2.47', '2.62')),
                             ('v2.73/', ('2.73', '2.76', 'latest'))):
        for version in versions:
            rows.append(Row('servers/%sserver-get-resp.json' % prefix, 'GET',
                            show, version))
            limit = '' if prefix == 'v2.73/' else '&limit=1'
            rows.append(Row('servers/%sservers-details-resp.json' % prefix,
                            'GET', '/v2.1/servers/detail' + ACTIVE + limit,
                            version))
    for prefix, version in (('', '2.1'), ('v2.47/', '2.47'),
                            ('v2.47/', '2.76')):
        rows.append(Row('servers/%sservers-list-resp.json' % prefix, 'GET',
                        '/v2.1/servers' + ACTIVE + '&limit=1', version))
    return rows


# Between the published versions: the 2.73 sample less what came later.
BETWEEN = [
    (('locked_reason',), 'servers/v2.73/server-get-resp.json', '2.71'),
    (('locked_reason',), 'servers/v2.73/server-get-resp.json', '2.72'),
    (('locked_reason', 'server_groups'),
     'servers/v2.73/server-get-resp.json', '2.63'),
    (('locked_reason', 'server_groups'),
     'servers/v2.73/server-get-resp.json', '2.69'),
    (('locked_reason',), 'servers/v2.73/servers-details-resp.json', '2.69'),
]

ACTIONS = '/v2.1/servers/%s/os-instance-actions' % SERVER
ACTION_ROWS = [
    row for prefix, version in (('', '2.1'), ('v2.21/', '2.21'),
                                ('v2.51/', '2.51'), ('v2.58/', '2.58'),
                                ('v2.62/', '2.62'), ('v2.66/', '2.66'),
                                ('v2.66/', '2.76'))
    for row in (
        Row('os-instance-actions/%sinstance-actions-list-resp.json' % prefix,
            'GET', ACTIONS, version),
        Row('os-instance-actions/%sinstance-action-get-resp.json' % prefix,
            'GET', ACTIONS + '/' + REQUEST_ID, version))]

ROWS = _server_rows() + ACTION_ROWS


class ServersSampleTestCase(live.LiveAPITestCase):

    layout = staticmethod(servers_layout)

    def setUp(self):
        self.skipWithoutReference()
        super().setUp()

    def load_sample(self, name):
        sample = samples.nova_sample(name)
        return as_bare_metal(sample) if name.startswith('servers/') else sample


class TestNovaSamples(testscenarios.WithScenarios, ServersSampleTestCase):

    scenarios = samples.scenarios(ROWS)

    def test_same_keys_and_types(self):
        self.check_row(self.row)


class TestBetweenSamples(testscenarios.WithScenarios, ServersSampleTestCase):

    scenarios = [('%s at %s' % (name, version),
                  {'drop': drop, 'sample': name, 'version': version})
                 for drop, name, version in BETWEEN]

    def test_same_keys_and_types(self):
        path = ('/v2.1/servers/' + SERVER if 'server-get' in self.sample
                else '/v2.1/servers/detail' + ACTIVE)
        status, body = self.request('GET', path, self.version)
        self.assertEqual(200, status)
        self.assertSameShape(
            as_bare_metal(samples.nova_sample(self.sample), self.drop), body)


class TestOtherSamples(ServersSampleTestCase):

    def test_down_cell_constructs_are_a_subset(self):
        # 2.69's samples show a server of an unreachable cell; with one
        # cell a server keeps its whole shape, which has those keys too.
        minimal = samples.nova_sample('servers/v2.69/server-get-resp.json')
        body = self.request('GET', '/v2.1/servers/' + SERVER, '2.69')[1]
        server = {k: v for k, v in body['server'].items() if k in
                  minimal['server']}
        self.assertSameShape(as_bare_metal(minimal), {'server': server})

    def test_start_and_stop_request_samples(self):
        for name, server in (('stop', SERVER),
                             ('start', gabbi_fixtures.ADMIN_STOPPED)):
            status, body = self.request(
                'POST', '/v2.1/servers/%s/action' % server, '2.76',
                samples.nova_sample('servers/server-action-%s.json' % name))
            self.assertEqual((202, None), (status, body))

    def test_event_create_response(self):
        status, body = self.request(
            'POST', '/v2.1/os-server-external-events', '2.1',
            {'events': [{'name': 'network-changed', 'server_uuid': SERVER,
                         'status': 'completed', 'tag': 'foo'}]})
        self.assertEqual(200, status)
        self.assertSameShape(samples.nova_sample(
            'os-server-external-events/event-create-resp.json'), body)

    def test_the_event_request_sample_is_refused_as_by_nova(self):
        # Its name, test-event, is not in Nova's own enum.
        status, body = self.request(
            'POST', '/v2.1/os-server-external-events', '2.1',
            samples.nova_sample(
                'os-server-external-events/event-create-req.json'))
        self.assertEqual(400, status)
        self.assertIn("'test-event' is not one of",
                      body['badRequest']['message'])


class TestTheComparisonIsStrict(testtools.TestCase, samples.SampleAssertions):

    def setUp(self):
        self.skipWithoutReference()
        super().setUp()

    def test_a_missing_or_retyped_key_is_seen(self):
        sample = samples.nova_sample('servers/v2.73/server-get-resp.json')
        live_like = as_bare_metal(sample)
        del live_like['server']['locked_reason']
        live_like['server']['OS-EXT-STS:power_state'] = 'running'
        problems = samples.shape_differences(as_bare_metal(sample),
                                             live_like)
        self.assertIn('$.server.locked_reason: missing (the sample has it)',
                      problems)
        self.assertIn('$.server.OS-EXT-STS:power_state: type string, '
                      'sample has integer', problems)
