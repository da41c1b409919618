"""A node's traits (API 1.37): one row per (node, trait).

Changes take the same guard as any node write: the node must exist and
be unlocked when the traits are written, in the same transaction.
"""

import sqlalchemy as sa

from baremetal_notifier.db import models
from baremetal_notifier import exception
from baremetal_notifier.objects import nodes as node_obj
from powerbridge import db

TRAITS = models.NodeTrait.__table__
NODES = node_obj.NODES
# Ironic's MAX_TRAITS_PER_NODE.
MAX_TRAITS = 50


def for_nodes(ctx, node_ids):
    """{node id: sorted trait names} for ``node_ids``."""
    found = {node_id: [] for node_id in node_ids}
    if not found:
        return found
    with ctx.db.reader.using(ctx) as session:
        for chunk_start in range(0, len(node_ids), 500):
            chunk = list(node_ids)[chunk_start:chunk_start + 500]
            rows = session.execute(
                sa.select(TRAITS.c.node_id, TRAITS.c.trait)
                .where(TRAITS.c.node_id.in_(chunk))
                .order_by(TRAITS.c.node_id, TRAITS.c.trait))
            for node_id, trait in rows:
                found[node_id].append(trait)
    return found


def get(ctx, node):
    return for_nodes(ctx, [node.id])[node.id]


def _check_count(node, count):
    if count > MAX_TRAITS:
        raise exception.InvalidParameterValue(
            err='Could not modify traits for node %s as it would exceed the '
                'maximum number of traits per node (%d vs. %d)'
                % (node.uuid, count, MAX_TRAITS))


def _hold(session, node):
    """Lock the node row for this transaction, or say why not."""
    held = session.execute(
        NODES.update().where(NODES.c.id == node.id,
                             NODES.c.reservation.is_(None))
        .values(updated_at=db.utcnow())).rowcount
    if not held:
        current = session.execute(sa.select(NODES.c.reservation).where(
            NODES.c.id == node.id)).first()
        if current is None:
            raise exception.NodeNotFound(node=node.uuid)
        raise exception.NodeLocked(node=node.uuid,
                                   host=current[0] or 'unknown')


def _write(ctx, node, change):
    try:
        with ctx.db.writer.using(ctx) as session:
            _hold(session, node)
            change(session)
    except exception.BaremetalException:
        raise
    except Exception as exc:
        # A concurrent writer added the same trait first: retryable.
        if 'Duplicate' in type(exc).__name__:
            raise exception.NodeChanged(node=node.uuid) from None
        raise


def replace(ctx, node, traits):
    """Set the node's traits to exactly ``traits``."""
    wanted = sorted(set(traits))
    _check_count(node, len(wanted))

    def change(session):
        session.execute(TRAITS.delete().where(TRAITS.c.node_id == node.id))
        now = db.utcnow()
        if wanted:
            session.execute(TRAITS.insert(), [
                {'node_id': node.id, 'trait': t, 'created_at': now}
                for t in wanted])
    _write(ctx, node, change)


def add(ctx, node, trait):
    """Add one trait (adding one the node has is no error)."""
    def change(session):
        present = set(session.execute(sa.select(TRAITS.c.trait).where(
            TRAITS.c.node_id == node.id)).scalars())
        if trait in present:
            return
        _check_count(node, len(present) + 1)
        session.execute(TRAITS.insert().values(
            node_id=node.id, trait=trait, created_at=db.utcnow()))
    _write(ctx, node, change)


def remove(ctx, node, trait=None):
    """Remove one trait (NodeTraitNotFound if absent), or all of them."""
    def change(session):
        query = TRAITS.delete().where(TRAITS.c.node_id == node.id)
        if trait is None:
            session.execute(query)
            return
        if not session.execute(query.where(TRAITS.c.trait == trait)
                               ).rowcount:
            raise exception.NodeTraitNotFound(node_id=node.uuid,
                                              trait=trait)
    _write(ctx, node, change)
