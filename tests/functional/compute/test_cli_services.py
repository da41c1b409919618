"""The real openstack CLI against a live compute-ext-api.

Real processes, as an operator runs them: the compute-ext-api console
script (cheroot, noauth2, SQLite in a temp dir, a port chosen by the
kernel) and compute-ext-compute agents heartbeating every second. The
CLI is pointed at the API the no-Keystone way clients.md describes.
"""

import json
import os
import subprocess
import sys

import fixtures
import testtools

from compute_ext.objects import services as service_obj
from tests.fixtures import processes
from tests.fixtures.waiting import wait_for

COMPUTE = service_obj.COMPUTE_BINARY


class CLITestCase(testtools.TestCase):

    version = None  # --os-compute-api-version; None: the CLI's default

    def setUp(self):
        super().setUp()
        self.cli = processes.script_path('openstack')
        if self.cli is None:
            self.skipTest('the openstack CLI is not installed next to %s'
                          % sys.executable)
        self.live = self.useFixture(processes.LiveCompute())
        self.home = self.useFixture(fixtures.TempDir()).path

    def openstack(self, *args, expect_rc=0):
        argv = [self.cli, '--os-auth-type', 'admin_token',
                '--os-token', 'admin:admin',
                '--os-endpoint', self.live.endpoint]
        if self.version:
            argv += ['--os-compute-api-version', self.version]
        # A private HOME and no OS_* variables: no clouds.yaml or cache of
        # the person running the tests can change what the CLI does.
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_')}
        env.update(HOME=self.home, LC_ALL='C.UTF-8')
        proc = subprocess.run(argv + list(args), capture_output=True,
                              text=True, env=env, timeout=60)
        self.assertEqual(expect_rc, proc.returncode,
                         'openstack %s\nstdout: %s\nstderr: %s\napi log: %s'
                         % (' '.join(args), proc.stdout, proc.stderr,
                            self.live.api.log[-3000:]))
        return proc

    def services(self, long=True):
        args = ['compute', 'service', 'list', '-f', 'json']
        rows = json.loads(self.openstack(
            *(args + ['--long'] if long else args)).stdout)
        return {row['Host']: row for row in rows}

    def set_service(self, *args, expect_rc=0):
        return self.openstack('compute', 'service', 'set', *args,
                              expect_rc=expect_rc)

    def api_services(self, version='2.53'):
        """The list straight from the API, where no CLI output is needed."""
        status, body = processes.call(self.live.address, 'GET',
                                      '/v2.1/os-services', version=version)
        self.assertEqual(200, status)
        return {s['host']: s for s in body['services']}

    def assertForced(self, row, down):
        self.assertEqual(('down', True) if down else ('up', False),
                         (row['State'], row['Forced Down']), row)

    def assertService(self, host, version='2.53', **expected):
        """Check fields of one service through the API (no CLI start-up
        cost where the CLI's output is not what is being tested)."""
        service = self.api_services(version).get(host)
        self.assertIsNotNone(service, '%s is not listed' % host)
        self.assertEqual(expected, {k: service[k] for k in expected})


class TestDefaultMicroversion(CLITestCase):
    """No --os-compute-api-version: the CLI uses the 2.53+ (uuid) paths."""

    def test_force_down_and_up(self):
        agents = self.live.start_agents('hostA', 'hostB')
        rows = self.services(long=False)
        self.assertEqual({'hostA', 'hostB'}, set(rows))
        self.assertEqual(
            {'ID', 'Binary', 'Host', 'Zone', 'Status', 'State',
             'Updated At'}, set(rows['hostA']))
        self.assertEqual(('nova-compute', 'nova', 'enabled', 'up'),
                         tuple(rows['hostA'][k] for k in
                               ('Binary', 'Zone', 'Status', 'State')))
        self.assertEqual(self.live.service('hostA').uuid,
                         rows['hostA']['ID'])

        self.set_service('--down', 'hostA', COMPUTE)
        rows = self.services()
        self.assertForced(rows['hostA'], down=True)
        self.assertForced(rows['hostB'], down=False)

        # The agent keeps heartbeating; only an admin clears the flag.
        count = self.live.service('hostA').report_count
        wait_for(lambda: self.live.service('hostA').report_count >= count + 2,
                 'two more heartbeats of hostA')
        self.assertService('hostA', state='down', forced_down=True)

        self.set_service('--up', 'hostA', COMPUTE)
        self.assertService('hostA', state='up', forced_down=False)

        # Both agents stop cleanly on SIGTERM (exit status 0, no traceback).
        for agent in agents:
            self.assertEqual(0, agent.stop())
        self.assertIn('Compute agent on host hostA stopped', agents[0].log)

    def test_disable_enable_delete(self):
        self.live.start_agents('hostA')
        service_obj.create(self.live.ctx, 'hostB', COMPUTE, 'compute')
        self.set_service('--disable', '--disable-reason', 'x', 'hostB',
                         COMPUTE)
        row = self.services()['hostB']
        self.assertEqual(('disabled', 'x', 'up', False),
                         (row['Status'], row['Disabled Reason'],
                          row['State'], row['Forced Down']))

        self.set_service('--enable', 'hostB', COMPUTE)
        self.assertService('hostB', status='enabled', disabled_reason=None)

        self.openstack('compute', 'service', 'delete', row['ID'])
        self.assertEqual({'hostA'}, set(self.api_services()))

        proc = self.set_service('--down', 'hostB', COMPUTE, expect_rc=1)
        self.assertIn('Compute service for host "hostB" and binary '
                      '"nova-compute" not found', proc.stderr)


class TestMicroversion2_11(CLITestCase):
    """2.11: the legacy action paths, PUT /os-services/force-down."""

    version = '2.11'

    def test_force_down_disable_enable_delete(self):
        self.live.start_agents('hostA')
        service_obj.create(self.live.ctx, 'hostB', COMPUTE, 'compute')
        self.set_service('--down', 'hostA', COMPUTE)
        rows = self.services()
        self.assertForced(rows['hostA'], down=True)
        self.assertEqual(self.live.service('hostA').id, rows['hostA']['ID'])

        self.set_service('--up', 'hostA', COMPUTE)
        self.assertService('hostA', '2.11', state='up', forced_down=False)
        self.set_service('--disable', '--disable-reason', 'x', 'hostA',
                         COMPUTE)
        self.assertService('hostA', '2.11', status='disabled',
                           disabled_reason='x')
        self.set_service('--enable', 'hostA', COMPUTE)
        self.assertService('hostA', '2.11', status='enabled',
                           disabled_reason=None)

        self.openstack('compute', 'service', 'delete',
                       str(self.live.service('hostB').id))
        self.assertEqual({'hostA'}, set(self.api_services('2.11')))


class TestMicroversion2_53(CLITestCase):
    """2.53: PUT /os-services/{uuid}."""

    version = '2.53'

    def test_force_down_up_disable_enable(self):
        self.live.start_agents('hostA')
        self.set_service('--down', 'hostA', COMPUTE)
        row = self.services()['hostA']
        self.assertForced(row, down=True)
        self.assertEqual(self.live.service('hostA').uuid, row['ID'])

        self.set_service('--up', 'hostA', COMPUTE)
        self.assertService('hostA', state='up', forced_down=False)
        self.set_service('--disable', '--disable-reason', 'x', 'hostA',
                         COMPUTE)
        self.assertService('hostA', status='disabled', disabled_reason='x')
        self.set_service('--enable', 'hostA', COMPUTE)
        self.assertService('hostA', status='enabled', disabled_reason=None)


class TestMicroversion2_1(CLITestCase):
    """2.1: no forced_down at all; integer ids."""

    version = '2.1'

    def test_no_force_down_before_2_11(self):
        service = service_obj.create(self.live.ctx, 'hostA', COMPUTE)
        proc = self.set_service('--down', 'hostA', COMPUTE, expect_rc=1)
        self.assertIn('2.11 or later is required', proc.stderr)

        self.set_service('--disable', 'hostA', COMPUTE)
        row = self.services()['hostA']
        self.assertNotIn('Forced Down', row)
        self.assertEqual((service.id, 'disabled', 'up'),
                         (row['ID'], row['Status'], row['State']))
