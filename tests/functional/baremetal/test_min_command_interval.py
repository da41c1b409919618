"""[ipmi] min_command_interval against virtual BMCs: a BMC is never asked
sooner than allowed, and a BMC that must wait holds up no other."""

import threading
import time

import testtools

from baremetal_notifier.drivers import base
from tests.fixtures import vbmc as vbmc_fixtures

INTERVAL = 0.5
# A longer interval where the test compares a paced read with a fresh one:
# the margin between them must exceed what a loaded machine adds.
LONG_INTERVAL = 2.0


class TestMinCommandInterval(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.bmcs = self.useFixture(vbmc_fixtures.FleetFixture(3))
        self.driver = self.useFixture(vbmc_fixtures.DriverFixture(
            min_command_interval=INTERVAL)).driver
        self.targets = self.bmcs.targets()

    def read(self, targets):
        readings = self.driver.get_power_states(targets, 10.0)
        self.assertEqual({}, {k: r.error for k, r in readings.items()
                              if r.error})
        return readings

    def test_back_to_back_reads_are_spaced(self):
        self.read(self.targets[:2])
        started = time.monotonic()
        self.read(self.targets[:2])
        self.read(self.targets[:2])
        # Two more operations per BMC: each waits out its interval.
        self.assertGreaterEqual(time.monotonic() - started,
                                2 * INTERVAL - 0.05)

    def test_a_waiting_bmc_holds_up_no_other(self):
        self.driver = self.useFixture(vbmc_fixtures.DriverFixture(
            min_command_interval=LONG_INTERVAL)).driver
        self.read(self.targets)  # warm sessions: no login below
        time.sleep(LONG_INTERVAL)
        self.read(self.targets[:1])
        took = {}

        def timed(name, targets):
            started = time.monotonic()
            self.read(targets)
            took[name] = time.monotonic() - started
        paced = threading.Thread(target=timed,
                                 args=('paced', self.targets[:1]))
        paced.start()
        timed('fresh', self.targets[1:])
        paced.join(10)
        self.assertLess(took['fresh'], LONG_INTERVAL / 2, took)
        self.assertGreaterEqual(took['paced'], LONG_INTERVAL * 0.6, took)

    def test_a_power_action_waits_for_its_bmc(self):
        self.read(self.targets[:1])
        started = time.monotonic()
        state = self.driver.set_power_state(self.targets[0], base.POWER_OFF,
                                            10.0)
        self.assertEqual(base.POWER_OFF, state)
        # The chassis control, then its verifying read: two intervals.
        self.assertGreaterEqual(time.monotonic() - started,
                                2 * INTERVAL - 0.05)
