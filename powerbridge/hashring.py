"""A consistent hash ring over service hosts (tooz's ``hashring``).

Both halves spread bare metal nodes over their live hosts this way: the
compute agents over the nova-compute services, the conductors over the
conductors of a group, as Ironic does. Only about 1/N of the keys move
when a host joins or leaves.
"""

from tooz import hashring

# 2**5 partitions per host: Ironic's default hash_partition_exponent.
PARTITIONS = 2 ** 5
# Owners a ring remembers before it starts afresh: a ring can live as long
# as the process, and nodes come and go.
REMEMBERED = 100000


class HostRing:
    """An immutable ring over ``hosts``; empty when there is no host.

    :param partitions: partitions per host (the conductors take
        ``2 ** [DEFAULT] hash_partition_exponent``).
    """

    def __init__(self, hosts, partitions=PARTITIONS):
        self.hosts = tuple(sorted(set(hosts)))
        self.partitions = partitions
        self._ring = (hashring.HashRing(self.hosts, partitions=partitions)
                      if self.hosts else None)
        # NOTE: a conductor asks about each of its nodes twice a cycle,
        # every cycle, and a ring lives as long as its members do.
        self._owners = {}

    def same_as(self, hosts, partitions):
        """Whether this ring is the one HostRing(hosts, partitions) makes."""
        return (self.hosts == tuple(sorted(set(hosts)))
                and self.partitions == partitions)

    def owner(self, key):
        """The host ``key`` (a str) maps to, or None on an empty ring."""
        if self._ring is None:
            return None
        host = self._owners.get(key)
        if host is None:
            (host,) = self._ring.get_nodes(key.encode('utf-8'))
            if len(self._owners) >= REMEMBERED:
                self._owners.clear()
            self._owners[key] = host
        return host
