"""Each service runs and serves where the other half cannot be imported.

The halves are deployed on different hosts, so ``baremetal-notifier`` must
work on a host without ``compute_ext`` and the compute services on one
without ``baremetal_notifier``. lint-imports (tox -e pep8) checks the
static imports; these tests catch what it cannot see: imports by name
(importlib, entry points) and ones that only happen at run time.

Uninstalling a package is not possible in the develop-mode tox venv (one
editable finder serves all packages, and ``python -c`` also finds them
in the working directory), so each child gets a ``sitecustomize`` on
PYTHONPATH that puts a finder first on ``sys.meta_path`` refusing the
other half. It says on stderr (the service's log) that it is active, and
names every import it refuses, so a refused import that the service
catches and shrugs off still fails the test.
"""

import os
import subprocess
import sys

import fixtures
import requests
import testtools
from testtools import content

from powerbridge.stack import clients
from powerbridge.stack import layout as stack_layout
from powerbridge.stack import process as stack_process

# Bounds, in seconds, for a start or a wait on the two CPUs tests share.
START_TIMEOUT = 60
TEST_TIMEOUT = 240
HOST = 'compute-1'
ACTIVE = 'halves-apart: %s cannot be imported here'
REFUSED = 'halves-apart: refused import of'

# NOTE: the child imports this before the editable finder is consulted
# for any package of the project, and before its own code runs.
SITECUSTOMIZE = '''\
import sys

BLOCKED = %(blocked)r


class RefuseOtherHalf:
    """Refuses %(blocked)s and its submodules, wherever they would be."""

    def find_spec(self, name, path=None, target=None):
        if name.partition('.')[0] != BLOCKED:
            return None
        sys.stderr.write('%(refused)s %%s\\n' %% name)
        raise ModuleNotFoundError('No module named %%r (the other half is '
                                  'not on this host)' %% name, name=name)


sys.meta_path.insert(0, RefuseOtherHalf())
sys.stderr.write(%(active)r + '\\n')
'''


class HalvesApartTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(TEST_TIMEOUT, gentle=True))
        self.root = self.useFixture(fixtures.TempDir()).path
        # The stack's layout: free ports, SQLite files, one config per
        # service, exactly as the demo and the e2e tests run them.
        self.layout = stack_layout.Layout(
            self.root, stack_layout.Settings(compute_hosts=(HOST,)))
        self.layout.create()

    def blocked_env(self, blocked):
        """The environment of a child that cannot import ``blocked``."""
        directory = os.path.join(self.root, 'without-' + blocked)
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, 'sitecustomize.py'), 'w') as f:
            f.write(SITECUSTOMIZE % {'blocked': blocked, 'refused': REFUSED,
                                     'active': ACTIVE % blocked})
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join(
            [directory] + [p for p in [env.get('PYTHONPATH')] if p])
        return env

    def run_child(self, argv, env):
        return subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True,
                              timeout=START_TIMEOUT, check=False)

    def db_sync(self, script, config_name, blocked):
        """``<script> db sync``, itself run without the other half."""
        result = self.run_child(
            [stack_process.find_script(script), '--config-file',
             self.layout.config_path(config_name), 'db', 'sync'],
            self.blocked_env(blocked))
        output = result.stdout + result.stderr
        self.assertEqual(0, result.returncode, output)
        self.assertIn(ACTIVE % blocked, output)
        self.assertNotIn(REFUSED, output)

    def start(self, name, script, blocked, config_name=None):
        """Start a console script with its stack config; the Process."""
        proc = stack_process.Process(
            name, script,
            ['--config-file', self.layout.config_path(config_name or name)],
            self.layout.log_path(name), env=self.blocked_env(blocked))
        proc.start()
        self.addCleanup(proc.stop)
        self.addOnException(lambda _exc_info: self.addDetail(
            name + '-log', content.text_content(proc.log_text())))
        return proc

    def wait_ready(self, proc, url):
        """Until GET ``url`` answers at all; fails if ``proc`` exits."""
        def answers():
            proc.check_alive()
            try:
                requests.get(url, timeout=2)
                return True
            except requests.ConnectionError:
                return False
        stack_process.wait_for(answers, START_TIMEOUT, 0.1,
                               '%s to answer' % proc.name)

    def assert_ran_apart(self, proc, blocked):
        """The blocker was active in ``proc`` and refused nothing."""
        log = proc.log_text()
        self.assertIn(ACTIVE % blocked, log)
        self.assertNotIn(REFUSED, log)

    def stop_cleanly(self, proc):
        self.assertEqual(0, proc.stop(), proc.log_text()[-2000:])

    def test_the_blocker_refuses_the_other_half(self):
        for blocked, allowed in (('compute_ext', 'baremetal_notifier'),
                                 ('baremetal_notifier', 'compute_ext')):
            env = self.blocked_env(blocked)
            # The cwd (on sys.path for -c) holds the package too: refused.
            for statement in ('import %s' % blocked,
                              'from %s import cmd' % blocked):
                result = self.run_child([sys.executable, '-c', statement],
                                        env)
                self.assertNotEqual(0, result.returncode, statement)
                self.assertIn('ModuleNotFoundError', result.stderr)
                self.assertIn('%s %s' % (REFUSED, blocked), result.stderr)
            # The package the service does need still imports.
            result = self.run_child(
                [sys.executable, '-c', 'import %s.cmd' % allowed], env)
            self.assertEqual(0, result.returncode, result.stderr)
            self.assertNotIn(REFUSED, result.stderr)

    def test_baremetal_notifier_serves_without_compute_ext(self):
        self.db_sync('baremetal-notifier-manage', 'baremetal-notifier',
                     'compute_ext')
        # API and conductor in one process, as deployed.
        proc = self.start('baremetal-notifier', 'baremetal-notifier',
                          'compute_ext')
        url = self.layout.baremetal_url
        self.wait_ready(proc, url + '/')
        self.assertEqual(200, requests.get(url + '/', timeout=10)
                         .status_code)
        response = requests.get(url + '/v1/nodes', timeout=10)
        self.assertEqual((200, {'nodes': []}),
                         (response.status_code, response.json()))
        self.assert_ran_apart(proc, 'compute_ext')
        self.stop_cleanly(proc)

    def start_compute_api(self):
        self.db_sync('compute-ext-manage', 'compute-ext-api',
                     'baremetal_notifier')
        proc = self.start('compute-ext-api', 'compute-ext-api',
                          'baremetal_notifier')
        self.wait_ready(proc, self.layout.compute_url + '/')
        return proc

    def test_compute_api_serves_without_baremetal_notifier(self):
        proc = self.start_compute_api()
        headers = {'X-Auth-Token': stack_layout.NOAUTH2_ADMIN_TOKEN}
        url = self.layout.compute_url
        response = requests.get(url + '/', headers=headers, timeout=10)
        self.assertEqual(200, response.status_code, response.text)
        response = requests.get(url + '/os-services', headers=headers,
                                timeout=10)
        self.assertEqual((200, {'services': []}),
                         (response.status_code, response.json()))
        self.assert_ran_apart(proc, 'baremetal_notifier')
        self.stop_cleanly(proc)

    def test_compute_agent_heartbeats_without_baremetal_notifier(self):
        api = self.start_compute_api()
        agent = self.start(HOST, 'compute-ext-compute', 'baremetal_notifier')
        compute = clients.ComputeClient(self.layout.compute_url,
                                        stack_layout.NOAUTH2_ADMIN_TOKEN)

        def service_row(condition=lambda row: True):
            agent.check_alive()
            rows = compute.services(binary='nova-compute', host=HOST)
            return rows[0] if rows and condition(rows[0]) else None

        first = stack_process.wait_for(
            lambda: service_row(lambda row: row['state'] == 'up'),
            START_TIMEOUT, 0.2, '%s up in os-services' % HOST)
        # Up could be the registration alone; a newer updated_at is a
        # heartbeat ([DEFAULT] report_interval = 1 in the stack config).
        stack_process.wait_for(
            lambda: service_row(
                lambda row: row['updated_at'] != first['updated_at']),
            START_TIMEOUT, 0.2, 'a heartbeat of %s' % HOST)
        self.assertEqual('enabled', first['status'])
        self.assert_ran_apart(agent, 'baremetal_notifier')
        self.stop_cleanly(agent)
        self.assert_ran_apart(api, 'baremetal_notifier')
        self.stop_cleanly(api)
