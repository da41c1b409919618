"""Shared parts of the Keystone end-to-end tests: a stack behind the
process's real Keystone, and the openstack CLI run with OS_* variables.
"""

import json
import os
import subprocess

import fixtures
import testtools

from powerbridge.stack.process import find_script
from tests.e2e import base
from tests.fixtures import keystone as keystone_fixture


class KeystoneStackTestCase(base.StackTestCase):
    """A StackTestCase whose stack authenticates with Keystone."""

    # SQLite only: the databases are covered by the other e2e tests; what
    # is new here is the identity side.
    scenarios = [('sqlite', {'backend': 'sqlite'})]
    test_timeout = base.TEST_TIMEOUT

    def setUp(self):
        # NOTE: Keystone first, then the test's timeout: the first test of
        # a process may install and set up Keystone, which the timeout of
        # one test was not meant to cover.
        testtools.TestCase.setUp(self)
        self.keystone = self.useFixture(keystone_fixture.Keystone()).server
        self.useFixture(fixtures.Timeout(self.test_timeout, gentle=True))

    def start_cloud(self, **settings):
        """A stack in Keystone's catalog; instances belong to alice in
        project demo."""
        settings.setdefault('nodes', 2)
        settings.setdefault('compute_hosts', ('compute-1',))
        stack = self.start_stack(keystone=self.keystone, **settings)
        self.cloud = stack.cloud
        return stack

    def openstack(self, user, *args, system_scope=False, expect_ok=True):
        """The openstack CLI as ``user`` with OS_* password variables and
        no endpoint override; (returncode, stdout, stderr)."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_')}
        env.update(self.cloud.os_env(user, system_scope))
        result = subprocess.run([find_script('openstack')] + list(args),
                                env=env, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=120)
        if expect_ok and result.returncode:
            self.fail('openstack %s as %s failed (%d): %s' % (
                ' '.join(args), user, result.returncode,
                result.stderr.strip()[-2000:]))
        return result.returncode, result.stdout, result.stderr

    def openstack_json(self, user, *args, system_scope=False):
        _, out, _ = self.openstack(user, *(args + ('-f', 'json')),
                                   system_scope=system_scope)
        return json.loads(out)

    def assert_refused(self, user, *args, system_scope=False,
                       message=None):
        """The CLI fails with the service's 403 (and its message)."""
        code, out, err = self.openstack(user, *args,
                                        system_scope=system_scope,
                                        expect_ok=False)
        self.assertNotEqual(0, code, out)
        self.assertIn('403', err)
        if message:
            self.assertIn(message, err)
        return err
