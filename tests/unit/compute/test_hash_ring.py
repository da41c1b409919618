"""Node ownership over the live nova-compute services (SQLite)."""

import uuid

import testtools

from compute_ext.compute import hash_ring
from compute_ext.compute import states
from compute_ext import context as compute_context
from compute_ext.objects import instances as instance_obj
from compute_ext.objects import services as service_obj
from compute_ext import servicegroup
from tests.fixtures import compute as compute_fixtures
from tests.fixtures import dbfixture

NODES = [str(uuid.UUID(int=i * 7919 + 1)) for i in range(64)]


class RingTestCase(testtools.TestCase):

    backend = 'sqlite'

    def setUp(self):
        super().setUp()
        database = self.useFixture(
            dbfixture.ServiceDatabase(self.backend, 'compute'))
        self.conf = compute_fixtures.make_conf(database.url)
        self.ctx = compute_context.admin_context(database.db)
        self.group = servicegroup.ServiceGroup(self.conf)

    def ring(self, host):
        ring = hash_ring.NodeRing(self.ctx, self.group, host)
        ring.refresh()
        return ring

    def force_down(self, host):
        service = service_obj.get_by_host_and_binary(
            self.ctx, host, service_obj.COMPUTE_BINARY)
        service_obj.update(self.ctx, service.id, forced_down=True)

    def add_instance(self, host, node):
        return instance_obj.create(self.ctx, name='bm', host=host, node=node,
                                   vm_state=states.ACTIVE,
                                   power_state=states.RUNNING)


class TestOwnership(RingTestCase):

    def setUp(self):
        super().setUp()
        for host in ('host-a', 'host-b', 'host-c'):
            compute_fixtures.add_service(self.ctx, host)

    def test_every_node_has_exactly_one_owner(self):
        rings = [self.ring(h) for h in ('host-a', 'host-b', 'host-c')]
        for node in NODES:
            owners = [r.host for r in rings if r.owns(node)]
            self.assertEqual(1, len(owners), node)
        # The partitioning actually spreads the nodes.
        for ring in rings:
            self.assertTrue(any(ring.owns(n) for n in NODES), ring.host)

    def test_rings_agree_on_owner(self):
        a, b = self.ring('host-a'), self.ring('host-b')
        self.assertEqual([a.owner(n) for n in NODES],
                         [b.owner(n) for n in NODES])

    def test_forced_down_host_nodes_move_to_peers_only(self):
        before = {n: self.ring('host-a').owner(n) for n in NODES}
        self.force_down('host-b')
        a, c = self.ring('host-a'), self.ring('host-c')
        self.assertEqual(('host-a', 'host-c'), a.hosts)
        for node in NODES:
            self.assertIn(a.owner(node), ('host-a', 'host-c'))
            self.assertEqual(a.owner(node), c.owner(node))
            if before[node] != 'host-b':
                # Consistent hashing: nodes of live hosts stay put.
                self.assertEqual(before[node], a.owner(node))

    def test_forced_down_host_owns_nothing(self):
        self.force_down('host-a')
        ring = self.ring('host-a')
        self.assertFalse(any(ring.owns(n) for n in NODES))

    def test_dead_host_leaves_the_ring(self):
        compute_fixtures.add_service(self.ctx, 'host-old', seen_ago=3600)
        self.assertNotIn('host-old', self.ring('host-a').hosts)

    def test_other_binaries_are_not_members(self):
        compute_fixtures.add_service(self.ctx, 'host-s', 'nova-scheduler')
        self.assertNotIn('host-s', self.ring('host-a').hosts)

    def test_no_live_host_means_no_owner(self):
        for host in ('host-a', 'host-b', 'host-c'):
            self.force_down(host)
        ring = self.ring('host-a')
        self.assertIsNone(ring.owner(NODES[0]))
        self.assertFalse(ring.owns(NODES[0]))
        self.assertFalse(ring.owns(None))


class TestTakeover(RingTestCase):

    def setUp(self):
        super().setUp()
        compute_fixtures.add_service(self.ctx, 'host-a')
        compute_fixtures.add_service(self.ctx, 'host-b')
        ring = self.ring('host-a')
        self.a_nodes = [n for n in NODES if ring.owner(n) == 'host-a']
        self.instances = [self.add_instance('host-a', n)
                          for n in self.a_nodes[:3]]

    def test_peer_adopts_instances_of_forced_down_host(self):
        stale_a = self.ring('host-a')
        self.assertEqual(3, len(stale_a.my_instances()))
        self.force_down('host-a')
        b = self.ring('host-b')
        adopted = b.adopt()
        self.assertEqual(sorted(i.uuid for i in self.instances),
                         sorted(i.uuid for i in adopted))
        for inst in self.instances:
            self.assertEqual('host-b',
                             instance_obj.get_by_uuid(self.ctx,
                                                      inst.uuid).host)
        # host-a's ring is stale, but it no longer runs these instances:
        # its writes name host-a and would lose.
        self.assertEqual([], stale_a.my_instances())
        self.assertEqual(3, len(b.my_instances()))

    def test_adopt_loses_to_a_concurrent_move(self):
        self.force_down('host-a')
        b = self.ring('host-b')
        owned = b.owned_instances()
        # Someone else moved one instance between the read and the CAS.
        instance_obj.compare_and_swap(self.ctx, owned[0].uuid,
                                      {'host': 'host-a'},
                                      {'host': 'host-z'})
        adopted = b.adopt(owned)
        self.assertEqual(2, len(adopted))
        self.assertEqual('host-z', instance_obj.get_by_uuid(
            self.ctx, owned[0].uuid).host)

    def test_owner_comes_back_and_takes_its_nodes_again(self):
        self.force_down('host-a')
        self.ring('host-b').adopt()
        service = service_obj.get_by_host_and_binary(
            self.ctx, 'host-a', service_obj.COMPUTE_BINARY)
        service_obj.update(self.ctx, service.id, forced_down=False)
        adopted = self.ring('host-a').adopt()
        self.assertEqual(3, len(adopted))
        self.assertEqual([], self.ring('host-b').my_instances())

    def test_adopt_keeps_other_fields(self):
        self.force_down('host-a')
        self.ring('host-b').adopt()
        after = instance_obj.get_by_uuid(self.ctx, self.instances[0].uuid)
        self.assertEqual(self.instances[0].power_generation,
                         after.power_generation)
        self.assertEqual(states.ACTIVE, after.vm_state)
