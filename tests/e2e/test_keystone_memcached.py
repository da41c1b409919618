"""keystonemiddleware's token cache in memcached, as deployed.

The Compute API runs under gunicorn with several workers and
``[keystone_authtoken] memcached_servers`` naming a real memcached: a
token Keystone validated once is served from memcached by every worker
(memcached counts the hits; the in-process cache would leave it empty).
A revoked token is refused once its cache entry expires
(``token_cache_time``): the window a deployment accepts for not asking
Keystone on every request. A token revoked before the service ever saw
it is refused at once.
"""

import os
import time

import fixtures
import requests
import testtools

import db_migrations
from compute_ext import context as compute_context
from powerbridge import db
from powerbridge.stack import cloud as stack_cloud
from powerbridge.stack import layout as stack_layout
from tests.e2e.test_keystone_wsgi import GunicornAPI
from tests.fixtures import compute as compute_fixtures
from tests.fixtures import keystone as keystone_fixture
from tests.fixtures import memcached as memcached_fixture
from tests.fixtures.waiting import wait_for

# Seconds a validated token stays in memcached: short, so that the test
# sees a revoked one expire; long enough to be seen still cached.
CACHE_SECONDS = 10
REQUESTS = 12


class TestTokenCacheInMemcached(testtools.TestCase):

    def setUp(self):
        super().setUp()
        # Keystone first: its first set-up is not this test's time.
        self.keystone = self.useFixture(keystone_fixture.Keystone()).server
        self.useFixture(fixtures.Timeout(240, gentle=True))
        self.memcached = self.useFixture(memcached_fixture.Memcached())
        tmp = self.useFixture(fixtures.TempDir()).path
        port = stack_layout.free_port()
        self.cloud = stack_cloud.populate(self.keystone, {
            'compute': 'http://127.0.0.1:%d/v2.1' % port})
        url = 'sqlite:///%s' % os.path.join(tmp, 'compute.sqlite')
        db_migrations.sync('compute', url)
        database = db.Database(url)
        self.addCleanup(database.dispose)
        compute_fixtures.add_service(compute_context.admin_context(database),
                                     'compute-1')
        config = os.path.join(tmp, 'compute.conf')
        stack_layout.write_config(config, {
            'DEFAULT': {'state_path': tmp},
            'api': {'auth_strategy': 'keystone'},
            'database': {'connection': url},
            'keystone_authtoken': dict(
                self.cloud.service_auth_options('nova'),
                www_authenticate_uri=self.cloud.auth_url,
                region_name=self.cloud.region,
                memcached_servers=self.memcached.server,
                token_cache_time=CACHE_SECONDS)})
        self.compute = self.useFixture(GunicornAPI(
            tmp, 'compute', 'compute_ext.wsgi.api:application',
            'COMPUTE_EXT_CONFIG_FILE', config, port))

    def status(self, token):
        return requests.get(
            self.compute.url + '/v2.1/os-services', timeout=30,
            headers={'X-Auth-Token': token}).status_code

    def revoke(self, token):
        session = self.cloud.session('admin')
        session.delete(self.cloud.auth_url + '/auth/tokens',
                       headers={'X-Subject-Token': token})

    def test_tokens_are_cached_in_memcached_and_revocation_follows(self):
        token = self.cloud.token('admin')
        before = self.memcached.stats()
        self.assertEqual(200, self.status(token))
        cached_at = time.monotonic()
        statuses = {self.status(token) for _ in range(REQUESTS)}
        self.assertEqual({200}, statuses)
        after = self.memcached.stats()
        # The token went into memcached and later requests, over every
        # worker, found it there.
        self.assertGreater(after['cmd_set'], before['cmd_set'])
        self.assertGreaterEqual(after['get_hits'] - before['get_hits'],
                                REQUESTS)
        self.assertGreater(len(self.compute.worker_pids()), 1)

        self.revoke(token)
        if time.monotonic() - cached_at < CACHE_SECONDS / 2:
            # Still in the cache: served without asking Keystone.
            self.assertEqual(200, self.status(token))
        wait_for(lambda: self.status(token) == 401,
                 'the revoked token to be refused',
                 timeout=CACHE_SECONDS + 60, interval=0.5)
        # Refused for good: the cache now holds the refusal.
        self.assertEqual(401, self.status(token))

        # A token revoked before the service saw it is refused at once.
        fresh = self.cloud.token('alice')
        self.revoke(fresh)
        self.assertEqual(401, self.status(fresh))
