"""The compute agent's conditional writes on SQLite, PostgreSQL and
MariaDB: taking instances over, the sync's claim, the action's finish.

Each is one UPDATE ... WHERE on the expected states, so a stale reader
(an agent with an old ring, a sync that read before an event) changes
nothing, whatever the engine.
"""

import testscenarios
import testtools

from compute_ext.compute import hash_ring
from compute_ext.compute import power_sync
from compute_ext.compute import power_update
from compute_ext.compute import states
from compute_ext.objects import instances as instance_obj
from compute_ext.objects import services as service_obj
from compute_ext import servicegroup
from tests.fixtures import dbfixture
from tests.fixtures import ironic as fake


class AgentCASTestCase(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        self.w = self.useFixture(fake.AgentWorld(
            backend=self.backend, peers=('host-b', 'host-c')))

    def ring(self, host):
        ring = hash_ring.NodeRing(self.w.ctx,
                                  servicegroup.ServiceGroup(self.w.conf),
                                  host)
        ring.refresh()
        return ring

    def set_down(self, host, forced_down):
        service = service_obj.get_by_host_and_binary(
            self.w.ctx, host, service_obj.COMPUTE_BINARY)
        service_obj.update(self.w.ctx, service.id, forced_down=forced_down)

    def test_two_peers_adopting_at_once_move_the_host_once(self):
        inst = self.w.add_instance(states.ACTIVE, states.RUNNING,
                                   fake.POWER_ON)
        # Two rings built at different moments, each alone among the
        # live hosts: both believe they own every node, as two agents may
        # for up to ring_refresh_interval.
        self.set_down('host-a', True)
        self.set_down('host-c', True)
        b = self.ring('host-b')
        self.set_down('host-c', False)
        self.set_down('host-b', True)
        c = self.ring('host-c')
        self.assertTrue(b.owns(inst.node) and c.owns(inst.node))
        # Both read before either wrote: exactly one CAS can win.
        seen = instance_obj.get_all(self.w.ctx)
        adopted = b.adopt(seen) + c.adopt(seen)
        self.assertEqual(1, len(adopted))
        self.assertEqual(adopted[0].host,
                         instance_obj.get_by_uuid(self.w.ctx, inst.uuid).host)

    def test_sync_write_loses_to_an_event_applied_after_its_read(self):
        inst = self.w.add_instance(states.STOPPED, states.SHUTDOWN,
                                   fake.POWER_ON)

        def event(uuid):
            power_update.apply(self.w.ctx, self.w.get(uuid), 'POWER_ON')
        for authority in ('baremetal', 'compute'):
            syncer = power_sync.PowerSync(
                self.w.ctx, self.w.client, self.w.ring, self.w.runner,
                authority, 1, hooks={'after_read': event})
            self.addCleanup(syncer.shutdown, wait=False)
            outcome = syncer.sync_instance(inst.uuid)
            self.assertIn(outcome, ('lost', 'in-sync'))
        self.assertEqual([], self.w.ironic.power_calls)
        after = self.w.get(inst.uuid)
        self.assertEqual((states.ACTIVE, states.RUNNING, None),
                         (after.vm_state, after.power_state, after.task_state))

    def test_finish_after_the_instance_moved_is_not_written(self):
        inst = self.w.add_instance(states.ACTIVE, states.RUNNING,
                                   fake.POWER_ON)
        moved = instance_obj.compare_and_swap(
            self.w.ctx, inst.uuid, {'task_state': None},
            {'task_state': states.POWERING_OFF})

        def peer_takes_over(uuid):
            instance_obj.compare_and_swap(self.w.ctx, uuid,
                                          {'host': 'host-a'},
                                          {'host': 'host-b'})
        self.assertIsNone(self.w.runner.carry_out(
            moved, after_power=peer_takes_over))
        after = self.w.get(inst.uuid)
        # Left for host-b, which repeats the (idempotent) call and ends it.
        self.assertEqual(('host-b', states.POWERING_OFF),
                         (after.host, after.task_state))
