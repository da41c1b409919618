"""The peer venv cache: a finished build is reused, a failed one is not
retried by every caller of the same run."""

import os

import fixtures
import testtools

from powerbridge.stack import venvs


class TestVenvCache(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.root = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.EnvironmentVariable(venvs.CACHE_ENV,
                                                     self.root))

    def test_a_complete_venv_is_returned_as_it_is(self):
        path = os.path.join(self.root, 'peer-1.0')
        os.makedirs(path)
        with open(os.path.join(path, venvs.MARKER), 'w') as marker:
            marker.write('peer==1.0\n')
        self.assertEqual((path, 0.0), venvs.ensure('peer', '1.0',
                                                   ['peer==1.0']))

    def test_a_recent_failure_is_reported_without_a_new_build(self):
        with open(os.path.join(self.root, 'peer-1.0.failed'), 'w') as fail:
            fail.write('pip failed (1): no such package')
        error = self.assertRaises(venvs.VenvError, venvs.ensure, 'peer',
                                  '1.0', ['peer==1.0'])
        self.assertIn('no such package', str(error))
        self.assertFalse(os.path.exists(os.path.join(self.root,
                                                     'peer-1.0')))
