"""Power actions requested through the API, with the fake driver."""

import json
import threading

import fixtures
import testtools

from baremetal_notifier.conductor import action_api
from baremetal_notifier.drivers import base
from baremetal_notifier.drivers import fake
from baremetal_notifier import exception
from baremetal_notifier.objects import node_power
from tests.fixtures import conductor as cf

ON, OFF = base.POWER_ON, base.POWER_OFF
INSTANCE = '0b8f7c9e-3a2d-4e5f-8a1b-6c7d8e9f0a1b'


class _GatedDriver(fake.FakePowerDriver):
    """Actions wait until the test opens the gate, so a test sees the node
    while its action is running (no sleeps, no timing)."""

    def __init__(self):
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def set_power_state(self, target, state, timeout):
        self.entered.set()
        self.gate.wait(30)
        return super().set_power_state(target, state, timeout)


class ActionTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(fixtures.FakeLogger(level='DEBUG'))
        self.cf = self.useFixture(cf.ConductorFixture(driver=_GatedDriver()))
        self.driver = self.cf.driver
        self.conductor = self.cf.manager
        self.node = self.cf.add_node(instance_uuid=INSTANCE, power_state=OFF)

    def change(self, target, timeout=None, node=None):
        action_api.in_process(self.conductor).change_node_power_state(
            None, node or self.node, target, timeout)

    def finish(self):
        self.assertEqual(0, self.conductor.actions.wait(10))
        return self.cf.node(self.node)


class TestActions(ActionTestCase):

    def test_power_on_runs_under_lock_with_target(self):
        self.assertEqual(1, self.conductor.sync_power_states().nodes)
        self.driver.gate.clear()
        self.change(ON)
        self.driver.entered.wait(10)
        row = self.cf.node(self.node)
        self.assertEqual((OFF, ON, cf.HOST, None),
                         (row['power_state'], row['target_power_state'],
                          row['reservation'], row['last_error']))
        # Meanwhile the sync leaves the node alone (its target is set),
        # and keeps the BMC session the action is using.
        self.assertEqual(0, self.conductor.sync_power_states().nodes)
        self.assertEqual([], self.driver.forgotten)
        self.driver.gate.set()
        row = self.finish()
        self.assertEqual((ON, None, None, None),
                         (row['power_state'], row['target_power_state'],
                          row['reservation'], row['last_error']))
        self.assertEqual([(self.node, INSTANCE, 'POWER_ON')],
                         self.cf.events())
        self.assertEqual(ON, self.driver.get_state(self.node))

    def test_second_action_while_running_is_locked(self):
        self.driver.gate.clear()
        self.change(ON)
        exc = self.assertRaises(exception.NodeLocked, self.change, OFF)
        self.assertIn('locked by host %s' % cf.HOST, str(exc))
        self.driver.gate.set()
        self.assertEqual(ON, self.finish()['power_state'])
        self.assertEqual([('set', self.node, ON)],
                         [c for c in self.driver.calls if c[0] == 'set'])

    def test_reboot_targets_power_on(self):
        self.driver.gate.clear()
        self.change(base.REBOOT)
        self.driver.entered.wait(10)
        self.assertEqual(ON, self.cf.node(self.node)['target_power_state'])
        self.driver.gate.set()
        self.assertEqual(ON, self.finish()['power_state'])
        self.assertEqual(['POWER_ON'], [e[2] for e in self.cf.events()])

    def test_soft_power_off(self):
        self.cf.update_node(self.node, power_state=ON)
        self.driver.set_state(self.node, ON)
        self.change(base.SOFT_POWER_OFF)
        self.assertEqual(OFF, self.finish()['power_state'])
        self.assertEqual(['POWER_OFF'], [e[2] for e in self.cf.events()])

    def test_failure_is_recorded_and_lock_released(self):
        self.driver.fail_actions(self.node, 'BMC refused the command')
        self.change(ON)
        row = self.finish()
        self.assertEqual((OFF, None, None),
                         (row['power_state'], row['target_power_state'],
                          row['reservation']))
        self.assertEqual("Failed to change power state to 'power on' by "
                         "'power on'. Error: node %s: BMC refused the command"
                         % self.node, row['last_error'])
        self.assertEqual([], self.cf.events())

    def test_timeout_is_honoured(self):
        self.driver.hang(self.node)
        self.change(ON, timeout=0.01)
        row = self.finish()
        self.assertIn('no answer within 0.0 s', row['last_error'])
        self.assertIsNone(row['target_power_state'])

    def test_success_clears_an_earlier_error(self):
        self.cf.update_node(self.node, last_error='an old failure')
        self.change(ON)
        self.assertIsNone(self.finish()['last_error'])


class TestRefusals(ActionTestCase):

    def assertUntouched(self):
        row = self.cf.node(self.node)
        self.assertEqual((OFF, None, None),
                         (row['power_state'], row['target_power_state'],
                          row['reservation']))
        self.assertEqual([], self.driver.calls)

    def test_unknown_target(self):
        exc = self.assertRaises(exception.InvalidStateRequested, self.change,
                                'explode')
        self.assertEqual(400, exc.code)
        self.assertEqual('The requested action "explode" can not be '
                         'performed on node "%s" while it is in state '
                         '"power off".' % self.node, str(exc))
        self.assertUntouched()

    def test_unknown_node(self):
        for target in (ON, 'explode'):
            self.assertRaises(exception.NodeNotFound, self.change, target,
                              node='6a1c4e0e-0000-4000-8000-000000000000')

    def test_bad_timeouts(self):
        for timeout in (0, -1, 'soon', True):
            self.assertRaises(exception.InvalidParameterValue, self.change,
                              ON, timeout)
        self.assertUntouched()

    def test_invalid_driver_info_releases_the_lock(self):
        self.cf.update_node(self.node, driver_info=json.dumps(
            {'ipmi_address': '192.0.2.1', 'ipmi_port': 'x',
             'ipmi_password': cf.PASSWORD}))
        exc = self.assertRaises(exception.InvalidParameterValue, self.change,
                                ON)
        self.assertIn('ipmi_port', str(exc))
        self.assertNotIn(cf.PASSWORD, str(exc))
        self.assertUntouched()

    def test_locked_by_another_conductor(self):
        self.cf.update_node(self.node, reservation='conductor-2')
        exc = self.assertRaises(exception.NodeLocked, self.change, ON)
        self.assertIn('conductor-2', str(exc))
        self.assertEqual('conductor-2', self.cf.node(self.node)['reservation'])

    def test_node_being_cleaned(self):
        self.cf.update_node(self.node, provision_state='clean wait')
        self.assertRaises(exception.InvalidStateRequested, self.change, ON)
        self.assertIsNone(self.cf.node(self.node)['reservation'])


class TestStop(ActionTestCase):

    def test_stop_aborts_an_action_past_the_bound(self):
        self.driver.gate.clear()
        self.change(ON)
        self.driver.entered.wait(10)
        self.conductor.stop(timeout=0)
        row = self.cf.node(self.node)
        self.assertEqual((None, None, node_power.ABORTED_BY_RESTART),
                         (row['reservation'], row['target_power_state'],
                          row['last_error']))
        # The late result loses its compare-and-swap: no write, no event.
        self.driver.gate.set()
        self.conductor.actions.wait(10)
        self.assertEqual(OFF, self.cf.node(self.node)['power_state'])
        self.assertEqual([], self.cf.events())
