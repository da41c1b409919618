"""With an unexpected pyghmi the services stop with one line, exit 2.

Each command runs in a child process whose importlib.metadata reports
another pyghmi version, as an upgraded installation would.
"""

import os
import subprocess
import sys

import fixtures
import testtools

RUNNER = '''
import importlib, importlib.metadata as md, sys
real = md.version
md.version = lambda name: '9.9.9' if name == 'pyghmi' else real(name)
sys.exit(importlib.import_module(sys.argv[1]).main(sys.argv[2:]))
'''
EXPECTED = ('pyghmi 1.6.19 is required (powerbridge relies on its '
            'internals, see doc/source/ipmi.rst), found 9.9.9')


class WrongPyghmiTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(text)
        return path

    def run_command(self, module, *args):
        proc = subprocess.run(
            [sys.executable, '-c', RUNNER, module] + list(args),
            cwd=self.tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, timeout=60)
        return proc.returncode, proc.stdout, proc.stderr

    def test_vbmc(self):
        password = self.write('pw', 'password\n')
        rc, out, err = self.run_command(
            'powerbridge.cmd.vbmc', '--count', '2', '--base-port', '0',
            '--password-file', password)
        self.assertEqual(2, rc)
        self.assertEqual('', out)
        self.assertEqual(['baremetal-notifier-vbmc: error: ' + EXPECTED],
                         err.splitlines())

    def test_baremetal_notifier(self):
        conf = self.write('bm.conf', (
            '[DEFAULT]\nuse_stderr = true\n'
            '[database]\nconnection = sqlite:///%s/bm.db\n'
            '[api]\nauth_strategy = noauth\nport = 0\n' % self.tmp))
        rc, out, err = self.run_command(
            'baremetal_notifier.cmd.service', '--config-file', conf)
        self.assertEqual(2, rc)
        self.assertEqual(['baremetal-notifier: ' + EXPECTED],
                         err.splitlines())
