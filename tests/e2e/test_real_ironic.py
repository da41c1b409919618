"""Real Ironic 39 in the place of baremetal-notifier, against this
project's virtual BMCs (real IPMI over UDP, Ironic's ipmitool) and real
compute-ext-api and compute-ext-compute processes:

- nodes are enrolled as an operator does (create with driver ipmi and
  its ipmi_* driver_info, manage, provide);
- ``compute-ext-manage server create`` associates a node in Ironic;
- Ironic's own notifier ([nova] send_power_notifications) turns a BMC
  flipped off and on into servers SHUTOFF and ACTIVE;
- a server stop and start (the HTTP of ``openstack server stop/start``)
  is carried out by the agent through Ironic down to the BMC.
"""

import json
import subprocess

import fixtures
from testtools import content
import testtools

from compute_ext.compute import power_update
from compute_ext.objects import instance_actions
from tests.fixtures import processes
from tests.fixtures import real_ironic
from tests.fixtures import vbmc
from tests.fixtures.waiting import wait_for

TEST_TIMEOUT = 300
# Ironic's conductor takes a few IPMI round trips and its sync interval.
SOON = 60


class TestRealIronic(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(TEST_TIMEOUT, gentle=True))
        self.fleet = self.useFixture(vbmc.FleetFixture(2)).fleet
        self.compute = self.useFixture(processes.LiveCompute())
        self.ironic = self.useFixture(real_ironic.RealIronic(
            compute_endpoint=self.compute.endpoint, sync_interval=1))
        self.addDetail('ironic-startup-seconds', content.text_content(
            '%.1f' % self.ironic.startup_seconds))
        self.addOnException(self._attach_logs)
        # compute-ext-api is up; its agents and manage commands read the
        # same file, now with the Bare Metal client pointed at Ironic and
        # no periodic power sync of their own: what changes a server's
        # power state here is Ironic's event or the agent's own action.
        with open(self.compute.config, 'a', encoding='utf-8') as conf:
            conf.write('[DEFAULT]\nsync_power_state_interval = 0\n'
                       '[baremetal]\nauth_type = none\n'
                       'endpoint_override = %s\napi_retry_interval = 0.5\n'
                       % self.ironic.url)

    def _attach_logs(self, _exc_info):
        self.addDetail('ironic-log', content.text_content(
            self.ironic.log[-30000:]))
        self.addDetail('compute-api-log', content.text_content(
            self.compute.api.log[-20000:]))

    # -- Ironic, as an operator drives it --------------------------------

    def ironic_call(self, method, path, body=None):
        status, _headers, raw = real_ironic.http(
            self.ironic.url + path, method, body,
            {'Accept': 'application/json'}, version='1.42')
        return status, raw

    def node(self, uuid):
        status, raw = self.ironic_call('GET', '/v1/nodes/' + uuid)
        self.assertEqual(200, status, raw)
        return json.loads(raw)

    def settled(self, uuid, **expected):
        """Wait until the node has no target state and shows ``expected``;
        the node."""
        def reached():
            node = self.node(uuid)
            return (node['target_provision_state'] is None
                    and node['target_power_state'] is None
                    and all(node[k] == v for k, v in expected.items())
                    and node)
        return wait_for(reached, 'node %s to show %s' % (uuid, expected),
                        timeout=SOON, interval=0.2,
                        seen=lambda: self.node(uuid))

    def enroll(self, index):
        status, raw = self.ironic_call('POST', '/v1/nodes', {
            'name': 'bm-%d' % index, 'driver': 'ipmi',
            'driver_info': {'ipmi_address': '127.0.0.1',
                            'ipmi_port': self.fleet.ports[index],
                            'ipmi_username': vbmc.USERNAME,
                            'ipmi_password': vbmc.PASSWORD}})
        self.assertEqual(201, status, raw)
        node = json.loads(raw)
        self.assertEqual('enroll', node['provision_state'])
        for target, state in (('manage', 'manageable'),
                              ('provide', 'available')):
            status, raw = self.ironic_call(
                'PUT', '/v1/nodes/%s/states/provision' % node['uuid'],
                {'target': target})
            self.assertEqual(202, status, raw)
            self.settled(node['uuid'], provision_state=state)
        return node['uuid']

    # -- the Compute side ------------------------------------------------

    def server(self, uuid):
        status, _headers, body = processes.request(
            '%s/servers/%s' % (self.compute.endpoint, uuid))
        self.assertEqual(200, status, body)
        return body['server']

    def wait_server(self, uuid, status):
        def reached():
            server = self.server(uuid)
            return (server['status'] == status
                    and server['OS-EXT-STS:task_state'] is None)
        wait_for(reached, 'server %s to be %s' % (uuid, status),
                 timeout=SOON, interval=0.2,
                 seen=lambda: self.server(uuid)['status'])

    def event_actions(self, instance_uuid):
        """The actions recorded for power-update events, oldest first."""
        ctx = self.compute.ctx
        return [a.action for a in reversed(
            instance_actions.get_all(ctx, instance_uuid, limit=50))
            if any(e.event == power_update.ACTION_EVENT for e in
                   instance_actions.get_events(ctx, a.id))]

    def server_create(self, name, node_uuid):
        result = subprocess.run(
            processes.console_script('compute-ext-manage')
            + ['--config-file', self.compute.config, 'server', 'create',
               '--name', name, '--node', node_uuid],
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=120, check=False)
        self.assertEqual(0, result.returncode, result.stderr)
        return result.stdout.strip().splitlines()[-1]

    def power_requests(self, node_uuid):
        """PUT .../states/power requests in Ironic's access log."""
        return self.ironic.log.count(
            'PUT /v1/nodes/%s/states/power' % node_uuid)

    # -- the test ----------------------------------------------------------

    def test_ironic_with_compute(self):
        self.fleet.set_power(0, True)
        node = self.enroll(0)
        self.assertEqual('power on', self.node(node)['power_state'])
        self.compute.start_agents('host-a')

        # server create associates the node in Ironic.
        server = self.server_create('bm-server', node)
        self.assertEqual(server, self.node(node)['instance_uuid'])
        self.wait_server(server, 'ACTIVE')

        # Ironic's notifier: the BMC flipped behind everyone's back.
        for on, status, action in ((False, 'SHUTOFF', 'stop'),
                                   (True, 'ACTIVE', 'start')):
            before = self.event_actions(server)
            self.fleet.set_power(0, on)
            self.wait_server(server, status)
            self.assertEqual(before + [action], self.event_actions(server))
            self.assertEqual('power %s' % ('on' if on else 'off'),
                             self.node(node)['power_state'])

        # The agent: server stop/start through Ironic to the BMC.
        for verb, status, on in (('os-stop', 'SHUTOFF', False),
                                 ('os-start', 'ACTIVE', True)):
            requests = self.power_requests(node)
            code, _headers, body = processes.request(
                '%s/servers/%s/action' % (self.compute.endpoint, server),
                'POST', {verb: None})
            self.assertEqual(202, code, body)
            self.wait_server(server, status)
            wait_for(lambda on=on: self.fleet.get_power(0) == on,
                     'the BMC to be %s' % ('on' if on else 'off'),
                     timeout=SOON)
            self.settled(node, power_state='power %s'
                         % ('on' if on else 'off'))
            self.assertEqual(requests + 1, self.power_requests(node))
        # Ironic's event for the agent's own change is a no-op: nothing
        # flapped back.
        self.assertEqual('ACTIVE', self.server(server)['status'])
        self.assertTrue(self.fleet.get_power(0))
