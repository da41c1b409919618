"""Power sync cycles with the fake driver on SQLite."""

import json

import fixtures
import testtools

from baremetal_notifier.conductor import power_sync
from baremetal_notifier.drivers import base
from baremetal_notifier.drivers import fake
from tests.fixtures import conductor as cf

ON, OFF = base.POWER_ON, base.POWER_OFF
INSTANCE = '7d6c0e3a-4b1f-4f1e-9a57-2f0d3c1b9e01'


class SyncTestCase(testtools.TestCase):

    FORCE = False
    MAX_RETRIES = 3

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(fixtures.FakeLogger(level='DEBUG'))
        self.cf = self.useFixture(cf.ConductorFixture(conductor={
            'force_power_state_during_sync': self.FORCE,
            'power_state_sync_max_retries': self.MAX_RETRIES}))
        self.driver = self.cf.driver
        self.conductor = self.cf.manager

    def sync(self):
        return self.conductor.sync_power_states()

    def queried(self):
        """Node keys of every get_power_states call, in order."""
        return [key for call, *rest in self.driver.calls if call == 'get'
                for key in rest[0]]

    def sets(self):
        return [tuple(rest) for call, *rest in self.driver.calls
                if call == 'set']


class TestRecordMode(SyncTestCase):

    def test_first_observation_is_recorded_with_event(self):
        with_instance = self.cf.add_node(instance_uuid=INSTANCE)
        bare = self.cf.add_node()
        self.driver.set_state(with_instance, ON)
        stats = self.sync()
        self.assertEqual((2, 2, 0), (stats.nodes, stats.recorded,
                                     stats.failures))
        self.assertEqual(ON, self.cf.node(with_instance)['power_state'])
        self.assertEqual(OFF, self.cf.node(bare)['power_state'])
        # Only a node with an instance has someone to tell.
        self.assertEqual([(with_instance, INSTANCE, 'POWER_ON')],
                         self.cf.events())
        self.assertEqual(1, stats.events)
        self.assertEqual([], self.sets())

    def test_flip_behind_the_back_is_recorded_once(self):
        node = self.cf.add_node(instance_uuid=INSTANCE, power_state=OFF)
        self.driver.set_state(node, ON)
        self.assertEqual(1, self.sync().recorded)
        row = self.cf.node(node)
        self.assertEqual((ON, None, 0), (row['power_state'],
                                         row['reservation'],
                                         row['power_sync_failures']))
        self.assertEqual([(node, INSTANCE, 'POWER_ON')], self.cf.events())
        self.driver.set_state(node, OFF)
        self.sync()
        self.assertEqual(OFF, self.cf.node(node)['power_state'])
        self.assertEqual(['POWER_ON', 'POWER_OFF'],
                         [e[2] for e in self.cf.events()])
        self.assertEqual([], self.sets())

    def test_steady_state_writes_nothing(self):
        node = self.cf.add_node(instance_uuid=INSTANCE, power_state=OFF)
        before = self.cf.node(node)
        stats = self.sync()
        self.assertEqual((1, 0, 0, 0), (stats.nodes, stats.recorded,
                                        stats.failures, stats.events))
        self.assertEqual(before, self.cf.node(node))
        self.assertEqual([], self.cf.events())

    def test_good_reading_clears_failures_and_error(self):
        node = self.cf.add_node(power_state=OFF, power_sync_failures=2,
                                last_error='BMC did not answer')
        self.sync()
        row = self.cf.node(node)
        self.assertEqual((0, None), (row['power_sync_failures'],
                                     row['last_error']))


class TestSkipRules(SyncTestCase):

    def test_skipped_nodes_are_not_queried(self):
        self.cf.live_peer('other-conductor')
        synced = [self.cf.add_node(), self.cf.add_node(provision_state=None),
                  self.cf.add_node(provision_state='active')]
        skipped = [
            self.cf.add_node(maintenance=True),
            self.cf.add_node(reservation='other-conductor'),
            self.cf.add_node(target_power_state=ON),
        ] + [self.cf.add_node(provision_state=state)
             for state in ('wait call-back', 'clean wait', 'enroll',
                           'adopt failed')]
        stats = self.sync()
        self.assertEqual(len(synced), stats.nodes)
        self.assertEqual(sorted(synced), sorted(self.queried()))
        for node in skipped:
            self.assertIsNone(self.cf.node(node)['power_state'])

    def test_sessions_of_deleted_nodes_are_dropped(self):
        kept, resting, deleted = [self.cf.add_node() for _ in range(3)]
        self.sync()
        # A power action or maintenance needs the session kept.
        self.cf.update_node(resting, target_power_state=ON)
        self.cf.delete_node(deleted)
        self.sync()
        self.assertEqual([deleted], self.driver.forgotten)
        self.cf.delete_node(resting)
        self.sync()
        self.sync()
        self.assertEqual([deleted, resting], self.driver.forgotten)
        self.assertEqual([kept], self.queried()[-1:])

    def test_failed_nodes_are_synced_first(self):
        calm = self.cf.add_node()
        worst = self.cf.add_node(power_sync_failures=2)
        bad = self.cf.add_node(power_sync_failures=1)
        self.sync()
        self.assertEqual([worst, bad, calm], self.queried())


class _Interloper(fake.FakePowerDriver):
    """Runs ``meanwhile`` while the BMCs are being read: another actor
    changes a node between the shared read and the lock."""

    meanwhile = None

    def get_power_states(self, targets, deadline, on_reading=None):
        if self.meanwhile is not None:
            self.meanwhile()
        return super().get_power_states(targets, deadline, on_reading)


class _Broken(fake.FakePowerDriver):
    """A driver whose batch read blows up (a bug, a stopped driver)."""

    broken = True

    def get_power_states(self, targets, deadline, on_reading=None):
        if self.broken:
            raise RuntimeError('driver bug')
        return super().get_power_states(targets, deadline, on_reading)


class TestBrokenDriver(testtools.TestCase):

    def test_a_failed_read_is_not_a_bmc_failure(self):
        self.useFixture(fixtures.FakeLogger())
        conductor = self.useFixture(cf.ConductorFixture(driver=_Broken()))
        node = conductor.add_node(power_state=ON)
        stats = conductor.manager.sync_power_states()
        self.assertEqual((1, 0, 0), (stats.nodes, stats.failures,
                                     stats.unread))
        self.assertEqual(0, conductor.node(node)['power_sync_failures'])
        # Nothing is left in flight: the next cycle reads the node again.
        conductor.driver.broken = False
        self.assertEqual(1, conductor.manager.sync_power_states().recorded)


class TestChecksRepeatedUnderLock(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.cf = self.useFixture(cf.ConductorFixture(driver=_Interloper()))
        self.driver = self.cf.driver
        self.node = self.cf.add_node(instance_uuid=INSTANCE, power_state=OFF)
        self.driver.set_state(self.node, ON)

    def _sync_while(self, **values):
        self.driver.meanwhile = lambda: self.cf.update_node(self.node,
                                                            **values)
        return self.cf.manager.sync_power_states()

    def test_node_locked_by_another_conductor_is_left_alone(self):
        stats = self._sync_while(reservation='other-conductor')
        self.assertEqual((1, 0), (stats.skipped, stats.recorded))
        row = self.cf.node(self.node)
        self.assertEqual((OFF, 'other-conductor'),
                         (row['power_state'], row['reservation']))
        self.assertEqual([], self.cf.events())

    def test_maintenance_set_meanwhile_is_respected(self):
        stats = self._sync_while(maintenance=True)
        self.assertEqual((1, 0), (stats.skipped, stats.recorded))
        row = self.cf.node(self.node)
        self.assertEqual((OFF, None), (row['power_state'],
                                       row['reservation']))

    def test_new_bmc_meanwhile_is_not_given_the_old_reading(self):
        new_bmc = json.dumps(cf.driver_info(address='192.0.2.99'))
        stats = self._sync_while(driver_info=new_bmc)
        self.assertEqual((1, 0), (stats.skipped, stats.recorded))
        self.assertEqual(OFF, self.cf.node(self.node)['power_state'])

    def test_state_written_meanwhile_is_not_overwritten_twice(self):
        # Someone recorded the same state first: nothing left to do.
        stats = self._sync_while(power_state=ON)
        self.assertEqual(0, stats.recorded)
        self.assertEqual([], self.cf.events())


class TestForceMode(SyncTestCase):

    FORCE = True

    def test_recorded_state_is_pushed_to_hardware(self):
        node = self.cf.add_node(instance_uuid=INSTANCE, power_state=OFF)
        self.driver.set_state(node, ON)
        stats = self.sync()
        self.assertEqual((1, 0), (stats.forced, stats.recorded))
        self.assertEqual([(node, OFF)], self.sets())
        self.assertEqual(OFF, self.driver.get_state(node))
        row = self.cf.node(node)
        self.assertEqual((OFF, None, None), (row['power_state'],
                                             row['reservation'],
                                             row['target_power_state']))
        # As Ironic's node_power_action: the action's state is announced
        # (a no-op for a Compute API that already agrees).
        self.assertEqual([(node, INSTANCE, 'POWER_OFF')], self.cf.events())
        # The next cycle finds agreement and forgets the attempt.
        self.assertEqual(1, row['power_sync_failures'])
        self.sync()
        self.assertEqual(0, self.cf.node(node)['power_sync_failures'])

    def test_first_observation_is_recorded_not_forced(self):
        node = self.cf.add_node(instance_uuid=INSTANCE)
        self.driver.set_state(node, ON)
        stats = self.sync()
        self.assertEqual((0, 1), (stats.forced, stats.recorded))
        self.assertEqual([], self.sets())
        self.assertEqual(ON, self.cf.node(node)['power_state'])

    def test_failed_force_is_recorded_and_counted(self):
        node = self.cf.add_node(power_state=OFF)
        self.driver.set_state(node, ON)
        self.driver.fail_actions(node, 'chassis control refused')
        for cycle in range(1, self.MAX_RETRIES + 1):
            self.assertEqual(0, self.sync().forced)
            row = self.cf.node(node)
            self.assertEqual(cycle, row['power_sync_failures'])
            self.assertIn('chassis control refused', row['last_error'])
            self.assertIsNone(row['reservation'])
        # Past the retries: maintenance, recording the hardware's state.
        stats = self.sync()
        self.assertEqual(1, stats.maintenance)
        row = self.cf.node(node)
        self.assertEqual((True, 'power failure', ON),
                         (row['maintenance'], row['fault'],
                          row['power_state']))
        self.assertEqual(self.MAX_RETRIES, len(self.sets()))


class TestFailures(SyncTestCase):

    def test_max_retries_then_power_failure(self):
        node = self.cf.add_node(instance_uuid=INSTANCE, power_state=ON)
        self.driver.fail_reads(node, 'no route to BMC')
        for cycle in range(1, self.MAX_RETRIES + 1):
            stats = self.sync()
            self.assertEqual((1, 0), (stats.failures, stats.maintenance))
            row = self.cf.node(node)
            self.assertEqual((cycle, False, ON),
                             (row['power_sync_failures'], row['maintenance'],
                              row['power_state']))
            self.assertIn('no route to BMC', row['last_error'])
        stats = self.sync()
        self.assertEqual(1, stats.maintenance)
        row = self.cf.node(node)
        self.assertTrue(row['maintenance'])
        self.assertEqual('power failure', row['fault'])
        self.assertIsNone(row['power_state'])
        self.assertIn('max retries', row['maintenance_reason'])
        self.assertIn('no route to BMC', row['maintenance_reason'])
        self.assertIsNone(row['reservation'])
        # No state is known, so there is nothing to tell the Compute API.
        self.assertEqual([], self.cf.events())
        # In maintenance now: the sync no longer looks at it.
        self.assertEqual(0, self.sync().nodes)

    def test_only_consecutive_failures_count(self):
        node = self.cf.add_node(power_state=OFF)
        for _ in range(5):
            self.driver.fail_reads(node, 'lost packets')
            self.sync()
            self.driver.fail_reads(node, None)
            self.sync()
        row = self.cf.node(node)
        self.assertEqual((0, False), (row['power_sync_failures'],
                                      row['maintenance']))

    def test_hung_bmc_costs_its_own_node_only(self):
        self.conductor.power_sync.reader.deadline = 0.05
        hung = self.cf.add_node(power_state=OFF)
        healthy = [self.cf.add_node() for _ in range(3)]
        self.driver.hang(hung)
        stats = self.sync()
        self.assertEqual((1, 3), (stats.failures, stats.recorded))
        self.assertEqual(1, self.cf.node(hung)['power_sync_failures'])
        for node in healthy:
            self.assertEqual(OFF, self.cf.node(node)['power_state'])

    def test_read_slower_than_the_cycle_serves_the_next(self):
        hung = self.cf.add_node(power_state=OFF)
        healthy = self.cf.add_node(power_state=OFF)
        self.driver.set_state(healthy, ON)
        self.driver.hang(hung)
        sync = self.conductor.power_sync
        sync.wait, sync.reader.deadline = 0.01, 0.3
        # The fake answers a batch all at once, when its hung node gives
        # up: this cycle ends first, with nothing read and nothing counted.
        stats = self.sync()
        self.assertEqual((2, 0, 0), (stats.unread, stats.failures,
                                     stats.recorded))
        # Nodes still being read are not asked again.
        stats = self.sync()
        self.assertEqual((2, 0), (stats.unread, stats.recorded))
        self.assertEqual(1, len([c for c in self.driver.calls
                                 if c[0] == 'get']))
        self.assertTrue(sync.reader.wait_idle(10))
        # Their readings serve the next cycle: one failure, one record.
        stats = self.sync()
        self.assertEqual((1, 1, 0), (stats.failures, stats.recorded,
                                     stats.unread))
        self.assertEqual(1, self.cf.node(hung)['power_sync_failures'])
        self.assertEqual(ON, self.cf.node(healthy)['power_state'])
        self.assertEqual(1, len([c for c in self.driver.calls
                                 if c[0] == 'get']))

    def test_invalid_driver_info_is_reported_once(self):
        broken = self.cf.add_node(driver_info=json.dumps(
            {'ipmi_username': 'admin', 'ipmi_password': cf.PASSWORD}))
        not_json = self.cf.add_node(driver_info='{nope')
        fine = self.cf.add_node()
        stats = self.sync()
        self.assertEqual((2, 1), (stats.failures, stats.recorded))
        self.assertIn('ipmi_address', self.cf.node(broken)['last_error'])
        self.assertIn('not valid JSON', self.cf.node(not_json)['last_error'])
        self.assertEqual(OFF, self.cf.node(fine)['power_state'])
        for node in (broken, not_json):
            row = self.cf.node(node)
            self.assertEqual((0, False), (row['power_sync_failures'],
                                          row['maintenance']))
        self.assertEqual([fine], self.queried())
        # Said once: the next cycle writes nothing for them.
        self.assertEqual(0, self.sync().failures)
        self.assertNotIn(cf.PASSWORD, self.logger.output)


class TestMaxRetriesZero(SyncTestCase):

    MAX_RETRIES = 0

    def test_first_failure_goes_to_maintenance(self):
        node = self.cf.add_node(power_state=ON)
        self.driver.fail_reads(node)
        self.assertEqual(1, self.sync().maintenance)
        self.assertEqual('power failure', self.cf.node(node)['fault'])


class TestReport(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(fixtures.FakeLogger(level='DEBUG'))

    def test_overrun_warns_with_figures(self):
        stats = power_sync.SyncStats(nodes=1000, failures=7, seconds=75.5)
        power_sync.log_cycle(stats, interval=60)
        self.assertIn('Power sync of 1000 nodes took 75.50 s, longer than '
                      'its 60 s interval (7 failures)', self.logger.output)

    def test_summary_every_cycle(self):
        power_sync.log_cycle(power_sync.SyncStats(nodes=3, recorded=1,
                                                  seconds=0.01), interval=60)
        self.assertIn('Power sync: 3 nodes in 0.010 s; 1 recorded',
                      self.logger.output)
        self.assertNotIn('longer than', self.logger.output)
