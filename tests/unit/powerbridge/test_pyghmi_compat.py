"""The pyghmi version check of powerbridge.pyghmi_compat."""

import importlib.metadata
import importlib.util
import os
import re
import socket
import time

import fixtures
import testtools

from powerbridge import pyghmi_compat

REQUIREMENTS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))),
    'requirements.txt')


def fresh_import():
    """Run the module's code again under another name (sys.modules as is)."""
    spec = importlib.util.spec_from_file_location(
        'pyghmi_compat_under_test', pyghmi_compat.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class VersionCheckTest(testtools.TestCase):

    def installed(self, version):
        real = importlib.metadata.version

        def fake(name):
            if name != 'pyghmi':
                return real(name)
            if version is None:
                raise importlib.metadata.PackageNotFoundError(name)
            return version

        self.useFixture(fixtures.MonkeyPatch('importlib.metadata.version',
                                             fake))

    def test_expected_version_matches_requirements_pin(self):
        with open(REQUIREMENTS, encoding='utf-8') as handle:
            pins = re.findall(r'^pyghmi==(\S+)$', handle.read(), re.M)
        self.assertEqual([pyghmi_compat.EXPECTED_VERSION], pins)

    def test_installed_version_accepted(self):
        pyghmi_compat.check_version()

    def test_other_version_refused_with_one_line(self):
        self.installed('1.6.20')
        exc = self.assertRaises(pyghmi_compat.PyghmiVersionError,
                                pyghmi_compat.check_version)
        message = str(exc)
        self.assertNotIn('\n', message)
        self.assertIn('pyghmi 1.6.19 is required', message)
        self.assertIn('found 1.6.20', message)
        self.assertIn('doc/source/ipmi.rst', message)
        # How the console scripts tell it from other import errors.
        self.assertIsInstance(exc, ImportError)
        self.assertEqual('pyghmi', exc.name)

    def test_missing_pyghmi_refused(self):
        self.installed(None)
        exc = self.assertRaises(pyghmi_compat.PyghmiVersionError,
                                pyghmi_compat.check_version)
        self.assertIn('found none installed', str(exc))

    def test_checked_at_import(self):
        self.installed('1.7.0')
        exc = self.assertRaises(ImportError, fresh_import)
        self.assertEqual('pyghmi', exc.name)
        self.assertIn('found 1.7.0', str(exc))

    def test_import_changes_nothing_in_pyghmi(self):
        from pyghmi.ipmi.private import session
        before = (session._io_sendto, session._io_recvfrom, session.select,
                  session.initialtimeout)
        fresh_import()
        self.assertEqual(before, (session._io_sendto, session._io_recvfrom,
                                  session.select, session.initialtimeout))


class ClockTest(testtools.TestCase):

    def test_the_fast_clock_continues_pyghmis(self):
        """The clock install_client_patches gives pyghmi reads what
        os.times()[4] reads (to its 10 ms ticks) and moves with time."""
        clock = pyghmi_compat._vdso_clock()
        before = clock()
        self.assertAlmostEqual(os.times()[4], before, delta=0.05)
        time.sleep(0.05)
        self.assertGreaterEqual(clock() - before, 0.05)
        self.assertAlmostEqual(os.times()[4], clock(), delta=0.05)

    def test_pyghmi_session_and_util_share_the_clock(self):
        from pyghmi.ipmi.private import session
        from pyghmi.ipmi.private import util

        pyghmi_compat.install_client_patches()
        self.assertIs(session._monotonic_time, util._monotonic_time)
        self.assertAlmostEqual(os.times()[4], session._monotonic_time(),
                               delta=0.05)


class LoopThreadIoTest(testtools.TestCase):
    """The loop thread's own socket reads, on real UDP sockets on
    loopback, in pyghmi's socket list."""

    def udp(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(('127.0.0.1', 0))
        sock.setblocking(False)
        self.addCleanup(sock.close)
        return sock

    def send(self, sock, payload=b'\x06\x00\xff\x07'):
        self.sender.sendto(payload, sock.getsockname())

    def setUp(self):
        super().setUp()
        self.sender = self.udp()
        self.sockets = []
        self.useFixture(fixtures.MonkeyPatch(
            'pyghmi.ipmi.private.session.iosockets', self.sockets))
        self.read = []
        self.useFixture(fixtures.MonkeyPatch(
            'powerbridge.pyghmi_compat._stock_graball',
            lambda socks, waiters: self.read.append(list(socks))))
        self.io = pyghmi_compat._LoopThreadIo()

    def test_only_readable_sockets_are_read(self):
        quiet, busy = self.udp(), self.udp()
        self.sockets.extend([quiet, busy])
        self.send(busy)
        self.io.io_wait(5)
        self.assertEqual([[busy]], self.read)

    def test_sockets_appended_later_are_watched(self):
        self.sockets.append(self.udp())
        self.io.io_wait(0)
        self.assertEqual([], self.read)
        later = self.udp()
        self.sockets.append(later)
        self.send(later)
        self.io.io_wait(5)
        self.assertEqual([[later]], self.read)

    def test_a_timeout_reads_nothing(self):
        self.sockets.append(self.udp())
        started = time.monotonic()
        self.io.io_wait(0.05)
        self.assertGreaterEqual(time.monotonic() - started, 0.04)
        self.assertEqual([], self.read)

    def test_pyghmis_io_thread_reads_nothing(self):
        busy = self.udp()
        self.send(busy)
        self.assertEqual(([], [], []), self.io.select([busy], (), (), 0.01))
        self.assertEqual([], self.io.graball([busy], {}))
        self.assertEqual(b'\x06\x00\xff\x07', busy.recv(64))


class SessionOsTest(testtools.TestCase):

    def test_random_blocks_are_never_handed_out_twice(self):
        session_os = pyghmi_compat._SessionOs()
        blocks = [session_os.urandom(16) for _ in range(1000)]
        self.assertEqual({16}, {len(block) for block in blocks})
        self.assertEqual(len(blocks), len(set(blocks)))

    def test_other_sizes_and_names_are_the_os_modules(self):
        session_os = pyghmi_compat._SessionOs()
        self.assertEqual(4, len(session_os.urandom(4)))
        self.assertIs(os.environ, session_os.environ)
