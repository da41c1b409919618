"""baremetal-notifier-vbmc: argument errors give one clear line."""

import io
import os
import socket
import tempfile

import fixtures
import testtools

from powerbridge.cmd import vbmc


class TestVbmcArguments(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.stderr = io.StringIO()
        self.stdout = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', self.stderr))
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', self.stdout))
        # NOTE: oslo.log would reconfigure this process's root logger.
        self.useFixture(fixtures.MockPatch('oslo_log.log.setup'))
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.pwfile = os.path.join(self.tmp, 'pw')
        with open(self.pwfile, 'w') as handle:
            handle.write('Secret-1\n')

    def _fails(self, argv, expected):
        rc = vbmc.main(argv)
        self.assertEqual(2, rc)
        lines = self.stderr.getvalue().splitlines()
        self.assertEqual(1, len(lines), lines)
        self.assertTrue(lines[0].startswith(
            'baremetal-notifier-vbmc: error: '), lines[0])
        self.assertIn(expected, lines[0])
        self.assertEqual('', self.stdout.getvalue())
        return lines[0]

    def test_missing_password_file(self):
        missing = os.path.join(self.tmp, 'nope')
        self._fails(['--password-file', missing],
                    'cannot read password file %s' % missing)

    def test_password_file_required(self):
        self._fails(['--count', '2'], '--password-file is required')

    def test_empty_password_file(self):
        empty = tempfile.mkstemp(dir=self.tmp)[1]
        self._fails(['--password-file', empty], 'is empty')

    def test_bad_count(self):
        self._fails(['--count', '0', '--password-file', self.pwfile],
                    '--count must be at least 1')

    def test_ports_out_of_range(self):
        self._fails(['--count', '10', '--base-port', '65530',
                     '--password-file', self.pwfile], 'past port 65535')

    def test_udp_port_in_use(self):
        taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(taken.close)
        taken.bind(('127.0.0.1', 0))
        port = taken.getsockname()[1]
        # BMC 0 gets the taken port, so nothing else is bound for long.
        line = self._fails(['--count', '3', '--base-port', str(port),
                            '--password-file', self.pwfile],
                           'cannot bind UDP 127.0.0.1:%d' % port)
        self.assertNotIn('Secret-1', line)

    def test_control_port_in_use(self):
        taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(taken.close)
        taken.bind(('127.0.0.1', 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        self._fails(['--count', '1', '--base-port', '0', '--control-port',
                     str(port), '--password-file', self.pwfile],
                    'cannot listen on 127.0.0.1:%d' % port)

    def test_read_password_strips_newline_only(self):
        with open(self.pwfile, 'w') as handle:
            handle.write(' pass word \r\nsecond line\n')
        self.assertEqual(' pass word ', vbmc.read_password(self.pwfile))

    def test_password_never_on_the_command_line(self):
        # The tool has no option that takes the password itself.
        names = {opt.dest for opt in vbmc.cli_opts}
        self.assertNotIn('password', names)
        self.assertIn('password_file', names)
