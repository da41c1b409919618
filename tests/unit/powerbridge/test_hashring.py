"""powerbridge.hashring: partitions per host and the evenness of shares."""

import collections
import uuid

import fixtures
import testtools

from powerbridge import hashring

HOSTS = ('cond-a', 'cond-b', 'cond-c')
# Node uuids as a deployment has them: many, and fixed for the test.
KEYS = [str(uuid.uuid5(uuid.NAMESPACE_URL, 'node-%d' % i))
        for i in range(3000)]


def shares(ring):
    """Each host's fraction of KEYS."""
    counts = collections.Counter(ring.owner(key) for key in KEYS)
    return {host: counts[host] / len(KEYS) for host in ring.hosts}


class TestHostRing(testtools.TestCase):

    def test_every_key_has_one_owner_among_the_hosts(self):
        ring = hashring.HostRing(HOSTS)
        self.assertEqual(set(HOSTS), {ring.owner(key) for key in KEYS})

    def test_an_empty_ring_owns_nothing(self):
        self.assertIsNone(hashring.HostRing(()).owner(KEYS[0]))

    def test_more_partitions_spread_the_keys_more_evenly(self):
        # With Ironic's default 2^5 partitions these three names give one
        # host under 30 %; 2^8 ([DEFAULT] hash_partition_exponent = 8)
        # keeps every share within 10 % of a third.
        coarse = shares(hashring.HostRing(HOSTS))
        fine = shares(hashring.HostRing(HOSTS, 2 ** 8))
        self.assertLess(min(coarse.values()), 0.30, coarse)
        for share in fine.values():
            self.assertAlmostEqual(1 / 3, share, delta=1 / 30)

    def test_same_hosts_same_owners_whatever_the_order(self):
        one = hashring.HostRing(HOSTS)
        other = hashring.HostRing(reversed(HOSTS))
        self.assertEqual([one.owner(k) for k in KEYS[:200]],
                         [other.owner(k) for k in KEYS[:200]])

    def test_remembered_owners_are_tooz_owners(self):
        ring = hashring.HostRing(HOSTS)
        first = [ring.owner(k) for k in KEYS[:300]]
        # Asked again (remembered), and by a new ring (computed).
        self.assertEqual(first, [ring.owner(k) for k in KEYS[:300]])
        self.assertEqual(first, [hashring.HostRing(HOSTS).owner(k)
                                 for k in KEYS[:300]])

    def test_same_as(self):
        ring = hashring.HostRing(HOSTS)
        self.assertTrue(ring.same_as(reversed(HOSTS), hashring.PARTITIONS))
        self.assertFalse(ring.same_as(HOSTS[:2], hashring.PARTITIONS))
        self.assertFalse(ring.same_as(HOSTS, 2 ** 8))

    def test_what_a_ring_remembers_is_bounded(self):
        self.useFixture(fixtures.MonkeyPatch(
            'powerbridge.hashring.REMEMBERED', 100))
        ring = hashring.HostRing(HOSTS)
        owners = [ring.owner(k) for k in KEYS[:250]]
        self.assertLessEqual(len(ring._owners), 100)
        self.assertEqual(owners, [hashring.HostRing(HOSTS).owner(k)
                                  for k in KEYS[:250]])
