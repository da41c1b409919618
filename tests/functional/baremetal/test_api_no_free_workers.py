"""A saturated conductor answers a power request with Ironic's 503
NoFreeConductorWorker, through the whole API stack and the real
conductor (fake driver whose actions block), and leaves no reservation."""

import json
import threading

import testtools
import webob

from baremetal_notifier.conductor import manager
from baremetal_notifier.drivers import fake
from tests.fixtures import baremetal

WAIT = 30


class _BlockingDriver(fake.FakePowerDriver):
    """Power actions block until the test sets ``gate``."""

    def __init__(self):
        super().__init__()
        self.gate = threading.Event()
        self.entered = threading.Event()

    def set_power_state(self, target, state, timeout):
        self.entered.set()
        self.gate.wait(WAIT)
        return super().set_power_state(target, state, timeout)


def call(app, method, path, body=None):
    req = webob.Request.blank(path, method=method)
    req.headers['X-OpenStack-Ironic-API-Version'] = 'latest'
    if body is not None:
        req.body = json.dumps(body).encode()
        req.content_type = 'application/json'
    return req.get_response(app)


class SaturatedConductorTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.driver = _BlockingDriver()

        def conductor(conf, db):
            return manager.ConductorManager(conf, db, self.driver,
                                            sync_deadline=5.0)

        self.api = self.useFixture(baremetal.BaremetalAPI(
            conductor=conductor, **{
                'conductor.workers_pool_size': 1,
                'conductor.sync_power_state_interval': 0,
                'conductor.power_failure_recovery_interval': 0}))
        # Before the fixture's cleanup, which waits for running actions.
        self.addCleanup(self.driver.gate.set)
        baremetal.add_node(self.api.ctx, 'busy', power_state='power off')
        baremetal.add_node(self.api.ctx, 'refused', power_state='power off')

    def power(self, name):
        return call(self.api.app, 'PUT', '/v1/nodes/%s/states/power' % name,
                    {'target': 'power on'})

    def test_503_with_ironics_body_and_no_reservation_left(self):
        self.assertEqual(202, self.power('busy').status_int)
        self.assertTrue(self.driver.entered.wait(WAIT))

        response = self.power('refused')
        self.assertEqual(503, response.status_int, response.text)
        self.assertEqual({
            'faultstring': 'Requested action cannot be performed due to '
                           'lack of free conductor workers.',
            'faultcode': 'Server',
            'debuginfo': None,
        }, json.loads(response.json['error_message']))
        node = call(self.api.app, 'GET', '/v1/nodes/refused').json
        self.assertEqual((None, None, 'power off',
                          'No free conductor workers available'),
                         (node['reservation'], node['target_power_state'],
                          node['power_state'], node['last_error']))
        # The busy node still holds its lock for its running action.
        self.assertEqual(
            self.api.conf.host,
            call(self.api.app, 'GET', '/v1/nodes/busy').json['reservation'])

        # A retry once a worker is free (what ironicclient does) succeeds.
        self.driver.gate.set()
        self.assertEqual(0, self.api.conductor.actions.wait(WAIT))
        self.assertEqual(202, self.power('refused').status_int)
        self.assertEqual(0, self.api.conductor.actions.wait(WAIT))
        node = call(self.api.app, 'GET', '/v1/nodes/refused').json
        self.assertEqual((None, None, 'power on', None),
                         (node['reservation'], node['target_power_state'],
                          node['power_state'], node['last_error']))
