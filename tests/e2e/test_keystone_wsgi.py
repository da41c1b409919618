"""Both APIs under a production WSGI server with several worker processes,
behind the real Keystone.

gunicorn serves ``compute_ext.wsgi.api:application`` and
``baremetal_notifier.wsgi.api:application`` (the applications
``compute-ext-api-wsgi`` and ``baremetal-notifier-api-wsgi`` build, each
from its $..._CONFIG_FILE) with WORKERS processes each. Its access log
names the worker of every request, so the test can show that requests
were spread over processes and that nothing an answer depends on lives in
one of them: the microversion, the servicegroup's view of a forced-down
host, request ids, and a policy file changed while they run.
"""

import json
import os
import re
import signal
import subprocess
import time
import uuid

import fixtures
import requests
import testtools

import db_migrations
from compute_ext import context as compute_context
from powerbridge import db
from powerbridge.stack import cloud as stack_cloud
from powerbridge.stack import keystone as ks_server
from powerbridge.stack import layout as stack_layout
from powerbridge.stack.process import find_script
from powerbridge.stack.process import wait_for
from tests.fixtures import compute as compute_fixtures
from tests.fixtures import keystone as keystone_fixture

WORKERS = 3
REQUESTS = 24
_ACCESS = re.compile(r'^<(\d+)> "', re.M)


class GunicornAPI(fixtures.Fixture):
    """gunicorn serving ``application`` with WORKERS processes."""

    def __init__(self, directory, name, application, config_env, config,
                 port):
        super().__init__()
        self.directory = os.path.join(directory, name)
        self.application = application
        self.config_env = config_env
        self.config = config
        self.port = port
        self.url = 'http://127.0.0.1:%d' % port

    def _setUp(self):
        os.makedirs(self.directory)
        self.access_log = os.path.join(self.directory, 'access.log')
        self.log_path = os.path.join(self.directory, 'gunicorn.log')
        ks_server.write_gunicorn_config(self.directory, self.application,
                                        self.port, WORKERS,
                                        access_log=self.access_log)
        env = dict(os.environ, **{self.config_env: self.config})
        with open(self.log_path, 'wb') as log:
            self.process = subprocess.Popen(
                [find_script('gunicorn')], cwd=self.directory, env=env,
                stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        self.addCleanup(self.stop)
        wait_for(self._answers, 60, 0.1, '%s to answer' % self.application)

    def _answers(self):
        if self.process.poll() is not None:
            raise AssertionError('gunicorn exited:\n' + self.log())
        try:
            return requests.get(self.url + '/', timeout=2).ok
        except requests.RequestException:
            return False

    def log(self):
        with open(self.log_path, encoding='utf-8', errors='replace') as log:
            return log.read()

    def worker_pids(self):
        with open(self.access_log, encoding='utf-8') as log:
            return set(_ACCESS.findall(log.read()))

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(30)
        return self.process.returncode


class TestMultiProcessWSGI(testtools.TestCase):

    def setUp(self):
        super().setUp()
        # Keystone first: its first set-up is not this test's time.
        self.keystone = self.useFixture(keystone_fixture.Keystone()).server
        self.useFixture(fixtures.Timeout(240, gentle=True))
        self.tmp = self.useFixture(fixtures.TempDir()).path
        ports = {name: stack_layout.free_port()
                 for name in ('compute', 'baremetal')}
        self.cloud = stack_cloud.populate(self.keystone, {
            'compute': 'http://127.0.0.1:%d/v2.1' % ports['compute'],
            'baremetal': 'http://127.0.0.1:%d' % ports['baremetal']})
        self.policy_file = os.path.join(self.tmp, 'compute-policy.yaml')
        with open(self.policy_file, 'w') as handle:
            handle.write('{}\n')
        urls = {}
        for tree in ('compute', 'baremetal'):
            urls[tree] = 'sqlite:///%s' % os.path.join(
                self.tmp, tree + '.sqlite')
            db_migrations.sync(tree, urls[tree])
        database = db.Database(urls['compute'])
        self.addCleanup(database.dispose)
        compute_fixtures.add_service(compute_context.admin_context(database),
                                     'compute-1')
        self.compute = self.useFixture(GunicornAPI(
            self.tmp, 'compute', 'compute_ext.wsgi.api:application',
            'COMPUTE_EXT_CONFIG_FILE',
            self.config('compute', urls['compute'], 'nova',
                        {'policy_file': self.policy_file}),
            ports['compute']))
        self.baremetal = self.useFixture(GunicornAPI(
            self.tmp, 'baremetal', 'baremetal_notifier.wsgi.api:application',
            'BAREMETAL_NOTIFIER_CONFIG_FILE',
            self.config('baremetal', urls['baremetal'], 'ironic'),
            ports['baremetal']))

    def config(self, name, url, user, policy=None):
        path = os.path.join(self.tmp, name + '.conf')
        sections = {
            'DEFAULT': {'state_path': self.tmp},
            'api': {'auth_strategy': 'keystone'},
            'database': {'connection': url},
            'keystone_authtoken': dict(
                self.cloud.service_auth_options(user),
                www_authenticate_uri=self.cloud.auth_url,
                region_name=self.cloud.region)}
        if policy:
            sections['oslo_policy'] = policy
        stack_layout.write_config(path, sections)
        return path

    def compute_get(self, path, token, version):
        return requests.get(
            self.compute.url + '/v2.1' + path, timeout=30,
            headers={'X-Auth-Token': token,
                     'OpenStack-API-Version': 'compute %s' % version})

    def test_nothing_depends_on_one_worker(self):
        admin = self.cloud.token('admin')
        # Microversions and request ids, over every worker.
        request_ids = set()
        for number in range(REQUESTS):
            version = ('2.1', '2.53', '2.76')[number % 3]
            response = self.compute_get('/os-services', admin, version)
            self.assertEqual(200, response.status_code, response.text)
            self.assertEqual('compute %s' % version,
                             response.headers['OpenStack-API-Version'])
            service, = [s for s in response.json()['services']
                        if s['host'] == 'compute-1']
            self.assertEqual(version == '2.1', isinstance(service['id'],
                                                          int))
            self.assertEqual(version != '2.1', 'forced_down' in service)
            request_ids.add(response.headers['x-openstack-request-id'])
        self.assertEqual(REQUESTS, len(request_ids))
        # The servicegroup: a host forced down through one worker is down
        # in every other at once.
        service_id = self.compute_get('/os-services?host=compute-1', admin,
                                      '2.53').json()['services'][0]['id']
        response = requests.put(
            '%s/v2.1/os-services/%s' % (self.compute.url, service_id),
            json={'forced_down': True}, timeout=30,
            headers={'X-Auth-Token': admin,
                     'OpenStack-API-Version': 'compute 2.53'})
        self.assertEqual(200, response.status_code, response.text)
        for _ in range(REQUESTS // 2):
            service, = self.compute_get('/os-services?host=compute-1',
                                        admin, '2.53').json()['services']
            self.assertEqual((True, 'down'),
                             (service['forced_down'], service['state']))
        # An operator's policy file, changed while the workers run, is
        # read by every one of them.
        rita = self.cloud.token('rita')
        self.assertEqual(403, self.compute_get('/os-services', rita,
                                               '2.1').status_code)
        with open(self.policy_file, 'w') as handle:
            handle.write('"os_compute_api:os-services:list": '
                         '"role:reader"\n')
        later = time.time() + 2
        os.utime(self.policy_file, (later, later))
        statuses = {self.compute_get('/os-services', rita, '2.1').status_code
                    for _ in range(REQUESTS // 2)}
        self.assertEqual({200}, statuses)
        self.assertGreater(len(self.compute.worker_pids()), 1)
        self.check_baremetal()

    def check_baremetal(self):
        session = self.cloud.session('admin', system_scope=True)
        headers = {'X-OpenStack-Ironic-API-Version': '1.42'}

        def call(method, path, body=None):
            return session.request(self.baremetal.url + path, method,
                                   json=body, headers=headers,
                                   raise_exc=False)
        created = call('POST', '/v1/nodes', {'driver': 'ipmi',
                                             'name': 'wsgi-node'})
        self.assertEqual(201, created.status_code, created.text)
        node = created.json()['uuid']
        for _ in range(REQUESTS // 2):
            self.assertEqual('wsgi-node',
                             call('GET', '/v1/nodes/' + node).json()['name'])
        self.assertEqual(202, call('PUT', '/v1/nodes/%s/maintenance' % node,
                                   {'reason': 'wsgi'}).status_code)
        self.assertTrue(call('GET', '/v1/nodes/' + node).json()[
            'maintenance'])
        # An API-only process accepts power actions and queues them for
        # a conductor process (none runs here): whichever worker serves
        # the next request sees the node reserved for the queued action.
        powered = call('POST', '/v1/nodes', {
            'driver': 'ipmi', 'name': 'wsgi-powered', 'driver_info': {
                'ipmi_address': '127.0.0.1', 'ipmi_port': 9,
                'ipmi_username': 'admin', 'ipmi_password': 'secret'}})
        self.assertEqual(201, powered.status_code, powered.text)
        path = '/v1/nodes/%s/states/power' % powered.json()['uuid']
        power = call('PUT', path, {'target': 'power on'})
        self.assertEqual(202, power.status_code, power.text)
        for _ in range(WORKERS):
            again = call('PUT', path, {'target': 'power off'})
            self.assertEqual(409, again.status_code, again.text)
            self.assertIn('locked by host (action queued)', json.loads(
                again.json()['error_message'])['faultstring'])
        self.assertEqual(204, call('DELETE', '/v1/nodes/%s' % node,
                                   ).status_code)
        self.assertEqual(404, call('GET', '/v1/nodes/%s' % uuid.uuid4(),
                                   ).status_code)
        self.assertGreater(len(self.baremetal.worker_pids()), 1)
