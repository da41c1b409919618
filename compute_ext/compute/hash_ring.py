"""Which compute host owns which bare metal node.

The nodes are spread over the live nova-compute services with tooz's
consistent hash ring, as Ironic spreads nodes over conductors and Nova's
Ironic driver spreads them over compute services. Membership is Nova's
``is_up``: a forced-down host leaves the ring at once, a dead one after
service_down_time; its nodes go to the remaining hosts, and only about
1/N of all nodes move.

The mapping is eventually consistent. Each agent rebuilds its ring every
``ring_refresh_interval`` seconds from the services table, so for up to
that long two agents may disagree about a node: one still acting on an
old ring, one already on the new. That is why ownership is never trusted
for writes: every instance write is a compare-and-swap that names the
host the writer believes it is (``instance.host``), and an agent takes a
node's instance over by moving ``instance.host`` to itself with a CAS on
the old host. After the move, the old owner's writes find a different
host and change nothing; at worst both agents issue the same power call,
which the Bare Metal API treats as idempotent.
"""

from oslo_log import log as logging

from compute_ext.objects import instances as instance_obj
from compute_ext.objects import services as service_obj
from powerbridge import hashring

LOG = logging.getLogger(__name__)


class NodeRing:
    """This host's view of node ownership, rebuilt by ``refresh``.

    Readers get a consistent snapshot: the ring and its members are
    replaced together by one assignment.
    """

    def __init__(self, ctx, servicegroup, host):
        self.ctx = ctx
        self.servicegroup = servicegroup
        self.host = host
        self._state = (hashring.HostRing(()), ())

    @property
    def hosts(self):
        """The live hosts of the last refresh, sorted."""
        return self._state[1]

    def refresh(self):
        """Rebuild the ring from the live nova-compute services."""
        services = service_obj.get_all(self.ctx,
                                       binary=service_obj.COMPUTE_BINARY)
        live = tuple(sorted({s.host for s in services
                             if self.servicegroup.is_up(s)}))
        if live != self.hosts:
            LOG.info('Node hash ring of %(host)s now spans %(hosts)s',
                     {'host': self.host, 'hosts': list(live) or 'no host'})
            # The same members keep the same ring, and what it remembers.
            self._state = (hashring.HostRing(live), live)
        return live

    def owner(self, node_uuid):
        """The host owning ``node_uuid``, or None when no host is live."""
        return self._state[0].owner(node_uuid)

    def owns(self, node_uuid):
        return node_uuid is not None and self.owner(node_uuid) == self.host

    def owned_instances(self):
        """Live instances on nodes this host owns (whatever their host)."""
        return [inst for inst in instance_obj.get_all(self.ctx)
                if self.owns(inst.node)]

    def adopt(self, instances=None):
        """Move instance.host to this host for instances on owned nodes.

        One CAS per instance on the host it had: a peer that adopted it
        first, or a stale owner, makes the CAS fail and nothing changes.
        Returns the instances this host now runs (adopted or already its).
        """
        instances = self.owned_instances() if instances is None else instances
        mine = []
        for inst in instances:
            if inst.host == self.host:
                mine.append(inst)
                continue
            moved = instance_obj.compare_and_swap(
                self.ctx, inst.uuid, {'host': inst.host, 'node': inst.node},
                {'host': self.host})
            if moved is None:
                LOG.debug('Instance %s changed while adopting it; the next '
                          'ring pass looks again', inst.uuid)
                continue
            LOG.info('Took over instance %(uuid)s on node %(node)s from '
                     'host %(old)s', {'uuid': inst.uuid, 'node': inst.node,
                                      'old': inst.host})
            mine.append(moved)
        return mine

    def my_instances(self, **filters):
        """Instances this host runs: owned node and instance.host is us."""
        return [inst for inst in instance_obj.get_all(
                    self.ctx, host=self.host, **filters)
                if self.owns(inst.node)]
