"""The virtual BMCs answer real IPMI: ipmitool lanplus against a fleet."""

import os
import shutil
import subprocess

import testtools

from tests.fixtures import vbmc as vbmc_fixtures


class TestVbmcWithIpmitool(testtools.TestCase):

    def setUp(self):
        super().setUp()
        if shutil.which('ipmitool') is None:
            self.skipTest('ipmitool is not installed')
        self.bmcs = self.useFixture(vbmc_fixtures.FleetFixture(3))
        self.fleet = self.bmcs.fleet

    def ipmitool(self, index, *args, password=vbmc_fixtures.PASSWORD,
                 username=vbmc_fixtures.USERNAME):
        # NOTE: the password goes through IPMI_PASSWORD (-E), never argv.
        env = dict(os.environ, IPMI_PASSWORD=password)
        cmd = ['ipmitool', '-I', 'lanplus', '-H', '127.0.0.1',
               '-p', str(self.fleet.ports[index]), '-U', username, '-E',
               '-R', '1', '-N', '1'] + list(args)
        self.assertNotIn(password, cmd)
        return subprocess.run(cmd, env=env, capture_output=True, text=True,
                              timeout=30)

    def assertPower(self, index, expected):
        out = self.ipmitool(index, 'power', 'status')
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual('Chassis Power is %s' % expected, out.stdout.strip())

    def test_power_status_on_off(self):
        self.assertPower(0, 'off')
        out = self.ipmitool(0, 'power', 'on')
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertTrue(self.fleet.get_power(0))
        self.assertPower(0, 'on')
        # The other BMCs are separate chassis.
        self.assertFalse(self.fleet.get_power(1))
        self.assertPower(1, 'off')
        out = self.ipmitool(0, 'power', 'off')
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertFalse(self.fleet.get_power(0))
        self.assertPower(0, 'off')

    def test_flip_behind_the_back(self):
        self.fleet.set_power(2, True)
        self.assertPower(2, 'on')
        self.fleet.set_power(2, False)
        self.assertPower(2, 'off')

    def test_chassis_status_and_device_id(self):
        self.fleet.set_power(1, True)
        out = self.ipmitool(1, 'chassis', 'status')
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertIn('System Power         : on', out.stdout)
        out = self.ipmitool(1, 'mc', 'info')
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertIn('IPMI Version              : 2.0', out.stdout)

    def test_power_cycle_needs_power(self):
        out = self.ipmitool(0, 'power', 'cycle')
        self.assertNotEqual(0, out.returncode)
        self.assertIn('not supported in present state', out.stderr)
        self.fleet.set_power(0, True)
        out = self.ipmitool(0, 'power', 'cycle')
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual(1, self.fleet.describe(0)['counters']['cycle'])

    def test_wrong_password_fails(self):
        out = self.ipmitool(0, 'power', 'on', password='not-the-password')
        self.assertNotEqual(0, out.returncode)
        self.assertIn('Unable to establish IPMI v2', out.stderr)
        self.assertFalse(self.fleet.get_power(0))

    def test_unknown_user_fails(self):
        out = self.ipmitool(0, 'power', 'status', username='intruder')
        self.assertNotEqual(0, out.returncode)
        self.assertEqual(1, self.fleet.describe(0)['counters']
                         ['unknown_user'])

    def test_per_bmc_credentials(self):
        fleet = self.useFixture(vbmc_fixtures.FleetFixture(
            2, credentials=lambda i: ('user%d' % i, 'pass-%d' % i))).fleet
        self.fleet = fleet
        out = self.ipmitool(1, 'power', 'status', username='user1',
                            password='pass-1')
        self.assertEqual(0, out.returncode, out.stderr)
        out = self.ipmitool(1, 'power', 'status', username='user0',
                            password='pass-0')
        self.assertNotEqual(0, out.returncode)

    def test_hung_bmc_does_not_answer(self):
        self.fleet.set_fault(0, hang=True)
        out = self.ipmitool(0, 'power', 'status')
        self.assertNotEqual(0, out.returncode)
        self.assertPower(1, 'off')
        self.fleet.set_fault(0, hang=False)
        self.assertPower(0, 'off')
