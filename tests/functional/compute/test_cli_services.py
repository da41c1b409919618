"""The real openstack CLI against a live compute-ext-api.

Real processes, as an operator runs them: the compute-ext-api console
script (cheroot, noauth2, SQLite in a temp dir, a port chosen by the
kernel) and compute-ext-compute agents heartbeating every second. The
CLI is pointed at the API the no-Keystone way clients.md describes.
"""

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time

import fixtures
import testtools

from powerbridge import db
from compute_ext import context as compute_context
from compute_ext.objects import services as service_obj
import db_migrations

BIN_DIR = os.path.dirname(sys.executable)
COMPUTE = service_obj.COMPUTE_BINARY
LISTENING = re.compile(r'listening on http://127\.0\.0\.1:(\d+)/')
DEADLINE = 20  # seconds any process gets to start or stop


def _script(name):
    return os.path.join(BIN_DIR, name)


def wait_for(predicate, what, timeout=DEADLINE, interval=0.05):
    """Poll until ``predicate()`` is true; fail with ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError('timed out waiting for %s' % what)


class Process(fixtures.Fixture):
    """A console script with its output in a log file, stopped by SIGTERM.

    Cleanup asserts the clean stop every service promises: exit status 0
    after SIGTERM and no traceback in the log.
    """

    def __init__(self, argv, log_path):
        super().__init__()
        self.argv = argv
        self.log_path = log_path

    def _setUp(self):
        with open(self.log_path, 'wb') as log:
            self.popen = subprocess.Popen(self.argv, stdout=log,
                                          stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL)
        self.addCleanup(self._kill)
        self.addCleanup(self.stop)

    @property
    def log(self):
        with open(self.log_path, encoding='utf-8', errors='replace') as log:
            return log.read()

    def stop(self):
        """SIGTERM; return the exit status (fails the test if unclean)."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            returncode = self.popen.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            raise AssertionError('%s ignored SIGTERM' % self.argv[0]) from None
        if returncode != 0 or 'Traceback' in self.log:
            raise AssertionError('%s stopped with status %s:\n%s'
                                 % (self.argv[0], returncode, self.log))
        return returncode

    def _kill(self):
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()


class LiveCompute(fixtures.Fixture):
    """compute-ext-api on a migrated SQLite file, plus agents on demand."""

    def _setUp(self):
        self.tmp = self.useFixture(fixtures.TempDir()).path
        url = 'sqlite:///' + os.path.join(self.tmp, 'compute.sqlite')
        db_migrations.sync('compute', url)
        self.config = os.path.join(self.tmp, 'compute-ext.conf')
        with open(self.config, 'w') as conf:
            conf.write('[DEFAULT]\nstate_path = %s\nreport_interval = 1\n'
                       '[api]\nauth_strategy = noauth2\nport = 0\n'
                       '[database]\nconnection = %s\n' % (self.tmp, url))
        database = db.Database(url)
        self.addCleanup(database.dispose)
        self.ctx = compute_context.admin_context(database)
        self.api = self.useFixture(Process(
            [_script('compute-ext-api'), '--config-file', self.config],
            os.path.join(self.tmp, 'api.log')))
        port = wait_for(self._port, 'compute-ext-api to listen')
        self.address = ('127.0.0.1', int(port))
        self.endpoint = 'http://127.0.0.1:%s/v2.1' % port

    def _port(self):
        if self.api.popen.poll() is not None:
            raise AssertionError('compute-ext-api exited:\n' + self.api.log)
        match = LISTENING.search(self.api.log)
        return match and match.group(1)

    def start_agents(self, *hosts):
        """One compute-ext-compute per host; returns once all registered."""
        agents = [self.useFixture(Process(
            [_script('compute-ext-compute'), '--config-file', self.config,
             '--host', host], os.path.join(self.tmp, host + '.log')))
            for host in hosts]
        wait_for(lambda: {s.host for s in service_obj.get_all(self.ctx)}
                 >= set(hosts), 'agents of %s to register' % (hosts,))
        return agents

    def service(self, host):
        return service_obj.get_by_host_and_binary(self.ctx, host, COMPUTE)


def call(address, method, path, body=None, headers=None, chunked=False,
         version=None):
    """One HTTP request as admin; returns (status, decoded JSON or None)."""
    headers = dict(headers or {}, **{'X-Auth-Token': 'admin:admin',
                                    'Accept': 'application/json'})
    if version:
        headers['OpenStack-API-Version'] = 'compute ' + version
    conn = http.client.HTTPConnection(*address, timeout=DEADLINE)
    try:
        conn.request(method, path, body=body, headers=headers,
                     encode_chunked=chunked)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b'null')
    finally:
        conn.close()


class CLITestCase(testtools.TestCase):

    version = None  # --os-compute-api-version; None: the CLI's default

    def setUp(self):
        super().setUp()
        if not os.access(_script('openstack'), os.X_OK):
            self.skipTest('the openstack CLI is not installed next to %s'
                          % sys.executable)
        self.live = self.useFixture(LiveCompute())
        self.home = self.useFixture(fixtures.TempDir()).path

    def openstack(self, *args, expect_rc=0):
        argv = [_script('openstack'), '--os-auth-type', 'admin_token',
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
        status, body = call(self.live.address, 'GET', '/v2.1/os-services',
                            version=version)
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


class TestLiveServer(testtools.TestCase):
    """What a client sees on the wire from the real WSGI server.

    These requests change nothing a later test looks at, so one server
    serves the whole class.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.live = LiveCompute()
        cls.live.setUp()

    @classmethod
    def tearDownClass(cls):
        cls.live.cleanUp()
        super().tearDownClass()

    def send(self, *args, **kwargs):
        return call(self.live.address, *args, **kwargs)

    def test_version_documents_link_to_this_server(self):
        status, body = self.send('GET', '/')
        self.assertEqual(200, status)
        self.assertEqual(self.live.endpoint + '/',
                         body['versions'][1]['links'][0]['href'])
        status, body = self.send('GET', '/v2.1')
        self.assertEqual(self.live.endpoint + '/',
                         body['version']['links'][0]['href'])

    def test_oversized_body_is_413_over_limit(self):
        big = json.dumps({'host': 'h' * 120 * 1024, 'binary': COMPUTE})
        status, body = self.send('PUT', '/v2.1/os-services/enable', big,
                                 {'Content-Type': 'application/json'})
        self.assertEqual(413, status)
        self.assertEqual(413, body['overLimit']['code'])

    def test_oversized_chunked_body_is_413_over_limit(self):
        chunks = (b'x' * 1024 for _ in range(120))
        status, body = self.send('PUT', '/v2.1/os-services/enable', chunks,
                                 {'Content-Type': 'application/json'},
                                 chunked=True)
        self.assertEqual(413, status)
        self.assertEqual(413, body['overLimit']['code'])

    def test_small_chunked_body_is_read(self):
        service_obj.get_or_create(self.live.ctx, 'chunky', COMPUTE)
        body = json.dumps({'host': 'chunky', 'binary': COMPUTE}).encode()
        status, reply = self.send('PUT', '/v2.1/os-services/disable',
                                  iter([body[:10], body[10:]]),
                                  {'Content-Type': 'application/json'},
                                  chunked=True)
        self.assertEqual(200, status, reply)
        self.assertEqual('disabled', reply['service']['status'])

    def test_bad_input_never_500(self):
        cases = [
            ('PUT', '/v2.1/os-services/enable', b'{"host": ', 400),
            ('PUT', '/v2.1/os-services/enable', b'\xff\xfe', 400),
            ('PUT', '/v2.1/os-services/enable', b'[]', 400),
            ('GET', '/v2.1/os-services?host=%ff', None, 400),
            ('DELETE', '/v2.1/os-services/%00', None, 400),
            ('GET', '/v2.1/os-services/%2e%2e', None, 405),
        ]
        for method, path, body, expected in cases:
            status, reply = self.send(method, path, body)
            self.assertEqual(expected, status, (method, path, reply))
            (fault,) = reply.values()
            self.assertEqual(expected, fault['code'])

    def test_timestamps_are_in_novas_format(self):
        service = service_obj.get_or_create(self.live.ctx, 'stamped',
                                            COMPUTE)
        service_obj.report_state(self.live.ctx, service.id)
        status, body = self.send('GET', '/v2.1/os-services?host=stamped')
        self.assertRegex(body['services'][0]['updated_at'],
                         r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$')
