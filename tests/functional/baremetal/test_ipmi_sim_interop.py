"""IPMIPowerDriver against OpenIPMI's ipmi_sim, a BMC pyghmi did not write."""

import os
import shutil
import socket
import subprocess
import time

import fixtures
import testtools

from baremetal_notifier.drivers import base
from tests.fixtures import vbmc as vbmc_fixtures

PASSWORD = 'Sim-Secret'

LAN_CONF = '''name "sim1"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 %(port)d
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  user 2 true "admin" "%(password)s" admin 10 none md2 md5 straight
'''

BMC_EMU = '''mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
mc_enable 0x20
'''


def _free_udp_port():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]
    finally:
        sock.close()


class TestIpmiSimInterop(testtools.TestCase):

    def setUp(self):
        super().setUp()
        if shutil.which('ipmi_sim') is None:
            self.skipTest('ipmi_sim (OpenIPMI) is not installed')
        tmp = self.useFixture(fixtures.TempDir()).path
        self.port = _free_udp_port()
        lan_conf = os.path.join(tmp, 'lan.conf')
        emu = os.path.join(tmp, 'bmc.emu')
        state = os.path.join(tmp, 'state')
        os.mkdir(state)
        with open(lan_conf, 'w') as handle:
            handle.write(LAN_CONF % {'port': self.port,
                                     'password': PASSWORD})
        with open(emu, 'w') as handle:
            handle.write(BMC_EMU)
        log = open(os.path.join(tmp, 'ipmi_sim.log'), 'w')
        self.addCleanup(log.close)
        proc = subprocess.Popen(
            ['ipmi_sim', '-c', lan_conf, '-f', emu, '-s', state, '-n'],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            cwd=tmp)
        self.addCleanup(self._stop, proc)
        self.driver = self.useFixture(vbmc_fixtures.DriverFixture(
            login_timeout=1.0, command_timeout=1.0, attempts=2)).driver
        self.target = base.BmcTarget('sim', '127.0.0.1', self.port, 'admin',
                                     PASSWORD)
        self._wait_until_answering(proc)

    @staticmethod
    def _stop(proc):
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _wait_until_answering(self, proc):
        end = time.monotonic() + 15
        while time.monotonic() < end:
            if proc.poll() is not None:
                self.fail('ipmi_sim exited with %s' % proc.returncode)
            reading = self.driver.get_power_state(self.target, 3)
            if reading.error is None:
                self.first_reading = reading
                return
            self.driver.forget('sim')
            time.sleep(0.2)
        self.fail('ipmi_sim did not answer on port %d' % self.port)

    def test_read_power_state(self):
        # Without a chassis_control script ipmi_sim's power is off.
        self.assertEqual(base.POWER_OFF, self.first_reading.state)
        for _ in range(3):
            reading = self.driver.get_power_state(self.target, 5)
            self.assertEqual(base.PowerReading.ok(base.POWER_OFF), reading)

    def test_wrong_password(self):
        bad = base.BmcTarget('bad', '127.0.0.1', self.port, 'admin',
                             'Not-It')
        reading = self.driver.get_power_state(bad, 5)
        self.assertIsNone(reading.state)
        self.assertNotIn('Not-It', reading.error)

    def test_unsupported_action_is_reported(self):
        # ipmi_sim refuses Chassis Control without a chassis_control script.
        exc = self.assertRaises(base.PowerActionFailed,
                                self.driver.set_power_state, self.target,
                                base.POWER_ON, 5)
        self.assertIn('Chassis Control', str(exc))
