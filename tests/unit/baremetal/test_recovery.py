"""Recovery from 'power failure', with the fake driver."""

import testtools

from baremetal_notifier.drivers import base
from baremetal_notifier.objects import node_power
from tests.fixtures import conductor as cf

ON, OFF = base.POWER_ON, base.POWER_OFF
INSTANCE = '3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a'
FAILED = dict(maintenance=True, fault=node_power.POWER_FAILURE,
              maintenance_reason='max retries exceeded', power_state=None,
              power_sync_failures=4, last_error='max retries exceeded')


class TestRecovery(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.cf = self.useFixture(cf.ConductorFixture(
            conductor={'power_state_sync_max_retries': 1}))
        self.driver = self.cf.driver
        self.conductor = self.cf.manager

    def recover(self):
        return self.conductor.recover_power_failures()

    def test_answering_bmc_leaves_maintenance(self):
        node = self.cf.add_node(instance_uuid=INSTANCE, **FAILED)
        self.driver.set_state(node, ON)
        stats = self.recover()
        self.assertEqual((1, 1, 1), (stats.nodes, stats.recovered,
                                     stats.events))
        row = self.cf.node(node)
        self.assertEqual((ON, False, None, None, 0, None, None),
                         (row['power_state'], row['maintenance'],
                          row['maintenance_reason'], row['fault'],
                          row['power_sync_failures'], row['last_error'],
                          row['reservation']))
        self.assertEqual([(node, INSTANCE, 'POWER_ON')], self.cf.events())

    def test_unchanged_state_sends_no_event(self):
        node = self.cf.add_node(instance_uuid=INSTANCE,
                                **dict(FAILED, power_state=OFF))
        self.assertEqual(0, self.recover().events)
        self.assertFalse(self.cf.node(node)['maintenance'])
        self.assertEqual([], self.cf.events())

    def test_still_failing_stays(self):
        node = self.cf.add_node(**FAILED)
        self.driver.fail_reads(node)
        self.assertEqual(0, self.recover().recovered)
        row = self.cf.node(node)
        self.assertEqual((True, node_power.POWER_FAILURE, None),
                         (row['maintenance'], row['fault'],
                          row['reservation']))

    def test_other_maintenance_is_never_left(self):
        self.cf.live_peer('conductor-2')
        admin = self.cf.add_node(maintenance=True,
                                 maintenance_reason='replacing a DIMM')
        cleaning = self.cf.add_node(**dict(FAILED, fault='clean failure'))
        reserved = self.cf.add_node(**dict(FAILED, reservation='conductor-2'))
        acting = self.cf.add_node(**dict(FAILED, target_power_state=ON))
        self.assertEqual(0, self.recover().nodes)
        self.assertEqual([], self.driver.calls)
        for node in (admin, cleaning, reserved, acting):
            self.assertTrue(self.cf.node(node)['maintenance'])

    def test_failure_then_recovery(self):
        node = self.cf.add_node(instance_uuid=INSTANCE, power_state=ON)
        self.driver.fail_reads(node, 'no route to BMC')
        self.conductor.sync_power_states()
        self.conductor.sync_power_states()
        self.assertEqual(node_power.POWER_FAILURE, self.cf.node(node)['fault'])
        self.assertEqual(0, self.recover().recovered)
        self.driver.fail_reads(node, None)
        self.assertEqual(1, self.recover().recovered)
        row = self.cf.node(node)
        self.assertEqual((False, None, OFF), (row['maintenance'],
                                              row['fault'],
                                              row['power_state']))
        self.assertEqual([(node, INSTANCE, 'POWER_OFF')], self.cf.events())
        # Back in the sync's care.
        self.assertEqual(1, self.conductor.sync_power_states().nodes)

    def test_admin_maintenance_is_not_tagged_by_sync(self):
        # LP#2119618: maintenance set by an admin while the BMC fails.
        node = self.cf.add_node(power_state=ON)
        self.driver.fail_reads(node)
        self.conductor.sync_power_states()
        self.cf.update_node(node, maintenance=True,
                            maintenance_reason='admin')
        for _ in range(3):
            self.conductor.sync_power_states()
        row = self.cf.node(node)
        self.assertEqual((True, 'admin', None), (row['maintenance'],
                                                 row['maintenance_reason'],
                                                 row['fault']))
        self.driver.fail_reads(node, None)
        self.recover()
        self.assertTrue(self.cf.node(node)['maintenance'])
