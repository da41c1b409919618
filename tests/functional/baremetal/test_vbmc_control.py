"""The fleet's HTTP control API over real sockets, and the console script."""

import os
import signal
import subprocess
import sys

import fixtures
import testtools

from powerbridge.vbmc import control
from tests.fixtures import vbmc as vbmc_fixtures


class TestControlServer(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.fleet = self.useFixture(vbmc_fixtures.FleetFixture(3)).fleet
        self.server = control.ControlServer(self.fleet, port=0)
        self.server.start()
        self.addCleanup(self.server.stop)
        self.client = control.ControlClient(self.server.url)

    def test_list(self):
        bmcs = self.client.list()
        self.assertEqual(self.fleet.ports, [b['port'] for b in bmcs])
        for bmc in bmcs:
            self.assertNotIn(vbmc_fixtures.PASSWORD, repr(bmc))

    def test_power_round_trip(self):
        self.client.set_power(1, True)
        self.assertTrue(self.fleet.get_power(1))
        self.assertTrue(self.client.get_power(1))
        self.fleet.set_power(1, False)
        self.assertFalse(self.client.get_power(1))

    def test_faults(self):
        self.client.set_fault(2, latency_ms=15, loss_pct=1.5)
        self.assertEqual({'latency_ms': 15.0, 'loss_pct': 1.5, 'hang': False},
                         self.fleet.describe(2)['fault'])
        self.client.set_fault(None, hang=True)
        self.assertTrue(all(b['fault']['hang'] for b in self.client.list()))
        self.assertRaises(RuntimeError, self.client.set_fault, 0,
                          loss_pct=300)
        self.assertRaises(RuntimeError, self.client.get_power, 3)


class TestVbmcCommand(testtools.TestCase):
    """baremetal-notifier-vbmc as a process, stopped with SIGTERM."""

    def test_serve_and_stop(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        pwfile = os.path.join(tmp, 'password')
        with open(pwfile, 'w') as handle:
            handle.write(vbmc_fixtures.PASSWORD + '\n')
        cmd = [sys.executable, '-m', 'powerbridge.cmd.vbmc',
               '--count', '3', '--address', '127.0.0.1', '--base-port', '0',
               '--username', 'admin', '--password-file', pwfile,
               '--control-port', '0', '--power-on']
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        self.addCleanup(self._reap, proc)
        lines = []
        for line in proc.stdout:
            lines.append(line.rstrip('\n'))
            if line.startswith('vbmc control'):
                break
        self.assertEqual(4, len(lines), lines)
        for index, line in enumerate(lines[:3]):
            self.assertRegex(line, r'^vbmc %d ready on 127\.0\.0\.1:\d+$'
                             % index)
        url = lines[3].split()[-1]
        client = control.ControlClient(url)
        ports = [int(line.rsplit(':', 1)[1]) for line in lines[:3]]
        self.assertEqual(ports, [b['port'] for b in client.list()])
        self.assertTrue(client.get_power(0))
        client.set_power(0, False)
        self.assertFalse(client.get_power(0))
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(0, proc.wait(10))
        self.assertNotIn(vbmc_fixtures.PASSWORD, proc.stderr.read())

    @staticmethod
    def _reap(proc):
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
