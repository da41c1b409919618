"""Which conductor owns which node: a hash ring per conductor group.

As in Ironic, the nodes of a conductor group are spread over the live
conductors of that group with a consistent hash ring (tooz's hashring,
through powerbridge.hashring, the same ring the compute agents use). Live
means online with a heartbeat at most ``[conductor] heartbeat_timeout``
old by the database's clock (objects/conductors.py). A node of a group
with no live conductor is owned by nobody: it waits, and every conductor
says so in its log once per change.

The mapping is eventually consistent: each conductor rebuilds its rings
with ``refresh()`` (at the start of each cycle), so right after a change
two conductors may both believe they own a node for up to one cycle.
Ownership therefore only decides who *looks at* a node; every write still
takes the node's lock (conductor/locks.py) and is conditional on it, so
two conductors never act on one node at once. A conductor that is not
alive by its own row (its heartbeat failed for heartbeat_timeout) is in
no ring, so it owns nothing until its heartbeat is recorded again, the
same moment its peers give its share back.
"""

import collections

from oslo_log import log as logging
import sqlalchemy as sa

from baremetal_notifier.conf import conductor as conductor_conf
from baremetal_notifier.db import models
from baremetal_notifier.objects import conductors
from powerbridge import hashring

LOG = logging.getLogger(__name__)
NODES = models.Node.__table__

_State = collections.namedtuple('_State', ['rings', 'live'])


def group_key(conductor_group):
    """Groups compare case-insensitively ('' is the default group)."""
    return (conductor_group or '').lower()


class Ownership:
    """This conductor's view of node ownership, rebuilt by ``refresh``.

    :param ctx: a context with ``db``.
    :param host: this conductor's hostname (None: an observer, such as the
        manage command, that owns nothing).
    :param conductor_group: this conductor's group.
    :param conf: the service's ConfigOpts ([conductor] heartbeat_timeout).
    """

    def __init__(self, ctx, host, conductor_group, conf):
        self.ctx = ctx
        self.host = host
        self.conductor_group = conductor_conf.validate_conductor_group(
            conductor_group or '')
        self.conf = conf
        # NOTE: readers get a consistent snapshot: rings and members are
        # replaced together by one assignment.
        self._state = _State({}, frozenset())
        self._my_ring = None
        self._waiting = None

    def refresh(self):
        """Rebuild the rings from the live conductors; returns live_hosts().

        If the database cannot be read, this conductor owns nothing until
        a refresh succeeds (a stale ring could make it a second owner).
        """
        try:
            rows = conductors.get_all(
                self.ctx, self.conf.conductor.heartbeat_timeout)
        except Exception:
            self._state = _State({}, frozenset())
            raise
        members = collections.defaultdict(set)
        for row in rows:
            if row.alive:
                members[group_key(row.conductor_group)].add(row.hostname)
        partitions = 2 ** self.conf.hash_partition_exponent
        state = _State({group: self._ring(group, hosts, partitions)
                        for group, hosts in members.items()},
                       frozenset(h for hosts in members.values()
                                 for h in hosts))
        self._state = state
        self._log_changes(state)
        return set(state.live)

    def _ring(self, group, hosts, partitions):
        # The same members: the same ring, with what it has learnt.
        ring = self._state.rings.get(group)
        if ring is not None and ring.same_as(hosts, partitions):
            return ring
        return hashring.HostRing(hosts, partitions)

    def owns(self, node_uuid, conductor_group=''):
        """Whether this conductor owns the node (of ``conductor_group``)."""
        return (self.host is not None and node_uuid is not None
                and self.owner_of(node_uuid, conductor_group) == self.host)

    def owner_of(self, node_uuid, conductor_group=''):
        """The live conductor owning the node, or None (nobody: the group
        has no live conductor)."""
        ring = self._state.rings.get(group_key(conductor_group))
        return None if ring is None else ring.owner(node_uuid)

    def live_hosts(self):
        """Hostnames of the live conductors (every group) at the last
        refresh."""
        return set(self._state.live)

    def members(self, conductor_group=''):
        """The live conductors of one group, sorted."""
        ring = self._state.rings.get(group_key(conductor_group))
        return () if ring is None else ring.hosts

    def node_groups(self):
        """{conductor_group: [node uuids]} of every node, read now."""
        groups = collections.defaultdict(list)
        with self.ctx.db.reader.using(self.ctx) as session:
            for uuid, group in session.execute(
                    sa.select(NODES.c.uuid, NODES.c.conductor_group)):
                groups[group_key(group)].append(uuid)
        return groups

    def owned_nodes(self):
        """UUIDs of the nodes this conductor owns, read now."""
        mine = self.conductor_group
        with self.ctx.db.reader.using(self.ctx) as session:
            uuids = session.execute(sa.select(NODES.c.uuid).where(
                sa.func.lower(NODES.c.conductor_group) == mine)).scalars()
            return [u for u in uuids if self.owns(u, mine)]

    def waiting_groups(self):
        """{group: node count} of groups whose nodes have no live
        conductor, read now."""
        rings = self._state.rings
        with self.ctx.db.reader.using(self.ctx) as session:
            counts = session.execute(
                sa.select(NODES.c.conductor_group, sa.func.count())
                .group_by(NODES.c.conductor_group)).all()
        waiting = collections.Counter()
        for group, count in counts:
            if group_key(group) not in rings:
                waiting[group_key(group)] += count
        return dict(waiting)

    def _log_changes(self, state):
        if self.host is None:
            return
        ring = state.rings.get(self.conductor_group)
        hosts = () if ring is None else ring.hosts
        if hosts != self._my_ring:
            if self.host in hosts:
                LOG.info('Conductor %(host)s: the ring of conductor group '
                         '%(group)r now spans %(hosts)s',
                         {'host': self.host, 'group': self.conductor_group,
                          'hosts': ', '.join(hosts)})
            else:
                LOG.warning('Conductor %(host)s is not alive by its own '
                            'heartbeat (none recorded in the last %(t)s s): '
                            'it owns no node until one is', {
                                'host': self.host,
                                't': self.conf.conductor.heartbeat_timeout})
            self._my_ring = hosts
        try:
            waiting = self.waiting_groups()
        except Exception:
            LOG.exception('Could not count the nodes of conductor groups')
            return
        if waiting != self._waiting:
            for group, count in sorted(waiting.items()):
                LOG.warning('%(count)d nodes of conductor group %(group)r '
                            'wait: no conductor of that group is alive '
                            '(online with a heartbeat in the last %(t)s s). '
                            'Start one with [conductor] conductor_group = '
                            '%(group)s, or move the nodes to another group.',
                            {'count': count, 'group': group,
                             't': self.conf.conductor.heartbeat_timeout})
            if not waiting and self._waiting:
                LOG.info('Every conductor group with nodes has a live '
                         'conductor again')
            self._waiting = waiting
