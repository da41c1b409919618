"""The in-memory power driver used by conductor tests."""

import time

import testtools

from baremetal_notifier import drivers
from baremetal_notifier.drivers import base
from baremetal_notifier.drivers import fake


def _target(key):
    return base.BmcTarget(key=key, address='192.0.2.1', password='pw')


class TestFakePowerDriver(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.driver = fake.FakePowerDriver()
        self.driver.start()
        self.addCleanup(self.driver.stop)

    def test_is_a_power_driver(self):
        self.assertIsInstance(self.driver, base.PowerDriver)
        self.assertIsInstance(drivers.load_driver('fake'),
                              fake.FakePowerDriver)
        self.assertRaises(ValueError, drivers.load_driver, 'nope')

    def test_default_and_set_states(self):
        self.driver.set_state('b', base.POWER_ON)
        readings = self.driver.get_power_states(
            [_target('a'), _target('b')], 1.0)
        self.assertEqual(base.PowerReading.ok(base.POWER_OFF), readings['a'])
        self.assertEqual(base.PowerReading.ok(base.POWER_ON), readings['b'])
        self.assertEqual([('get', ('a', 'b'))], self.driver.calls)

    def test_set_state_rejects_actions(self):
        self.assertRaises(ValueError, self.driver.set_state, 'a',
                          base.REBOOT)

    def test_read_errors(self):
        self.driver.fail_reads('a', 'no route to BMC')
        reading = self.driver.get_power_state(_target('a'), 1.0)
        self.assertEqual(base.PowerReading.failed('no route to BMC'),
                         reading)
        self.driver.fail_reads('a', None)
        self.assertEqual(base.POWER_OFF,
                         self.driver.get_power_state(_target('a'), 1).state)

    def test_hung_node_fails_by_deadline_only(self):
        self.driver.hang('a')
        start = time.monotonic()
        readings = self.driver.get_power_states(
            [_target('a'), _target('b')], 0.05)
        self.assertLess(time.monotonic() - start, 1.0)
        self.assertIsNone(readings['a'].state)
        self.assertIn('deadline', readings['a'].error)
        self.assertEqual(base.POWER_OFF, readings['b'].state)

    def test_latency(self):
        self.driver.set_latency('a', 0.05)
        start = time.monotonic()
        readings = self.driver.get_power_states([_target('a')], 1.0)
        self.assertGreaterEqual(time.monotonic() - start, 0.04)
        self.assertEqual(base.POWER_OFF, readings['a'].state)
        self.assertIsNotNone(
            self.driver.get_power_states([_target('a')], 0.01)['a'].error)

    def test_actions(self):
        self.assertEqual(base.POWER_ON, self.driver.set_power_state(
            _target('a'), base.POWER_ON, 1))
        self.assertEqual(base.POWER_ON, self.driver.get_state('a'))
        self.assertEqual(base.POWER_ON, self.driver.set_power_state(
            _target('a'), base.REBOOT, 1))
        self.assertEqual(base.POWER_OFF, self.driver.set_power_state(
            _target('a'), base.POWER_OFF, 1))
        self.assertEqual([('set', 'a', base.POWER_ON),
                          ('set', 'a', base.REBOOT),
                          ('set', 'a', base.POWER_OFF)], self.driver.calls)

    def test_action_errors(self):
        self.driver.fail_actions('a', 'refused')
        exc = self.assertRaises(base.PowerActionFailed,
                                self.driver.set_power_state, _target('a'),
                                base.POWER_ON, 1)
        self.assertIn('refused', str(exc))
        self.assertEqual(base.POWER_OFF, self.driver.get_state('a'))

    def test_hung_action_times_out(self):
        self.driver.hang('a')
        self.assertRaises(base.PowerActionFailed,
                          self.driver.set_power_state, _target('a'),
                          base.POWER_ON, 0.01)

    def test_unsupported_action(self):
        self.assertRaises(ValueError, self.driver.set_power_state,
                          _target('a'), 'explode', 1)

    def test_forget(self):
        self.driver.forget('a')
        self.assertEqual(['a'], self.driver.forgotten)

    def test_on_reading(self):
        seen = {}
        self.driver.get_power_states([_target('a')], 1,
                                     on_reading=seen.__setitem__)
        self.assertEqual({'a': base.PowerReading.ok(base.POWER_OFF)}, seen)
