"""The real ``openstack baremetal node`` CLI against a live
``baremetal-notifier`` (noauth, SQLite, a free port) and a virtual BMC.

The CLI starts every command at API 1.115, gets a 406 and negotiates down,
exactly as it does against Ironic (reference/clients.md).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request

import sqlalchemy as sa
import testtools

from baremetal_notifier.cmd import service
from baremetal_notifier.db import models
from powerbridge import db as db_utils
from powerbridge.stack import layout
from tests.fixtures import vbmc as vbmc_fixtures

BIN = os.path.dirname(sys.executable)
OPENSTACK = os.path.join(BIN, 'openstack')
PASSWORD = vbmc_fixtures.PASSWORD
# Bounds on waiting for the service and for a power action to land.
START_SECONDS = 30
SETTLE_SECONDS = 30


class CLINodesTest(testtools.TestCase):
    """One service and one virtual BMC for the whole class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not os.path.exists(OPENSTACK):
            raise cls.skipException('no openstack CLI at %s' % OPENSTACK)
        cls.tmp = tempfile.mkdtemp(prefix='bm-cli-')
        cls.fleet = vbmc_fixtures.FleetFixture(1)
        cls.fleet.setUp()
        cls.port = layout.free_port()
        cls.endpoint = 'http://127.0.0.1:%d' % cls.port
        cls.conf_file = os.path.join(cls.tmp, 'baremetal.conf')
        cls.log_file = os.path.join(cls.tmp, 'baremetal.log')
        with open(cls.conf_file, 'w') as stream:
            stream.write(textwrap.dedent('''\
                [DEFAULT]
                state_path = %(tmp)s
                host = cli-test-conductor
                debug = true
                log_file = %(log)s
                [api]
                host = 127.0.0.1
                port = %(port)d
                auth_strategy = noauth
                [conductor]
                sync_power_state_interval = 0
                power_failure_recovery_interval = 0
                [ipmi]
                login_timeout = 2
                command_timeout = 2
                [nova]
                send_power_notifications = false
                ''' % {'tmp': cls.tmp, 'log': cls.log_file,
                       'port': cls.port}))
        subprocess.run([os.path.join(BIN, 'baremetal-notifier-manage'),
                        '--config-file', cls.conf_file, 'db', 'sync'],
                       check=True, capture_output=True, timeout=60)
        cls.output = open(os.path.join(cls.tmp, 'service.out'), 'w')
        cls.process = subprocess.Popen(
            [os.path.join(BIN, 'baremetal-notifier'), '--config-file',
             cls.conf_file], stdout=cls.output, stderr=subprocess.STDOUT)
        cls._wait_until_serving()

    @classmethod
    def _wait_until_serving(cls):
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if cls.process.poll() is not None:
                raise AssertionError('baremetal-notifier exited with %s'
                                     % cls.process.returncode)
            try:
                urllib.request.urlopen(cls.endpoint + '/', timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError('baremetal-notifier did not serve in %d s'
                             % START_SECONDS)

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, 'process', None) and cls.process.poll() is None:
            cls.process.send_signal(signal.SIGTERM)
            try:
                cls.exit_code = cls.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                cls.process.kill()
                cls.process.wait()
        if getattr(cls, 'output', None):
            cls.output.close()
        if getattr(cls, 'fleet', None):
            cls.fleet.cleanUp()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    def openstack(self, *args, expect_rc=0):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_')}
        # ironicclient caches the negotiated version under $HOME.
        env['HOME'] = env['XDG_CACHE_HOME'] = self.tmp
        result = subprocess.run(
            [OPENSTACK, '--os-auth-type', 'none', '--os-endpoint',
             self.endpoint, 'baremetal'] + list(args),
            capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(expect_rc, result.returncode,
                         'rc %s: %s' % (result.returncode, result.stderr))
        self.assertNotIn(PASSWORD, result.stdout + result.stderr)
        return result

    def get(self, path):
        request = urllib.request.Request(self.endpoint + path, headers={
            'X-OpenStack-Ironic-API-Version': 'latest'})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def openstack_json(self, *args):
        return json.loads(self.openstack(*(args + ('-f', 'json'))).stdout)

    def create(self, name):
        return self.openstack_json(
            'node', 'create', '--driver', 'ipmi', '--name', name,
            '--driver-info', 'ipmi_address=127.0.0.1',
            '--driver-info', 'ipmi_port=%d' % self.fleet.fleet.ports[0],
            '--driver-info', 'ipmi_username=%s' % vbmc_fixtures.USERNAME,
            '--driver-info', 'ipmi_password=%s' % PASSWORD)

    def test_node_lifecycle(self):
        node = self.create('cli-node')
        self.assertEqual('cli-node', node['name'])
        self.assertEqual('******', node['driver_info']['ipmi_password'])
        self.assertEqual('enroll', node['provision_state'])
        listed = self.openstack_json('node', 'list')
        self.assertIn({'uuid': node['uuid'], 'name': 'cli-node',
                       'instance_uuid': None, 'power_state': None,
                       'provision_state': 'enroll',
                       'maintenance': False}, listed)
        fields = self.openstack_json('node', 'list', '--fields', 'uuid',
                                     'power_state')
        self.assertIn({'uuid': node['uuid'], 'power_state': None}, fields)
        # The operator's lifecycle: the credentials are checked by reading
        # the BMC, then the node is made available (no cleaning).
        self.openstack('node', 'manage', 'cli-node', '--wait', '30')
        self.openstack('node', 'provide', 'cli-node', '--wait', '30')
        shown = self.get('/v1/nodes/cli-node')
        self.assertEqual('available', shown['provision_state'])
        self.assertIn(shown['power_state'], ('power on', 'power off'))
        self.openstack('node', 'maintenance', 'set', 'cli-node', '--reason',
                       'Replacing the hard drive')
        shown = self.openstack_json('node', 'show', 'cli-node')
        self.assertEqual((True, 'Replacing the hard drive'),
                         (shown['maintenance'], shown['maintenance_reason']))
        self.openstack('node', 'maintenance', 'unset', node['uuid'])
        shown = self.get('/v1/nodes/' + node['uuid'])
        self.assertEqual((False, None), (shown['maintenance'],
                                         shown['maintenance_reason']))
        with open('/proc/%d/cmdline' % self.process.pid, 'rb') as stream:
            self.assertNotIn(PASSWORD.encode(), stream.read())
        self.openstack('node', 'delete', 'cli-node')
        missing = self.openstack('node', 'show', 'cli-node', expect_rc=1)
        self.assertIn('Node cli-node could not be found. (HTTP 404)',
                      missing.stderr)
        self.assertServiceLogsClean()

    def test_bad_requests_get_ironics_messages(self):
        result = self.openstack('node', 'create', '--driver', 'redfish',
                                expect_rc=1)
        self.assertIn('No valid host was found', result.stderr)
        self.assertIn('(HTTP 400)', result.stderr)

    @testtools.skipIf(service.optional_module(service.CONDUCTOR_MODULE)
                      is None, 'the conductor is not there yet')
    def test_power_on_and_off(self):
        self.create('cli-power')
        self.openstack('node', 'manage', 'cli-power', '--wait', '30')
        for verb, state, on in (('on', 'power on', True),
                                ('off', 'power off', False)):
            self.openstack('node', 'power', verb, 'cli-power')
            # Polled over HTTP: a CLI start-up per poll would be slow.
            deadline = time.monotonic() + SETTLE_SECONDS
            while True:
                states = self.get('/v1/nodes/cli-power/states')
                if states['target_power_state'] is None and (
                        states['power_state'] == state):
                    break
                self.assertLess(time.monotonic(), deadline, states)
                time.sleep(0.05)
            self.assertEqual(on, self.fleet.fleet.get_power(0))
        self.openstack('node', 'delete', 'cli-power')

    def beat_as_conductor(self, hostname, group):
        """A conductor of ``group`` on another host, as its last heartbeat
        left its row in the shared database (the service's own conductor
        is in the default group)."""
        engine = sa.create_engine('sqlite:///%s/baremetal.sqlite' % self.tmp)
        self.addCleanup(engine.dispose)
        conductors = models.Conductor.__table__
        with engine.begin() as connection:
            connection.execute(conductors.delete().where(
                conductors.c.hostname == hostname))
            connection.execute(conductors.insert().values(
                hostname=hostname, conductor_group=group, online=True,
                created_at=db_utils.utcnow(), updated_at=db_utils.utcnow()))

    def test_conductor_groups(self):
        # The CLI negotiates 1.46, the first version with conductor_group.
        self.beat_as_conductor('cli-rack1-conductor', 'rack1')
        node = self.openstack_json('node', 'create', '--driver', 'ipmi',
                                   '--name', 'cli-grouped',
                                   '--conductor-group', 'RACK1')
        self.assertEqual('rack1', node['conductor_group'])
        self.assertEqual({}, node['deploy_step'])
        listed = self.openstack_json('node', 'list', '--conductor-group',
                                     'rack1')
        self.assertEqual(['cli-grouped'], [n['name'] for n in listed])
        self.openstack('node', 'unset', 'cli-grouped', '--conductor-group')
        self.assertEqual('', self.get('/v1/nodes/cli-grouped')[
            'conductor_group'])
        self.assertEqual([], self.openstack_json(
            'node', 'list', '--conductor-group', 'rack1'))
        self.openstack('node', 'set', 'cli-grouped', '--conductor-group',
                       'rack1')
        shown = self.openstack_json('node', 'show', 'cli-grouped',
                                    '--fields', 'name', 'conductor_group')
        self.assertEqual({'name': 'cli-grouped', 'conductor_group': 'rack1'},
                         shown)
        long = self.openstack_json('node', 'list', '--long',
                                   '--conductor-group', 'RACK1')
        self.assertEqual([('cli-grouped', 'rack1')],
                         [(n['name'], n['conductor_group']) for n in long])
        # A group without a live conductor: Ironic's 400, naming it.
        refused = self.openstack('node', 'set', 'cli-grouped',
                                 '--conductor-group', 'rack9', expect_rc=1)
        self.assertIn('No valid host was found. Reason: No conductor '
                      'service registered which supports driver ipmi for '
                      'conductor group "rack9"', refused.stderr)
        self.assertIn('(HTTP 400)', refused.stderr)
        refused = self.openstack('node', 'create', '--driver', 'ipmi',
                                 '--conductor-group', 'rack 9!',
                                 expect_rc=1)
        self.assertIn('for conductor group "rack 9!"', refused.stderr)
        self.openstack('node', 'delete', 'cli-grouped')

    def assertServiceLogsClean(self):
        self.output.flush()
        for path in (self.log_file, self.output.name):
            with open(path) as stream:
                text = stream.read()
            self.assertNotIn(PASSWORD, text, path)
        with open(self.log_file) as stream:
            self.assertIn('Enrolled node', stream.read())
