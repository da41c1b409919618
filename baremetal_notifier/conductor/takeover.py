"""Taking over the nodes of a conductor that stopped heartbeating.

When a conductor is not alive any more (no heartbeat for heartbeat_timeout,
or offline after a clean stop), its nodes map to its peers on their next
ring refresh. As Ironic's _check_orphan_nodes, each peer then releases the
locks the dead conductor still holds on the nodes the peer now owns, and
clears the target_power_state of an in-flight power action it abandoned,
with a last_error saying so; until then the lock would keep the sync away
from the node for good. Only the new owner does it, so peers never race
for one node, and each statement re-checks that the holder is still dead.
"""

import collections

from oslo_log import log as logging
import sqlalchemy as sa

from baremetal_notifier.conductor import locks
from baremetal_notifier.db import models
from baremetal_notifier.objects import conductors
from baremetal_notifier.objects import node_actions

LOG = logging.getLogger(__name__)
NODES = models.Node.__table__

#: Ironic's last_error for a power action whose conductor died.
ABORTED_BY_TAKEOVER = ('Pending power operation was aborted due to '
                       'conductor take over')


def orphans(ctx, timeout):
    """{dead host: [(node uuid, conductor_group)]} of nodes reserved by a
    conductor that is not alive."""
    found = collections.defaultdict(list)
    with ctx.db.reader.using(ctx) as session:
        since = conductors.since(session, timeout)
        alive = sa.select(conductors.CONDUCTORS.c.hostname).where(
            conductors.alive_clause(since))
        rows = session.execute(
            sa.select(NODES.c.reservation, NODES.c.uuid,
                      NODES.c.conductor_group)
            .where(NODES.c.reservation.is_not(None),
                   # An action accepted by the API and not yet claimed
                   # holds the node for the queue, not for a conductor.
                   NODES.c.reservation != node_actions.QUEUE_HOLDER,
                   NODES.c.reservation.not_in(alive))).all()
    for host, uuid, group in rows:
        found[host].append((uuid, group))
    return found


def take_over(ctx, ownership, timeout):
    """Release dead conductors' locks on the nodes ``ownership`` owns.

    Returns the number of locks released.
    """
    total = 0
    for dead, nodes in sorted(orphans(ctx, timeout).items()):
        mine = [uuid for uuid, group in nodes
                if ownership.owns(uuid, group)]
        if not mine or dead == ownership.host:
            continue
        aborted, released = locks.clear_stale(
            ctx, dead, node_uuids=mine, dead_for=timeout,
            by=ownership.host, power_error=ABORTED_BY_TAKEOVER)
        if released:
            LOG.warning('Conductor %(host)s took over %(count)d nodes '
                        'locked by conductor %(dead)s, which is gone (no '
                        'heartbeat in %(timeout)s s, or stopped): released '
                        'their locks, aborting %(aborted)d power actions',
                        {'host': ownership.host, 'count': released,
                         'dead': dead, 'timeout': timeout,
                         'aborted': aborted})
        total += released
    return total
