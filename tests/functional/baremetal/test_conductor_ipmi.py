"""The conductor with the real IPMI driver against virtual BMCs.

Nodes are enrolled straight into the database (the API is not under test
here); every cycle is a real ``sync_power_states()``: the SQL, a batched
pyghmi query of every BMC over UDP, and the state writes.
"""

import json

import fixtures
import testtools

from baremetal_notifier.conductor import action_api
from baremetal_notifier.drivers import base
from baremetal_notifier.drivers import ipmi
from baremetal_notifier.objects import node_power
from tests.fixtures import conductor as cf
from tests.fixtures import vbmc as vbmc_fixtures

ON, OFF = base.POWER_ON, base.POWER_OFF
# Short enough that a dead BMC fails inside a test's patience.
DRIVER = dict(login_timeout=2.0, command_timeout=1.0, attempts=3)


def instance_uuid(index):
    return '00000000-0000-4000-8000-%012d' % index


class ConductorIpmiTestCase(testtools.TestCase):

    COUNT = 6
    FORCE = False
    MAX_RETRIES = 3
    DEADLINE = 10.0

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(fixtures.FakeLogger(level='DEBUG'))
        self.bmcs = self.useFixture(vbmc_fixtures.FleetFixture(self.COUNT))
        self.fleet = self.bmcs.fleet
        self.cf = self.useFixture(cf.ConductorFixture(
            driver=ipmi.IPMIPowerDriver(**DRIVER),
            sync_deadline=self.DEADLINE,
            conductor={'force_power_state_during_sync': self.FORCE,
                       'power_state_sync_max_retries': self.MAX_RETRIES}))
        self.conductor = self.cf.manager
        self.conductor.start()
        self.nodes = [self.enroll(i) for i in range(self.COUNT)]

    def enroll(self, index, password=vbmc_fixtures.PASSWORD, instance=True):
        info = cf.driver_info('127.0.0.1', self.fleet.ports[index],
                              vbmc_fixtures.USERNAME, password)
        uuid = instance_uuid(index) if instance else None
        return self.cf.add_node(info=info, instance_uuid=uuid)

    def sync(self):
        return self.conductor.sync_power_states()

    def states(self):
        return [self.cf.node(n)['power_state'] for n in self.nodes]

    def hardware(self):
        return [ON if self.fleet.get_power(i) else OFF
                for i in range(self.COUNT)]

    def failures(self):
        return [self.cf.node(n)['power_sync_failures'] for n in self.nodes]


class TestRecordMode(ConductorIpmiTestCase):

    def test_states_follow_the_hardware(self):
        self.fleet.set_power(1, True)
        stats = self.sync()
        self.assertEqual((self.COUNT, self.COUNT, 0),
                         (stats.nodes, stats.recorded, stats.failures))
        self.assertEqual(self.hardware(), self.states())
        self.assertEqual(OFF, self.states()[2])
        # A flip behind the API's back is recorded and announced.
        self.fleet.set_power(2, True)
        stats = self.sync()
        self.assertEqual((1, 0), (stats.recorded, stats.failures))
        self.assertEqual(ON, self.states()[2])
        self.assertEqual((self.nodes[2], instance_uuid(2), 'POWER_ON'),
                         self.cf.events()[-1])
        self.assertEqual(0, self.sync().recorded)

    def test_power_action(self):
        self.sync()
        action_api.in_process(self.conductor).change_node_power_state(
            None, self.nodes[4], ON)
        self.assertEqual(0, self.conductor.actions.wait(30))
        self.assertTrue(self.fleet.get_power(4))
        row = self.cf.node(self.nodes[4])
        self.assertEqual((ON, None, None, None),
                         (row['power_state'], row['target_power_state'],
                          row['reservation'], row['last_error']))
        self.assertEqual((self.nodes[4], instance_uuid(4), 'POWER_ON'),
                         self.cf.events()[-1])

class TestPacketLoss(ConductorIpmiTestCase):

    COUNT = 20

    def test_packet_loss_causes_no_false_failures(self):
        self.sync()
        self.fleet.set_fault(None, loss_pct=5)
        for _ in range(4):
            stats = self.sync()
            self.assertEqual(0, stats.failures)
            self.assertEqual([0] * self.COUNT, self.failures())
        self.assertEqual([], node_power.get_recovery_candidates(self.cf.ctx))
        dropped = sum(self.fleet.describe(i)['counters'].get(name, 0)
                      for i in range(self.COUNT)
                      for name in ('dropped_in', 'dropped_out'))
        self.assertGreater(dropped, 0)


class TestHungBmc(ConductorIpmiTestCase):

    DEADLINE = 1.5

    def test_hung_bmc_costs_only_its_node(self):
        self.fleet.set_fault(0, hang=True)
        self.fleet.set_power(3, True)
        for cycle in (1, 2):
            stats = self.sync()
            self.assertEqual(1, stats.failures)
            self.assertEqual([cycle] + [0] * (self.COUNT - 1),
                             self.failures())
        self.assertEqual([None] + self.hardware()[1:], self.states())
        self.assertIn('attempt 2 of 4', self.logger.output)


class TestHungBmcShortCycles(ConductorIpmiTestCase):

    DEADLINE = 3.0

    def test_the_others_keep_syncing(self):
        # As with a short sync interval: the cycle waits 0.5 s, the hung
        # BMC's read goes on under its 3 s deadline.
        self.conductor.power_sync.wait = 0.5
        self.fleet.set_fault(0, hang=True)
        stats = self.sync()
        self.assertEqual((self.COUNT - 1, 1, 0),
                         (stats.recorded, stats.unread, stats.failures))
        self.fleet.set_power(2, True)
        stats = self.sync()
        self.assertEqual((1, 1, 0), (stats.recorded, stats.unread,
                                     stats.failures))
        self.assertEqual(ON, self.states()[2])
        self.assertTrue(self.conductor.power_sync.reader.wait_idle(10))
        stats = self.sync()
        self.assertEqual((1, 0), (stats.failures, stats.unread))
        self.assertEqual([1] + [0] * (self.COUNT - 1), self.failures())


class TestForceMode(ConductorIpmiTestCase):

    FORCE = True

    def test_hardware_is_put_back(self):
        self.sync()
        self.assertEqual([OFF] * self.COUNT, self.states())
        self.fleet.set_power(1, True)
        stats = self.sync()
        self.assertEqual((1, 0), (stats.forced, stats.recorded))
        self.assertFalse(self.fleet.get_power(1))
        self.assertEqual([OFF] * self.COUNT, self.states())


class TestWrongCredentials(ConductorIpmiTestCase):

    COUNT = 3
    MAX_RETRIES = 1

    def test_power_failure_then_recovery(self):
        wrong = self.enroll(0, password='not-the-password', instance=False)
        self.sync()
        row = self.cf.node(wrong)
        self.assertEqual((1, False), (row['power_sync_failures'],
                                      row['maintenance']))
        self.assertIn('login failed', row['last_error'])
        self.sync()
        row = self.cf.node(wrong)
        self.assertEqual((True, node_power.POWER_FAILURE),
                         (row['maintenance'], row['fault']))
        self.assertEqual([0] * self.COUNT, self.failures())
        self.assertEqual(0, self.conductor.recover_power_failures().recovered)
        # The operator fixes the password: recovery takes it from here.
        self.cf.update_node(wrong, driver_info=json.dumps(cf.driver_info(
            '127.0.0.1', self.fleet.ports[0], vbmc_fixtures.USERNAME,
            vbmc_fixtures.PASSWORD)))
        self.assertEqual(1, self.conductor.recover_power_failures().recovered)
        row = self.cf.node(wrong)
        self.assertEqual((False, None, None, OFF),
                         (row['maintenance'], row['fault'],
                          row['last_error'], row['power_state']))
        for secret in ('not-the-password', vbmc_fixtures.PASSWORD):
            self.assertNotIn(secret, self.logger.output)
