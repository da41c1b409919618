"""The pyghmi version check of powerbridge.pyghmi_compat."""

import importlib.metadata
import importlib.util
import os
import re
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
