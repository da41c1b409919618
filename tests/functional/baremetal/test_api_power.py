"""PUT /v1/nodes/{node_ident}/states/power with the real conductor, the
IPMI driver and a virtual BMC over UDP on loopback."""

import json
import time

import testtools
import webob

from baremetal_notifier.conductor import action_api
from baremetal_notifier.drivers import fake
from baremetal_notifier.drivers import ipmi
from baremetal_notifier import exception
from baremetal_notifier.objects import node_actions
from baremetal_notifier.objects import nodes as node_obj
from baremetal_notifier.cmd import service
from tests.fixtures import baremetal
from tests.fixtures import vbmc as vbmc_fixtures

manager = service.optional_module(service.CONDUCTOR_MODULE)
# Bound on waiting for a background action; passing tests take far less.
SETTLE_SECONDS = 20


def call(app, method, path, body=None):
    req = webob.Request.blank(path, method=method)
    req.headers['X-OpenStack-Ironic-API-Version'] = 'latest'
    if body is not None:
        req.body = json.dumps(body).encode()
        req.content_type = 'application/json'
    return req.get_response(app)


class NoConductorTest(testtools.TestCase):
    """An API without a conductor in its process (the API-only shape)."""

    def test_power_is_queued_for_a_conductor_process(self):
        api = self.useFixture(baremetal.BaremetalAPI(conductor=None))
        node = baremetal.add_node(api.ctx, 'n1', power_state='power off')
        response = call(api.app, 'PUT', '/v1/nodes/n1/states/power',
                        {'target': 'power on'})
        self.assertEqual(202, response.status_int, response.text)
        row = node_obj.get_by_name(api.ctx, 'n1')
        self.assertEqual(('power on', node_actions.QUEUE_HOLDER),
                         (row.target_power_state, row.reservation))
        # Ironic's synchronous checks still answer at once.
        response = call(api.app, 'PUT', '/v1/nodes/n1/states/power',
                        {'target': 'power off'})
        self.assertEqual(409, response.status_int, response.text)
        # A conductor on the same database carries it out, once.
        driver = fake.FakePowerDriver()
        conductor = manager.ConductorManager(api.conf, api.db, driver)
        conductor.start()
        self.addCleanup(conductor.stop, timeout=5)
        deadline = time.monotonic() + SETTLE_SECONDS
        while node_obj.get_by_name(api.ctx, 'n1').reservation is not None:
            self.assertLess(time.monotonic(), deadline, 'not carried out')
            time.sleep(0.05)
        row = node_obj.get_by_name(api.ctx, 'n1')
        self.assertEqual(('power on', None, None),
                         (row.power_state, row.target_power_state,
                          row.last_error))
        self.assertEqual([('set', node.uuid, 'power on')],
                         [c for c in driver.calls if c[0] == 'set'])


@testtools.skipIf(manager is None, '%s is not there yet'
                  % service.CONDUCTOR_MODULE)
class RealConductorTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.fleet = self.useFixture(vbmc_fixtures.FleetFixture(1)).fleet

        def conductor(conf, db):
            return manager.ConductorManager(conf, db, ipmi.IPMIPowerDriver(
                login_timeout=1.0, command_timeout=1.0, attempts=1))

        self.api = self.useFixture(baremetal.BaremetalAPI(
            conductor=conductor, **{
                'conductor.sync_power_state_interval': 0,
                'conductor.power_failure_recovery_interval': 0,
                'conductor.power_state_change_timeout': 5}))
        response = call(self.api.app, 'POST', '/v1/nodes', {
            'name': 'n1', 'driver': 'ipmi', 'driver_info': {
                'ipmi_address': '127.0.0.1',
                'ipmi_port': self.fleet.ports[0],
                'ipmi_username': vbmc_fixtures.USERNAME,
                'ipmi_password': vbmc_fixtures.PASSWORD}})
        self.assertEqual(201, response.status_int, response.text)

    def settle(self):
        """The node once its action is over (no target, no lock)."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            node = node_obj.get_by_name(self.api.ctx, 'n1')
            if node.target_power_state is None and node.reservation is None:
                return node
            if time.monotonic() > deadline:
                self.fail('the power action did not end: %s' % node)
            time.sleep(0.05)

    def test_power_on_and_off_reach_the_bmc(self):
        for target, expected in (('power on', True), ('power off', False)):
            response = call(self.api.app, 'PUT',
                            '/v1/nodes/n1/states/power', {'target': target})
            self.assertEqual(202, response.status_int, response.text)
            node = self.settle()
            self.assertEqual((target, None), (node.power_state,
                                              node.last_error))
            self.assertEqual(expected, self.fleet.get_power(0))
        states = call(self.api.app, 'GET', '/v1/nodes/n1/states').json
        self.assertEqual('power off', states['power_state'])

    def test_a_node_busy_with_an_action_is_409(self):
        self.fleet.set_fault(0, hang=True)
        first = call(self.api.app, 'PUT', '/v1/nodes/n1/states/power',
                     {'target': 'power on'})
        self.assertEqual(202, first.status_int)
        second = call(self.api.app, 'PUT', '/v1/nodes/n1/states/power',
                      {'target': 'power off'})
        self.assertEqual(409, second.status_int)
        self.assertIn('is locked by host', second.json['error_message'])
        node = self.settle()
        self.assertIsNotNone(node.last_error)

    def test_a_target_the_driver_lacks_is_400(self):
        response = call(self.api.app, 'PUT', '/v1/nodes/n1/states/power',
                        {'target': 'soft rebooting'})
        self.assertEqual(400, response.status_int, response.text)
        self.assertIn('soft rebooting', response.json['error_message'])

    def test_the_conductor_raises_the_apis_exceptions(self):
        self.assertRaises(exception.NodeNotFound,
                          action_api.in_process(
                              self.api.conductor).change_node_power_state,
                          self.api.ctx, '00000000-0000-4000-8000-00000000dead',
                          'power on')
