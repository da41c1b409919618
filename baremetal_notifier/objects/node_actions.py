"""The action queue's SQL: power and provision actions an API process
accepted, waiting for (or carried out by) the node's owning conductor.

Life of a row, each step one conditional UPDATE (compare-and-swap), so two
conductors can never both take a step:

- the API reserves the node for the queue (``reservation`` = QUEUE_HOLDER,
  so the sync, PATCH, DELETE and other actions leave it alone, as they
  leave alone a node an Ironic conductor locked for a request) and inserts
  the row 'queued', in one transaction;
- a conductor claims it: reservation QUEUE_HOLDER -> its host and status
  'queued' -> 'claimed', in one transaction;
- the worker marks it 'running' just before it talks to the BMC;
- the end ('done' or 'failed') is written in the transaction that writes
  the node's result.

A row 'claimed' by a conductor that died was never started: it goes back
to 'queued'. A row 'running' when its conductor died may have reached the
BMC: it is failed, never run again.
"""

import dataclasses
import datetime
import typing

import sqlalchemy as sa

from baremetal_notifier.db import models
from baremetal_notifier import exception
from baremetal_notifier.objects import node_power
from baremetal_notifier import states
from powerbridge import db

ACTIONS = models.NodeAction.__table__
NODES = node_power.NODES

POWER = 'power'
PROVISION = 'provision'
QUEUED, CLAIMED, RUNNING, DONE, FAILED = (
    'queued', 'claimed', 'running', 'done', 'failed')
OPEN = (QUEUED, CLAIMED, RUNNING)
#: The reservation of a node whose action waits for a conductor. Not a
#: valid host name, so it can never be mistaken for a conductor's lock.
QUEUE_HOLDER = '(action queued)'
# A provision action cut short: where its node goes (as clear_stale).
_FAIL_STATES = {states.VERIFYING: states.ENROLL,
                states.DELETING: states.ERROR}


class _Moved(Exception):
    """Raised inside a transaction to roll back a step half taken."""


@dataclasses.dataclass(frozen=True)
class Action:
    """A row of node_actions, with its node's conductor group and
    reservation (None for both when the node row is gone)."""

    id: int
    node_uuid: str
    kind: str
    target: str
    timeout: typing.Optional[float]
    status: str
    conductor: typing.Optional[str]
    last_error: typing.Optional[str] = None
    conductor_group: typing.Optional[str] = None
    reservation: typing.Optional[str] = None
    node_exists: bool = True


_COLUMNS = (ACTIONS.c.id, ACTIONS.c.node_uuid, ACTIONS.c.kind,
            ACTIONS.c.target, ACTIONS.c.timeout, ACTIONS.c.status,
            ACTIONS.c.conductor, ACTIONS.c.last_error,
            NODES.c.conductor_group,
            NODES.c.reservation, NODES.c.id.is_not(None))


def _select():
    return sa.select(*_COLUMNS).select_from(ACTIONS.outerjoin(
        NODES, NODES.c.uuid == ACTIONS.c.node_uuid))


# -- acceptance, in the API's transaction ------------------------------


def reserve(session, node_uuid):
    """Reserve an unlocked node for the queue; returns its row.

    :raises NodeNotFound: no such node.
    :raises NodeLocked: naming the holder, as a conductor's lock answers.
    """
    if not db.conditional_update(session, NODES,
                                 {'reservation': QUEUE_HOLDER},
                                 uuid=node_uuid, reservation=None):
        holder = session.execute(sa.select(NODES.c.reservation).where(
            NODES.c.uuid == node_uuid)).first()
        if holder is None:
            raise exception.NodeNotFound(node=node_uuid)
        raise exception.NodeLocked(node=node_uuid,
                                   host=holder[0] or 'unknown')
    row = session.execute(node_power._select().where(
        NODES.c.uuid == node_uuid)).one()
    return node_power.PowerNode.from_row(row)


def release(session, node_uuid):
    """Undo reserve() for an action that needs no conductor."""
    db.conditional_update(session, NODES, {'reservation': None},
                          uuid=node_uuid, reservation=QUEUE_HOLDER)


def set_power_target(session, node_uuid, target_power_state):
    """Ironic's change_node_power_state at acceptance: announce the
    target and clear the last error."""
    db.conditional_update(session, NODES, {
        'target_power_state': target_power_state, 'last_error': None,
        'updated_at': db.utcnow()},
        uuid=node_uuid, reservation=QUEUE_HOLDER)


def enqueue(session, node_uuid, kind, target, timeout=None):
    """Insert the queued row; returns its id."""
    now = db.utcnow()
    return session.execute(ACTIONS.insert().values(
        node_uuid=node_uuid, kind=kind, target=target, timeout=timeout,
        status=QUEUED, created_at=now, updated_at=now)
    ).inserted_primary_key[0]


# -- reads -------------------------------------------------------------


def open_actions(ctx, limit=1000):
    """Rows not finished yet, oldest first."""
    with ctx.db.reader.using(ctx) as session:
        return [Action(*row) for row in session.execute(
            _select().where(ACTIONS.c.status.in_(OPEN))
            .order_by(ACTIONS.c.id).limit(limit))]


def get(ctx, action_id):
    with ctx.db.reader.using(ctx) as session:
        row = session.execute(_select().where(
            ACTIONS.c.id == action_id)).first()
    return None if row is None else Action(*row)


def for_node(ctx, node_uuid):
    """Every row of a node, oldest first (for tests and operators)."""
    with ctx.db.reader.using(ctx) as session:
        return [Action(*row) for row in session.execute(
            _select().where(ACTIONS.c.node_uuid == node_uuid)
            .order_by(ACTIONS.c.id))]


# -- the conductor's steps ---------------------------------------------


def _step(session, action_id, values, **expected):
    values['updated_at'] = db.utcnow()
    return bool(db.conditional_update(session, ACTIONS, values,
                                      id=action_id, **expected))


def claim(session, action_id, host):
    """'queued' -> 'claimed' by ``host``; in the transaction that moves
    the node's reservation from QUEUE_HOLDER to ``host``."""
    return _step(session, action_id, {'status': CLAIMED, 'conductor': host,
                                      'claimed_at': db.utcnow()},
                 status=QUEUED)


def unclaim(session, action_id, host):
    """Back to 'queued' (no free worker took it)."""
    return _step(session, action_id, {'status': QUEUED, 'conductor': None,
                                      'claimed_at': None},
                 status=CLAIMED, conductor=host)


def mark_running(ctx, action_id, host):
    """'claimed' -> 'running': from here on the BMC may act. False when
    the row is no longer this host's (another conductor took it back)."""
    with ctx.db.writer.using(ctx) as session:
        return _step(session, action_id, {'status': RUNNING},
                     status=CLAIMED, conductor=host)


def finish(session, action_id, host, error=None):
    """The end, in the transaction that writes the node's result."""
    return _step(session, action_id, {
        'status': FAILED if error else DONE, 'last_error': error,
        'finished_at': db.utcnow()}, status=RUNNING, conductor=host)


def fail_unclaimable(ctx, action, error):
    """A queued row no conductor can claim (its node is gone, or no
    longer reserved for it)."""
    with ctx.db.writer.using(ctx) as session:
        return _step(session, action.id, {
            'status': FAILED, 'last_error': error,
            'finished_at': db.utcnow()}, status=QUEUED)


def requeue(ctx, action):
    """A row claimed by a conductor that stopped before starting it:
    back to 'queued', the node's reservation back to the queue. False
    when either moved meanwhile (then nothing changes)."""
    try:
        with ctx.db.writer.using(ctx) as session:
            if not _step(session, action.id, {
                    'status': QUEUED, 'conductor': None, 'claimed_at': None},
                    status=CLAIMED, conductor=action.conductor):
                return False
            if not db.conditional_update(session, NODES,
                                         {'reservation': QUEUE_HOLDER},
                                         uuid=action.node_uuid,
                                         reservation=action.conductor):
                # The row's step rolls back with it.
                raise _Moved()
    except _Moved:
        return False
    return True


def fail_orphan(ctx, action, error):
    """A row whose conductor stopped while it may have been running:
    failed, and its node, if that conductor still holds it, released
    with ``error`` and without its target (a power action), or moved to
    the failed state (a provision action cut short, as clear_stale does).
    Returns False when the row moved meanwhile."""
    now = db.utcnow()
    with ctx.db.writer.using(ctx) as session:
        if not _step(session, action.id, {
                'status': FAILED, 'last_error': error, 'finished_at': now},
                status=action.status, conductor=action.conductor):
            return False
        held = sa.and_(NODES.c.uuid == action.node_uuid,
                       NODES.c.reservation == action.conductor)
        if action.kind == POWER:
            session.execute(NODES.update().where(held).values(
                target_power_state=None, last_error=error, updated_at=now))
        else:
            for state, failed in _FAIL_STATES.items():
                session.execute(NODES.update().where(
                    held, NODES.c.provision_state == state).values(
                    provision_state=failed,
                    target_provision_state=states.target_of(failed),
                    last_error=error, provision_updated_at=now,
                    updated_at=now))
        session.execute(NODES.update().where(held).values(reservation=None))
        return True


def purge_finished(ctx, older_than):
    """Delete rows finished more than ``older_than`` seconds ago."""
    since = db.utcnow() - datetime.timedelta(seconds=older_than)
    with ctx.db.writer.using(ctx) as session:
        return session.execute(ACTIONS.delete().where(
            ACTIONS.c.status.in_((DONE, FAILED)),
            ACTIONS.c.finished_at < since)).rowcount
