"""Bad days with Keystone: unreachable, a wrong service password.

compute-ext-api runs as a process with ``auth_strategy = keystone`` and
logs at DEBUG. Keystone unreachable: a token the service has not seen
gets a quick 503 (keystonemiddleware's bounded timeout and retries, not a
hang), a token it validated before is still served from its token cache,
and the service answers normally once Keystone is back. A wrong service
password: requests get a 503 and the log says why, without the password.
"""

import os
import time

import fixtures
import requests
import testtools

import db_migrations
from powerbridge.stack import cloud as stack_cloud
from powerbridge.stack import layout as stack_layout
from tests.fixtures import keystone as keystone_fixture
from tests.fixtures import processes
from tests.fixtures.waiting import wait_for

# keystonemiddleware's timeout and retries in the config below.
CONNECT_TIMEOUT = 2
# A 503 must come well within this (timeout x attempts, plus slack for a
# loaded machine); a hang would be the test's own timeout.
QUICK = 20


class TestKeystoneFailures(testtools.TestCase):

    def setUp(self):
        super().setUp()
        # Keystone first: its first set-up is not this test's time.
        self.keystone = self.useFixture(keystone_fixture.Keystone()).server
        self.useFixture(fixtures.Timeout(240, gentle=True))
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.port = stack_layout.free_port()
        self.cloud = stack_cloud.populate(self.keystone, {
            'compute': 'http://127.0.0.1:%d/v2.1' % self.port})
        self.db_url = 'sqlite:///%s' % os.path.join(self.tmp, 'c.sqlite')
        db_migrations.sync('compute', self.db_url)

    def start_api(self, password):
        config = os.path.join(self.tmp, 'compute-ext.conf')
        stack_layout.write_config(config, {
            'DEFAULT': {'state_path': self.tmp, 'debug': True},
            'api': {'auth_strategy': 'keystone', 'port': self.port},
            'database': {'connection': self.db_url},
            'keystone_authtoken': dict(
                self.cloud.service_auth_options('nova'), password=password,
                www_authenticate_uri=self.cloud.auth_url,
                region_name=self.cloud.region,
                http_connect_timeout=CONNECT_TIMEOUT,
                http_request_max_retries=1)})
        api = self.useFixture(processes.Process(
            processes.console_script('compute-ext-api')
            + ['--config-file', config],
            os.path.join(self.tmp, 'api.log')))
        wait_for(lambda: processes.listening(api.popen, api.log_path,
                                             'compute-ext-api'),
                 'compute-ext-api to listen', timeout=60)
        return api

    def get(self, token):
        started = time.monotonic()
        response = requests.get(
            'http://127.0.0.1:%d/v2.1/servers' % self.port, timeout=120,
            headers={'X-Auth-Token': token})
        return response, time.monotonic() - started

    def test_keystone_unreachable(self):
        api = self.start_api(self.cloud.passwords['nova'])
        seen = self.cloud.token('alice')
        unseen = self.cloud.token('rita')
        self.assertEqual(200, self.get(seen)[0].status_code)
        self.keystone.pause()
        try:
            response, seconds = self.get(unseen)
            cached, _ = self.get(seen)
        finally:
            self.keystone.resume()
        self.assertEqual(503, response.status_code, response.text)
        self.assertLess(seconds, QUICK)
        self.assertEqual('serviceUnavailable', *response.json())
        # Validated before Keystone went away: the token cache answers.
        self.assertEqual(200, cached.status_code, cached.text)
        # Keystone back: the same service, no restart.
        self.assertEqual(200, self.get(unseen)[0].status_code)
        self.assertIsNone(api.popen.poll())
        self.assert_no_secrets(api.log, seen, unseen)

    def test_wrong_service_password(self):
        wrong = 'not-the-password-%s' % os.getpid()
        api = self.start_api(wrong)
        response, seconds = self.get(self.cloud.token('alice'))
        self.assertEqual(503, response.status_code, response.text)
        self.assertLess(seconds, QUICK)
        log = api.log
        self.assertIn('Identity server rejected authorization', log)
        self.assertNotIn(wrong, log)
        self.assert_no_secrets(log)
        self.assertIsNone(api.popen.poll())

    def assert_no_secrets(self, log, *tokens):
        for secret in list(self.cloud.passwords.values()) + list(tokens):
            self.assertNotIn(secret, log)
