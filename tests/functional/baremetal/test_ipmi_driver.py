"""IPMIPowerDriver (pyghmi) against a fleet of virtual BMCs on loopback."""

import json
import os
import resource
import socket
import subprocess
import sys
import time

import testtools

from baremetal_notifier.drivers import base
from tests.fixtures import vbmc as vbmc_fixtures

# Fast failure settings for tests that wait for dead BMCs on purpose.
FAST_FAIL = dict(login_timeout=1.0, command_timeout=1.0, attempts=2)


class DriverTestCase(testtools.TestCase):

    COUNT = 4
    DRIVER = {}

    def setUp(self):
        super().setUp()
        self.bmcs = self.useFixture(vbmc_fixtures.FleetFixture(self.COUNT))
        self.fleet = self.bmcs.fleet
        self.driver = self.useFixture(
            vbmc_fixtures.DriverFixture(**self.DRIVER)).driver
        self.targets = self.bmcs.targets()

    def sessions(self):
        return sum(self.fleet.describe(i)['counters'].get('sessions', 0)
                   for i in range(self.COUNT))

    def assertAllRead(self, readings, on=()):
        self.assertEqual({t.key for t in self.targets}, set(readings))
        errors = {k: r.error for k, r in readings.items() if r.error}
        self.assertEqual({}, errors)
        for index, target in enumerate(self.targets):
            expected = base.POWER_ON if index in on else base.POWER_OFF
            self.assertEqual(expected, readings[target.key].state, index)


class TestPowerStates(DriverTestCase):

    COUNT = 50

    def test_cold_then_warm_pass(self):
        for index in (3, 17, 49):
            self.fleet.set_power(index, True)
        readings = self.driver.get_power_states(self.targets, 20)
        self.assertAllRead(readings, on=(3, 17, 49))
        self.assertEqual(self.COUNT, self.sessions())
        # Warm: the same sessions answer, nobody logs in again.
        start = time.monotonic()
        readings = self.driver.get_power_states(self.targets, 20)
        self.assertLess(time.monotonic() - start, 2.0)
        self.assertAllRead(readings, on=(3, 17, 49))
        self.assertEqual(self.COUNT, self.sessions())

    def test_flip_behind_the_back_is_seen(self):
        self.assertAllRead(self.driver.get_power_states(self.targets, 20))
        self.fleet.set_power(7, True)
        self.assertAllRead(self.driver.get_power_states(self.targets, 20),
                           on=(7,))
        self.fleet.set_power(7, False)
        self.assertAllRead(self.driver.get_power_states(self.targets, 20))

    def test_packet_loss_costs_no_errors(self):
        self.fleet.set_fault(None, loss_pct=5)
        for _ in range(3):
            self.assertAllRead(self.driver.get_power_states(self.targets,
                                                            30))
        dropped = sum(self.fleet.describe(i)['counters'].get('dropped_in', 0)
                      for i in range(self.COUNT))
        self.assertGreater(dropped, 0)

    def test_latency(self):
        self.fleet.set_fault(None, latency_ms=50)
        start = time.monotonic()
        self.assertAllRead(self.driver.get_power_states(self.targets, 20))
        self.assertGreaterEqual(time.monotonic() - start, 0.05)

    def test_duplicate_and_empty_targets(self):
        self.assertEqual({}, self.driver.get_power_states([], 1))
        target = self.targets[0]
        readings = self.driver.get_power_states([target, target], 5)
        self.assertEqual([target.key], list(readings))


class TestPowerActions(DriverTestCase):

    def test_on_off_reboot_verified(self):
        target = self.targets[1]
        self.assertEqual(base.POWER_ON, self.driver.set_power_state(
            target, base.POWER_ON, 10))
        self.assertTrue(self.fleet.get_power(1))
        self.assertFalse(self.fleet.get_power(0))
        self.assertEqual(base.POWER_ON, self.driver.set_power_state(
            target, base.REBOOT, 10))
        counters = self.fleet.describe(1)['counters']
        self.assertEqual((2, 1), (counters['on'], counters['off']))
        self.assertEqual(base.POWER_OFF, self.driver.set_power_state(
            target, base.POWER_OFF, 10))
        self.assertFalse(self.fleet.get_power(1))
        self.assertEqual(base.POWER_OFF, self.driver.set_power_state(
            target, base.SOFT_POWER_OFF, 10))
        self.assertEqual(1, self.fleet.describe(1)['counters']['soft'])

    def test_reboot_from_off(self):
        self.assertEqual(base.POWER_ON, self.driver.set_power_state(
            self.targets[2], base.REBOOT, 10))
        self.assertTrue(self.fleet.get_power(2))

    def test_action_then_poll_shares_the_session(self):
        self.driver.set_power_state(self.targets[0], base.POWER_ON, 10)
        readings = self.driver.get_power_states(self.targets, 10)
        self.assertAllRead(readings, on=(0,))
        self.assertEqual(self.COUNT, self.sessions())


class TestCredentials(DriverTestCase):

    def test_wrong_password_is_an_error_reading(self):
        bad = self.bmcs.target(0, key='bad', password='Wrong-Secret')
        readings = self.driver.get_power_states([bad] + self.targets[1:], 10)
        self.assertIsNone(readings['bad'].state)
        self.assertIn('password', readings['bad'].error)
        self.assertNotIn('Wrong-Secret', readings['bad'].error)
        self.assertNotIn(vbmc_fixtures.PASSWORD, readings['bad'].error)
        for target in self.targets[1:]:
            self.assertEqual(base.POWER_OFF, readings[target.key].state)

    def test_unknown_user_is_an_error_reading(self):
        bad = self.bmcs.target(0, key='bad', username='nobody')
        start = time.monotonic()
        reading = self.driver.get_power_states([bad], 10)['bad']
        self.assertLess(time.monotonic() - start, 5)
        self.assertIn('Unauthorized name', reading.error)

    def test_wrong_password_action_raises(self):
        bad = self.bmcs.target(0, key='bad', password='Wrong-Secret')
        exc = self.assertRaises(base.PowerActionFailed,
                                self.driver.set_power_state, bad,
                                base.POWER_ON, 10)
        self.assertNotIn('Wrong-Secret', str(exc))
        self.assertFalse(self.fleet.get_power(0))

    def test_changed_password_and_forget(self):
        fleet = self.useFixture(vbmc_fixtures.FleetFixture(
            1, credentials=lambda i: ('admin', 'Second-Secret'))).fleet
        old = self.bmcs.target(0, key='moved')
        self.assertIsNone(self.driver.get_power_states([old], 10)[
            'moved'].error)
        # The node now points at another BMC with other credentials.
        new = base.BmcTarget('moved', '127.0.0.1', fleet.ports[0], 'admin',
                             'Second-Secret')
        fleet.set_power(0, True)
        self.assertEqual(base.POWER_ON, self.driver.get_power_states(
            [new], 10)['moved'].state)
        self.driver.forget('moved')
        self.assertEqual(base.POWER_ON, self.driver.get_power_states(
            [new], 10)['moved'].state)


class TestDeadBmcs(DriverTestCase):

    COUNT = 20
    DRIVER = FAST_FAIL

    def test_hung_bmc_costs_only_its_node(self):
        self.assertAllRead(self.driver.get_power_states(self.targets, 10))
        self.fleet.set_fault(5, hang=True)
        for deadline in (10.0, 1.5):
            start = time.monotonic()
            seen = {}

            def on_reading(key, reading, seen=seen, start=start):
                seen.setdefault(key, time.monotonic() - start)

            readings = self.driver.get_power_states(
                self.targets, deadline, on_reading=on_reading)
            elapsed = time.monotonic() - start
            # NOTE: the driver answers by the deadline; the margin is for
            # a loaded CI machine scheduling this thread late.
            self.assertLessEqual(elapsed, deadline + 0.5)
            hung = self.targets[5].key
            self.assertIsNone(readings[hung].state)
            self.assertIsNotNone(readings[hung].error)
            others = [t.key for t in self.targets if t.key != hung]
            for key in others:
                self.assertEqual(base.POWER_OFF, readings[key].state, key)
            # The others were not held up by the hung one.
            self.assertLess(max(seen[k] for k in others), 1.0)
        self.fleet.set_fault(5, hang=False)
        self.assertAllRead(self.driver.get_power_states(self.targets, 10))

    def test_hung_bmc_from_cold(self):
        self.fleet.set_fault(0, hang=True)
        readings = self.driver.get_power_states(self.targets, 10)
        self.assertIn('login', readings[self.targets[0].key].error)
        # A read whose tries go unanswered keeps trying to its deadline.
        self.assertIn('deadline exceeded', readings[self.targets[0].key].error)
        for target in self.targets[1:]:
            self.assertEqual(base.POWER_OFF, readings[target.key].state)

    def test_closed_port(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
        sock.close()
        target = base.BmcTarget('closed', '127.0.0.1', port, 'admin', 'pw')
        start = time.monotonic()
        reading = self.driver.get_power_states([target], 10)['closed']
        self.assertLess(time.monotonic() - start, 10.2)
        self.assertIsNone(reading.state)
        self.assertIn('login', reading.error)

    def test_action_on_hung_bmc_raises_in_time(self):
        self.fleet.set_fault(1, hang=True)
        start = time.monotonic()
        self.assertRaises(base.PowerActionFailed,
                          self.driver.set_power_state, self.targets[1],
                          base.POWER_ON, 1.5)
        self.assertLess(time.monotonic() - start, 2.5)
        self.assertFalse(self.fleet.get_power(1))


# Runs in a child process: its own pyghmi state, 1100 descriptors open first
# so that every BMC and client socket lands above select()'s 1023 ceiling.
_HIGH_FD_SCRIPT = """
import json, os, resource
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
ballast = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
from baremetal_notifier.drivers import ipmi
from powerbridge.vbmc import fleet as vbmc_fleet
from tests.fixtures import vbmc as vf
fleet = vbmc_fleet.VirtualBmcFleet(300, username=vf.USERNAME,
                                   password=vf.PASSWORD)
fleet.start()
fleet.set_power(299, True)
bmcs = vf.FleetFixture(300)
bmcs.fleet = fleet
driver = ipmi.IPMIPowerDriver()
driver.start()
passes = [driver.get_power_states(bmcs.targets(), 30) for _ in range(2)]
print(json.dumps({
    'min_fd': min(s.fileno() for s in (b.sock for b in fleet._bmcs)),
    'errors': [sum(1 for r in p.values() if r.error) for p in passes],
    'on': [k for k, r in passes[-1].items() if r.state == 'power on']}))
driver.stop()
fleet.stop()
"""


class TestHighFileDescriptors(testtools.TestCase):

    def test_sockets_above_fd_1023(self):
        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < 2048:
            self.skipTest('RLIMIT_NOFILE hard limit %d is too low' % hard)
        root = os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.dirname(os.path.abspath(__file__)))))
        out = subprocess.run([sys.executable, '-c', _HIGH_FD_SCRIPT],
                             cwd=root, capture_output=True, text=True,
                             timeout=60)
        self.assertEqual(0, out.returncode, out.stderr)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        self.assertGreater(result['min_fd'], 1023)
        self.assertEqual([0, 0], result['errors'])
        self.assertEqual(['node-299'], result['on'])
