"""The same Bare Metal API requests to real Ironic 39 and to
baremetal-notifier, on the same data; status codes, version headers and
body key sets must agree except where EXPECTED_DIFFERENCES says why not.

Both are real processes with nodes on virtual BMCs (one fleet each, so
one side's power actions never show on the other). The request set is
REQUESTS below, explicit and in order; see tests/fixtures/ironic_diff.py
for what is compared and what is not.
"""

import os
import subprocess

import testtools
from testtools import content

from tests.e2e.ironic_expected_differences import EXPECTED_DIFFERENCES
from tests.fixtures import ironic_diff
from tests.fixtures.ironic_diff import req
from tests.fixtures.ironic_diff import wait
from tests.fixtures import processes
from tests.fixtures import real_ironic
from tests.fixtures import vbmc

N1 = '1be26c0b-03f2-4d2d-ae87-c02d7f33c781'  # created at 1.1: available
N2 = '2f1a5d3e-6c7b-4a8e-9f0d-1b2c3d4e5f60'  # enrolled, managed, provided
N3 = '3a9c8b7d-5e4f-4321-8765-0fedcba98765'  # resource class, deleted
MISSING = '9e8d7c6b-5a49-4837-a261-504f3e2d1c0b'
INSTANCE = 'a6f2a7c8-4f2e-4b7a-9d9f-3c1b2e5d7f10'
NOVA_FIELDS = ('uuid,power_state,target_power_state,provision_state,'
               'target_provision_state,last_error,maintenance,properties,'
               'instance_uuid,traits,resource_class')
JSON = {'Content-Type': 'application/json'}


def _node(uuid, port, **fields):
    body = {'uuid': uuid, 'driver': 'ipmi',
            'driver_info': {'ipmi_address': '127.0.0.1', 'ipmi_port': port,
                            'ipmi_username': vbmc.USERNAME,
                            'ipmi_password': vbmc.PASSWORD}}
    body.update(fields)
    return body


def _settled(body):
    # NOTE: Ironic's conductor clears the target states inside its task and
    # releases the node's lock just after; a request in that gap meets
    # NodeLocked (409), so settled means unlocked too.
    return (body['target_provision_state'] is None
            and body['target_power_state'] is None
            and body.get('reservation') is None)


def requests(ports):
    """REQUESTS with ``ports``: the side's BMC ports for N1, N2, N3."""
    p1, p2, p3 = ports
    node2 = '/v1/nodes/' + N2
    return [
        # -- versions --------------------------------------------------
        req('root', 'GET', '/'),
        req('v1 no version', 'GET', '/v1'),
        req('v1 at 1.42', 'GET', '/v1', '1.42'),
        req('v1 latest', 'GET', '/v1', 'latest'),
        req('nodes at 1.0', 'GET', '/v1/nodes', '1.0'),
        req('nodes at 1.43', 'GET', '/v1/nodes', '1.43'),
        req('nodes at 1.01', 'GET', '/v1/nodes', '1.01'),
        req('nodes at abc', 'GET', '/v1/nodes', 'abc'),
        req('nodes at 2.1', 'GET', '/v1/nodes', '2.1'),
        req('nodes, standard header', 'GET', '/v1/nodes', None, None,
            {'OpenStack-API-Version': 'baremetal 1.42'}),
        # -- create ------------------------------------------------------
        req('create at 1.1', 'POST', '/v1/nodes', '1.1', _node(N1, p1)),
        req('create at 1.42', 'POST', '/v1/nodes', '1.42',
            _node(N2, p2, name='node-2', extra={'rack': 'r1'})),
        req('create with resource_class', 'POST', '/v1/nodes', '1.42',
            _node(N3, p3, name='node-3', resource_class='baremetal')),
        req('create duplicate name', 'POST', '/v1/nodes', '1.42',
            {'name': 'node-2', 'driver': 'ipmi'}),
        req('create duplicate uuid', 'POST', '/v1/nodes', '1.42',
            {'uuid': N2, 'driver': 'ipmi'}),
        req('create unknown driver', 'POST', '/v1/nodes', '1.42',
            {'driver': 'no-such-driver'}),
        req('create without driver', 'POST', '/v1/nodes', '1.42', {}),
        req('create unknown field', 'POST', '/v1/nodes', '1.42',
            {'driver': 'ipmi', 'no_such_field': 1}),
        req('create bad JSON', 'POST', '/v1/nodes', '1.42', b'{"driver":',
            JSON),
        req('create as text/plain', 'POST', '/v1/nodes', '1.42',
            b'{"driver": "ipmi"}', {'Content-Type': 'text/plain'}),
        req('create without content type', 'POST', '/v1/nodes', '1.42',
            b'{"driver": "ipmi"}'),
        req('create name at 1.1', 'POST', '/v1/nodes', '1.1',
            {'driver': 'ipmi', 'name': 'too-early'}),
        # -- read ----------------------------------------------------------
        req('list at 1.1', 'GET', '/v1/nodes', '1.1'),
        req('list at 1.42', 'GET', '/v1/nodes', '1.42'),
        req('detail at 1.1', 'GET', '/v1/nodes/detail', '1.1'),
        req('detail at 1.42', 'GET', '/v1/nodes/detail', '1.42'),
        req('show at 1.1', 'GET', node2, '1.1'),
        req('show at 1.42', 'GET', node2, '1.42'),
        req('show by name', 'GET', '/v1/nodes/node-2', '1.42'),
        req('show unknown', 'GET', '/v1/nodes/' + MISSING, '1.42'),
        req('show unknown name', 'GET', '/v1/nodes/no-such-node', '1.42'),
        req('show fields', 'GET', node2 + '?fields=uuid,power_state',
            '1.42'),
        req('show fields at 1.7', 'GET', node2 + '?fields=uuid', '1.7'),
        req('show Nova driver fields', 'GET', node2 + '?fields='
            + NOVA_FIELDS, '1.42'),
        req('show unknown field', 'GET', node2 + '?fields=uuid,bogus',
            '1.42'),
        req('list fields', 'GET', '/v1/nodes?fields=uuid,name', '1.42'),
        req('detail with fields', 'GET', '/v1/nodes/detail?fields=uuid',
            '1.42'),
        req('filter maintenance', 'GET', '/v1/nodes?maintenance=false',
            '1.42'),
        req('filter associated', 'GET', '/v1/nodes?associated=false',
            '1.42'),
        req('filter provision_state', 'GET',
            '/v1/nodes?provision_state=enroll', '1.42'),
        req('filter driver', 'GET', '/v1/nodes?driver=ipmi', '1.42'),
        req('filter resource_class', 'GET',
            '/v1/nodes?resource_class=baremetal', '1.42'),
        req('filter instance_uuid', 'GET',
            '/v1/nodes?instance_uuid=' + INSTANCE, '1.42'),
        req('filter bad boolean', 'GET', '/v1/nodes?maintenance=perhaps',
            '1.42'),
        req('page limit 1', 'GET', '/v1/nodes?limit=1', '1.42'),
        req('page after marker', 'GET', '/v1/nodes?limit=1&marker=' + N1,
            '1.42'),
        req('page unknown marker', 'GET', '/v1/nodes?marker=' + MISSING,
            '1.42'),
        req('page negative limit', 'GET', '/v1/nodes?limit=-1', '1.42'),
        req('sort by name desc', 'GET',
            '/v1/nodes?sort_key=name&sort_dir=desc', '1.42'),
        req('sort by bad key', 'GET', '/v1/nodes?sort_key=driver_info',
            '1.42'),
        req('states at 1.1', 'GET', node2 + '/states', '1.1'),
        req('states at 1.42', 'GET', node2 + '/states', '1.42'),
        req('Accept text/plain', 'GET', '/v1/nodes', '1.42', None,
            {'Accept': 'text/plain'}),
        # -- PATCH -------------------------------------------------------
        req('patch extra', 'PATCH', node2, '1.42',
            [{'op': 'add', 'path': '/extra/pdu', 'value': 'p4'}]),
        req('patch name', 'PATCH', node2, '1.42',
            [{'op': 'replace', 'path': '/name', 'value': 'node-2b'}]),
        req('patch uuid', 'PATCH', node2, '1.42',
            [{'op': 'replace', 'path': '/uuid', 'value': MISSING}]),
        req('patch unknown path', 'PATCH', node2, '1.42',
            [{'op': 'replace', 'path': '/bogus', 'value': 1}]),
        req('patch bad op', 'PATCH', node2, '1.42',
            [{'op': 'frobnicate', 'path': '/name'}]),
        req('patch not a list', 'PATCH', node2, '1.42',
            {'op': 'add', 'path': '/extra/a', 'value': 1}),
        req('patch remove missing', 'PATCH', node2, '1.42',
            [{'op': 'remove', 'path': '/extra/nothing'}]),
        req('patch unknown node', 'PATCH', '/v1/nodes/' + MISSING, '1.42',
            [{'op': 'add', 'path': '/extra/a', 'value': 1}]),
        req('patch as merge-patch', 'PATCH', node2, '1.42',
            b'{"name": "x"}',
            {'Content-Type': 'application/merge-patch+json'}),
        # -- lifecycle -----------------------------------------------------
        req('power on an enroll node', 'PUT', node2 + '/states/power',
            '1.42', {'target': 'power on'}),
        wait('power action done', node2, _settled),
        req('provide from enroll', 'PUT', node2 + '/states/provision',
            '1.42', {'target': 'provide'}),
        req('manage', 'PUT', node2 + '/states/provision', '1.42',
            {'target': 'manage'}),
        wait('manage done', node2, _settled),
        req('show manageable', 'GET', node2, '1.42'),
        req('provide', 'PUT', node2 + '/states/provision', '1.42',
            {'target': 'provide'}),
        wait('provide done', node2, _settled),
        req('provision bogus target', 'PUT', node2 + '/states/provision',
            '1.42', {'target': 'bogus'}),
        req('adopt from available', 'PUT', node2 + '/states/provision',
            '1.42', {'target': 'adopt'}),
        req('deleted from available', 'PUT',
            node2 + '/states/provision', '1.42', {'target': 'deleted'}),
        req('provision without body', 'PUT', node2 + '/states/provision',
            '1.42', b'', JSON),
        # -- power -----------------------------------------------------
        req('power on', 'PUT', node2 + '/states/power', '1.42',
            {'target': 'power on'}),
        wait('power on done', node2, _settled),
        req('power bogus target', 'PUT', node2 + '/states/power', '1.42',
            {'target': 'warp speed'}),
        req('power timeout at 1.26', 'PUT', node2 + '/states/power',
            '1.26', {'target': 'power on', 'timeout': 10}),
        req('power bad timeout', 'PUT', node2 + '/states/power', '1.42',
            {'target': 'power on', 'timeout': -1}),
        req('power unknown node', 'PUT',
            '/v1/nodes/%s/states/power' % MISSING, '1.42',
            {'target': 'power on'}),
        req('power GET', 'GET', node2 + '/states/power', '1.42'),
        # -- associate ---------------------------------------------------
        req('patch instance_uuid', 'PATCH', node2, '1.42',
            [{'op': 'add', 'path': '/instance_uuid', 'value': INSTANCE}]),
        req('show associated', 'GET', node2 + '?fields=provision_state,'
            'instance_uuid', '1.42'),
        req('delete associated', 'DELETE', node2, '1.42'),
        # -- maintenance ---------------------------------------------------
        req('maintenance on', 'PUT', node2 + '/maintenance', '1.42',
            {'reason': 'fan'}),
        req('show in maintenance', 'GET', node2, '1.42'),
        req('maintenance PATCH', 'PATCH', node2 + '/maintenance', '1.42',
            {'reason': 'x'}),
        req('maintenance off', 'DELETE', node2 + '/maintenance', '1.42'),
        req('maintenance unknown node', 'PUT',
            '/v1/nodes/%s/maintenance' % MISSING, '1.42', {'reason': 'x'}),
        req('patch instance_uuid away', 'PATCH', node2, '1.42',
            [{'op': 'remove', 'path': '/instance_uuid'}]),
        # -- routing -------------------------------------------------------
        req('405 DELETE nodes', 'DELETE', '/v1/nodes', '1.42'),
        req('405 PUT node', 'PUT', node2, '1.42', {'name': 'x'}),
        req('405 POST states', 'POST', node2 + '/states', '1.42', {}),
        req('unknown path', 'GET', '/v1/bogus', '1.42'),
        req('unknown node subpath', 'GET', node2 + '/bogus', '1.42'),
        req('drivers', 'GET', '/v1/drivers', '1.42'),
        req('driver ipmi', 'GET', '/v1/drivers/ipmi', '1.42'),
        req('chassis', 'GET', '/v1/chassis', '1.42'),
        req('ports', 'GET', '/v1/ports', '1.42'),
        req('node ports', 'GET', node2 + '/ports', '1.42'),
        req('node volume', 'GET', node2 + '/volume', '1.42'),
        req('traits', 'GET', node2 + '/traits', '1.42'),
        # -- delete --------------------------------------------------------
        req('delete', 'DELETE', '/v1/nodes/' + N3, '1.42'),
        req('delete again', 'DELETE', '/v1/nodes/' + N3, '1.42'),
        req('list after delete', 'GET', '/v1/nodes', '1.42'),
    ]


# The openstack CLI's node views, pinned to our maximum version (the
# client would negotiate up to Ironic's): their columns must match.
CLI_COMMANDS = {
    'cli node show': ('baremetal', 'node', 'show', N2),
    'cli node list --long': ('baremetal', 'node', 'list', '--long'),
    'cli node show --fields': ('baremetal', 'node', 'show', N2, '--fields',
                               'uuid', 'power_state', 'resource_class'),
}


def cli(url, args):
    """(exit status, {}, stdout) of ``openstack ARGS -f json`` against the
    Bare Metal API at ``url`` without authentication."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    result = subprocess.run(
        [processes.script_path('openstack'), '--os-auth-type', 'none',
         '--os-endpoint', url, '--os-baremetal-api-version', '1.42']
        + list(args) + ['-f', 'json'], env=env, stdin=subprocess.DEVNULL,
        capture_output=True, timeout=120, check=False)
    return result.returncode, {}, result.stdout


def send(url, step):
    headers = {'Accept': 'application/json'}
    headers.update(step.headers or {})
    return real_ironic.http(url + step.path, step.method, step.body,
                            headers, step.version)


class TestIronicDifferential(testtools.TestCase):

    def test_same_answers(self):
        fleets = [self.useFixture(vbmc.FleetFixture(3)).fleet
                  for _side in ('ironic', 'ours')]
        ironic = self.useFixture(real_ironic.RealIronic())
        ours = self.useFixture(real_ironic.NotifierProcess())
        self.addDetail('ironic-startup-seconds', content.text_content(
            '%.1f' % ironic.startup_seconds))
        self.addOnException(lambda _exc: self.addDetail(
            'ironic-log', content.text_content(ironic.log[-20000:])))
        # Each side's nodes point at its own fleet; the request set is the
        # same but for those ports, which are not compared.
        found = ironic_diff.run(
            (ironic.url, requests(fleets[0].ports)),
            (ours.url, requests(fleets[1].ports)), send)
        for name, args in CLI_COMMANDS.items():
            found.extend(ironic_diff.compare(
                name, cli(ironic.url, args), cli(ours.url, args)))
        unexpected = [d for d in found if tuple(d) not in
                      EXPECTED_DIFFERENCES]
        gone = set(EXPECTED_DIFFERENCES) - set(map(tuple, found))
        self.addDetail('differences', content.text_content('\n'.join(
            '%s | %s | %s' % d for d in found)))
        if gone:
            self.addDetail('expected-but-gone', content.text_content(
                '\n'.join(sorted('%s | %s | %s' % key for key in gone))))
        self.assertEqual([], unexpected)
