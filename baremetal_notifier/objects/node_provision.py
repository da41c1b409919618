"""Provision state writes, made by the conductor under the node's lock.

Each is one conditional UPDATE that also requires the state the decision
was made on: a node that moved meanwhile is left alone and the caller is
told (False).
"""

from baremetal_notifier.objects import node_power
from baremetal_notifier.objects import outbox
from baremetal_notifier import states
from powerbridge import db

NODES = node_power.NODES


def _move(session, host, node_uuid, from_state, values):
    values.setdefault('target_provision_state',
                      states.target_of(values['provision_state']))
    values.update(provision_updated_at=db.utcnow(), updated_at=db.utcnow())
    return bool(db.conditional_update(session, NODES, values,
                                      uuid=node_uuid, reservation=host,
                                      provision_state=from_state))


def move_in(session, host, node_uuid, from_state, to_state,
            clear_error=False):
    """``from_state`` -> ``to_state`` (target set for a transient one), in
    the caller's transaction.

    :param clear_error: Ironic clears last_error when an event starts
        work (a callback); a plain transition keeps it.
    """
    values = {'provision_state': to_state}
    if clear_error:
        values['last_error'] = None
    return _move(session, host, node_uuid, from_state, values)


def move(ctx, host, node_uuid, from_state, to_state, clear_error=False):
    """move_in() in a transaction of its own."""
    with ctx.db.writer.using(ctx) as session:
        return move_in(session, host, node_uuid, from_state, to_state,
                       clear_error)


def finish_verify(ctx, host, node, power_state, error):
    """End of 'verifying': manageable with the BMC's power state, or back
    to enroll with the error (the power state stays unknown)."""
    if error is None:
        values = {'provision_state': states.MANAGEABLE,
                  'power_state': power_state, 'last_error': None,
                  'power_sync_failures': 0}
    else:
        values = {'provision_state': states.ENROLL, 'last_error': error}
    with ctx.db.writer.using(ctx) as session:
        return _move(session, host, node.uuid, states.VERIFYING, values)


def finish_tear_down(ctx, host, node, power_state, error):
    """End of 'deleting': the instance association is gone either way (as
    in Ironic); 'available' when the node was powered off, 'error' with
    the reason when it was not.

    The power-off is reported to the Compute API like any power action,
    while the node still names the instance.
    """
    values = {'instance_uuid': None, 'instance_info': None}
    if error is None:
        values.update(provision_state=states.AVAILABLE,
                      power_state=power_state, last_error=None)
    else:
        values.update(provision_state=states.ERROR, last_error=error)
    with ctx.db.writer.using(ctx) as session:
        if not _move(session, host, node.uuid, states.DELETING, values):
            return False
        if error is None and power_state != node.power_state:
            outbox.enqueue_power_update(session, node.uuid,
                                        node.instance_uuid, power_state)
        return True
