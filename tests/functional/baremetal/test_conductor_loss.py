"""Heavy packet loss (30 % each way) must not make false power failures.

Real sync cycles with the real IPMI driver against virtual BMCs that drop
each request and each reply with probability 0.3 (seeded): a warm read is
resent at a steady pace and tried again until its deadline, a read that
outlives its cycle answers for the next one, so no node may reach
'power failure' and every recorded state must follow the hardware.
"""

import time

import fixtures
import testtools

from baremetal_notifier.drivers import base
from baremetal_notifier.drivers import ipmi
from baremetal_notifier.objects import node_power
from tests.fixtures import conductor as cf
from tests.fixtures import vbmc as vbmc_fixtures
from tests.fixtures.waiting import wait_for

ON, OFF = base.POWER_ON, base.POWER_OFF
COUNT = 50
INTERVAL = 3      # [conductor] sync_power_state_interval of the cycles
LOSS_PCT = 30


class TestHeavyLoss(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger(level='INFO'))
        self.fleet = self.useFixture(vbmc_fixtures.FleetFixture(
            COUNT, seed='loss-test')).fleet
        # The default attempts with shorter steps: the read budget is
        # 3 x (2 + 1.5) = 10.5 s, more than three cycles.
        driver = ipmi.IPMIPowerDriver(login_timeout=2.0, command_timeout=1.5,
                                      attempts=3)
        self.cf = self.useFixture(cf.ConductorFixture(
            driver=driver, sync_deadline=10.5,
            conductor={'sync_power_state_interval': INTERVAL,
                       'power_state_sync_max_retries': 1}))
        self.conductor = self.cf.manager
        self.conductor.start()
        self.nodes = [self.cf.add_node(info=cf.driver_info(
            '127.0.0.1', port, vbmc_fixtures.USERNAME,
            vbmc_fixtures.PASSWORD)) for port in self.fleet.ports]

    def hardware(self):
        return [ON if self.fleet.get_power(i) else OFF for i in range(COUNT)]

    def states(self):
        return [self.cf.node(n)['power_state'] for n in self.nodes]

    def test_no_false_power_failures(self):
        self.conductor.sync_power_states()  # cold, no loss: sessions
        self.assertEqual(self.hardware(), self.states())
        self.fleet.set_fault(None, loss_pct=LOSS_PCT)
        for cycle in range(5):
            # The hardware changes behind the API under loss.
            self.fleet.set_power(cycle * 7, cycle % 2 == 0)
            started = time.monotonic()
            stats = self.conductor.sync_power_states()
            self.assertEqual(0, stats.maintenance)
            # Like the periodic task: the next cycle starts on time.
            time.sleep(max(0.0, INTERVAL - (time.monotonic() - started)))
        self.fleet.set_fault(None, loss_pct=0)
        # Reads carried past the last lossy cycle answer for this one.
        wait_for(lambda: not self.conductor.power_sync.reader
                 .still_reading(), timeout=15)
        self.conductor.sync_power_states()
        dropped = sum(self.fleet.describe(i)['counters'].get(name, 0)
                      for i in range(COUNT)
                      for name in ('dropped_in', 'dropped_out'))
        self.assertGreater(dropped, COUNT)
        self.assertEqual([], node_power.get_recovery_candidates(self.cf.ctx))
        self.assertEqual([False] * COUNT,
                         [self.cf.node(n)['maintenance'] for n in self.nodes])
        self.assertEqual(self.hardware(), self.states())
