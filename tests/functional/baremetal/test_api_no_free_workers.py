"""A saturated conductor: a power request is still accepted (202), waits
in the action queue with its node reserved, and is carried out once a
worker is free; through the whole API stack and the real conductor (fake
driver whose actions block)."""

import json
import threading
import time

import testtools
import webob

from baremetal_notifier.conductor import manager
from baremetal_notifier.drivers import fake
from baremetal_notifier.objects import node_actions
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
                'conductor.action_poll_interval': 0.1,
                'conductor.sync_power_state_interval': 0,
                'conductor.power_failure_recovery_interval': 0}))
        # Before the fixture's cleanup, which waits for running actions.
        self.addCleanup(self.driver.gate.set)
        baremetal.add_node(self.api.ctx, 'busy', power_state='power off')
        baremetal.add_node(self.api.ctx, 'waiting', power_state='power off')

    def power(self, name, target='power on'):
        return call(self.api.app, 'PUT', '/v1/nodes/%s/states/power' % name,
                    {'target': target})

    def node(self, name):
        return call(self.api.app, 'GET', '/v1/nodes/%s' % name).json

    def test_queued_until_a_worker_is_free_then_carried_out(self):
        self.assertEqual(202, self.power('busy').status_int)
        self.assertTrue(self.driver.entered.wait(WAIT))

        response = self.power('waiting')
        self.assertEqual(202, response.status_int, response.text)
        node = self.node('waiting')
        self.assertEqual((node_actions.QUEUE_HOLDER, 'power on', 'power off',
                          None),
                         (node['reservation'], node['target_power_state'],
                          node['power_state'], node['last_error']))
        # Reserved for its queued action: another request is Ironic's 409.
        second = self.power('waiting', 'power off')
        self.assertEqual(409, second.status_int)
        self.assertIn('is locked by host %s' % node_actions.QUEUE_HOLDER,
                      second.json['error_message'])
        # The busy node holds its conductor's lock for its running action.
        self.assertEqual(self.api.conf.host, self.node('busy')['reservation'])

        self.driver.gate.set()
        deadline = time.monotonic() + WAIT
        while self.node('waiting')['power_state'] != 'power on':
            self.assertLess(time.monotonic(), deadline, 'never carried out')
            time.sleep(0.05)
        self.assertEqual(0, self.api.conductor.actions.wait(WAIT))
        for name in ('busy', 'waiting'):
            node = self.node(name)
            self.assertEqual((None, None, 'power on', None),
                             (node['reservation'], node['target_power_state'],
                              node['power_state'], node['last_error']))
        sets = [c for c in self.driver.calls if c[0] == 'set']
        self.assertEqual(2, len(sets), sets)
