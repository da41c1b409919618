"""The SQL behind the conductor's power work on node rows.

Every write here that changes a node on the conductor's behalf is
conditional on ``reservation = host``: it only lands while this conductor
holds the node's exclusive lock (see conductor/locks.py). Each power_state
write of a node with an instance enqueues its power-update event in the
same transaction, so the row and the event commit (or roll back) together.
"""

import dataclasses
import json
import typing

import sqlalchemy as sa

from baremetal_notifier.db import models
from baremetal_notifier.drivers import base as driver_base
from baremetal_notifier import exception
from baremetal_notifier.objects import outbox
from powerbridge import db

NODES = models.Node.__table__

#: Ironic's faults.POWER_FAILURE: the only fault power sync sets or clears.
POWER_FAILURE = 'power failure'
#: Ironic's wording (LP#1567255) for a power action a restart cut short.
ABORTED_BY_RESTART = ('Pending power operation was aborted due to '
                      'conductor restart')
# Ironic's SYNC_EXCLUDED_STATES: a ramdisk callback may need the lock, and
# an enrolled node's BMC is not validated yet. Nodes created through this
# API start 'available' (or 'active' with an instance), so they are synced.
SYNC_EXCLUDED_STATES = ('wait call-back', 'clean wait', 'enroll',
                        'adopt failed')
# Bound on the length of an IN (...) list in one statement.
IN_CHUNK = 500

_COLUMNS = ('uuid', 'instance_uuid', 'driver_info', 'power_state',
            'target_power_state', 'provision_state', 'maintenance', 'fault',
            'reservation', 'last_error', 'power_sync_failures')


@dataclasses.dataclass(frozen=True, slots=True)
class PowerNode:
    """The columns of a node that power work reads."""

    uuid: str
    instance_uuid: typing.Optional[str]
    driver_info: typing.Optional[str] = dataclasses.field(repr=False)
    power_state: typing.Optional[str]
    target_power_state: typing.Optional[str]
    provision_state: typing.Optional[str]
    maintenance: bool
    fault: typing.Optional[str]
    reservation: typing.Optional[str]
    last_error: typing.Optional[str]
    power_sync_failures: int

    @classmethod
    def from_row(cls, row):
        return cls(*row)

    def bmc_target(self):
        """The node's BMC; raises InvalidDriverInfo (no secret in it)."""
        try:
            info = json.loads(self.driver_info) if self.driver_info else {}
        except ValueError:
            raise driver_base.InvalidDriverInfo(
                'node %s: driver_info is not valid JSON' % self.uuid) from None
        return driver_base.BmcTarget.from_driver_info(self.uuid, info)


def chunks(items, size=IN_CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _select():
    return sa.select(*[NODES.c[name] for name in _COLUMNS])


def _provision_ok():
    state = NODES.c.provision_state
    return sa.or_(state.is_(None), state.not_in(SYNC_EXCLUDED_STATES))


def _reserved_by(host):
    column = NODES.c.reservation
    return column.is_(None) if host is None else column == host


def _syncable(host=None):
    """Ironic's skip rules; under the lock the node is reserved by us."""
    return sa.and_(NODES.c.maintenance == sa.false(), _reserved_by(host),
                   NODES.c.target_power_state.is_(None), _provision_ok())


def _recoverable(host=None):
    return sa.and_(NODES.c.maintenance == sa.true(),
                   NODES.c.fault == POWER_FAILURE, _reserved_by(host),
                   NODES.c.target_power_state.is_(None), _provision_ok())


def _read(ctx, query):
    with ctx.db.reader.using(ctx) as session:
        return [PowerNode.from_row(row) for row in session.execute(query)]


# -- reads ---------------------------------------------------------------


def _in_group(conductor_group):
    """Nodes of one conductor group (None: every group)."""
    if conductor_group is None:
        return sa.true()
    return sa.func.lower(NODES.c.conductor_group) == conductor_group.lower()


def get_sync_candidates(ctx, conductor_group=None):
    """Nodes the sync may look at; those that failed last time first.

    This is the sync's "shared" read: nothing is locked, so every rule is
    checked again under the lock before anything is written. A conductor
    reads only its ``conductor_group``: no other group's node is ever its.
    """
    return _read(ctx, _select().where(
        _syncable(), _in_group(conductor_group)).order_by(
        NODES.c.power_sync_failures.desc(), NODES.c.id))


def get_recovery_candidates(ctx, conductor_group=None):
    """Nodes that power sync put into maintenance, free for recovery."""
    return _read(ctx, _select().where(
        _recoverable(), _in_group(conductor_group)).order_by(NODES.c.id))


def get_node(ctx, node_uuid):
    nodes = _read(ctx, _select().where(NODES.c.uuid == node_uuid))
    if not nodes:
        raise exception.NodeNotFound(node=node_uuid)
    return nodes[0]


def existing(ctx, node_uuids):
    """Which of ``node_uuids`` still have a row."""
    found = set()
    with ctx.db.reader.using(ctx) as session:
        for chunk in chunks(node_uuids):
            found.update(session.execute(sa.select(NODES.c.uuid).where(
                NODES.c.uuid.in_(chunk))).scalars())
    return found


def _reread(ctx, host, node_uuids, rules):
    nodes = []
    for chunk in chunks(node_uuids):
        nodes.extend(_read(ctx, _select().where(NODES.c.uuid.in_(chunk),
                                                rules(host))))
    return nodes


def still_syncable(ctx, host, node_uuids):
    """Rows of nodes ``host`` has locked that the skip rules still let
    through: the sync's checks, repeated under the lock."""
    return _reread(ctx, host, node_uuids, _syncable)


def still_recoverable(ctx, host, node_uuids):
    """The same for recovery: still in maintenance for 'power failure'."""
    return _reread(ctx, host, node_uuids, _recoverable)


# -- writes under the node's lock ------------------------------------------


def _update(session, host, node_uuid, values, **expected):
    return db.conditional_update(session, NODES, values, uuid=node_uuid,
                                 reservation=host, **expected)


def _values(**values):
    values['updated_at'] = db.utcnow()
    return values


# NOTE: the two writes a sync can make for every node in one cycle (a first
# observation of freshly enrolled nodes, a BMC network outage) are built
# once: building the statement costs more than running it.
_LOCKED = sa.and_(NODES.c.uuid == sa.bindparam('b_uuid'),
                  NODES.c.reservation == sa.bindparam('b_host'))
_RECORD = NODES.update().where(_LOCKED).values(
    power_state=sa.bindparam('b_state'), power_sync_failures=0,
    last_error=None, updated_at=sa.bindparam('b_now'))
_COUNT_FAILURE = NODES.update().where(_LOCKED).values(
    power_sync_failures=NODES.c.power_sync_failures + 1,
    last_error=sa.bindparam('b_error'), updated_at=sa.bindparam('b_now'))
_FAILURES = sa.select(NODES.c.power_sync_failures).where(
    NODES.c.uuid == sa.bindparam('b_uuid'))


def record_power_state(ctx, host, node, power_state):
    """Write the state read from the hardware (plus its event), and forget
    earlier sync failures.

    Returns True when an event was enqueued: only when the state changed,
    as Ironic notifies only on a change.
    """
    return bool(record_power_states(ctx, host, [(node, power_state)]))


def record_power_states(ctx, host, changes):
    """record_power_state for many ``(node, power_state)``, in the caller's
    transaction (or one of its own); returns how many events were
    enqueued.

    One executemany UPDATE and one INSERT for all of them: a cold cycle
    records every node, and statement by statement that was most of its
    cost at 10,000 nodes. When a row was not updated (no longer ours),
    the UPDATEs are run again one by one to learn which; they set the same
    values, so running one twice changes nothing.
    """
    if not changes:
        return 0
    now = db.utcnow()
    with ctx.db.writer.using(ctx) as session:
        params = [{'b_uuid': node.uuid, 'b_host': host, 'b_state': state,
                   'b_now': now} for node, state in changes]
        dialect = session.get_bind().dialect
        if (len(params) > 1 and dialect.supports_sane_multi_rowcount
                and session.execute(_RECORD, params).rowcount
                == len(params)):
            written = changes
        else:
            written = [(node, state) for (node, state), one
                       in zip(changes, params, strict=True)
                       if session.execute(_RECORD, one).rowcount]
        return outbox.enqueue_power_updates(session, [
            (node.uuid, node.instance_uuid, state)
            for node, state in written if state != node.power_state])


def reset_sync_failures(ctx, host, node_uuid):
    """The BMC answered and agrees: forget earlier failures."""
    with ctx.db.writer.using(ctx) as session:
        _update(session, host, node_uuid,
                _values(power_sync_failures=0, last_error=None))


def count_sync_failure(ctx, host, node_uuid, error):
    """One more consecutive failed sync; returns the new count (0: gone)."""
    with ctx.db.writer.using(ctx) as session:
        if not session.execute(_COUNT_FAILURE, {
                'b_uuid': node_uuid, 'b_host': host, 'b_error': error,
                'b_now': db.utcnow()}).rowcount:
            return 0
        # NOTE: same transaction as the UPDATE, whose row lock we still
        # hold, so this is the value we wrote.
        return session.execute(_FAILURES, {'b_uuid': node_uuid}).scalar()


def set_last_error(ctx, host, node_uuid, error):
    with ctx.db.writer.using(ctx) as session:
        return bool(_update(session, host, node_uuid,
                            _values(last_error=error)))


def enter_power_failure(ctx, host, node, power_state, reason):
    """Max retries exceeded: record what is known and go to maintenance.

    The fault is set only if the node is not in maintenance already
    (LP#2119618): an admin's maintenance is never tagged, so recovery never
    clears it. Returns True when an event was enqueued.
    """
    with ctx.db.writer.using(ctx) as session:
        _update(session, host, node.uuid,
                _values(maintenance=True, maintenance_reason=reason,
                        fault=POWER_FAILURE),
                maintenance=False)
        if not _update(session, host, node.uuid,
                       _values(power_state=power_state, last_error=reason)):
            return False
        if power_state == node.power_state:
            return False
        return outbox.enqueue_power_update(session, node.uuid,
                                           node.instance_uuid, power_state)


def recover_from_power_failure(ctx, host, node, power_state):
    """The BMC answers again: record its state, leave maintenance.

    Only a maintenance that power sync entered (fault 'power failure') is
    left. Returns (recovered, event_enqueued).
    """
    with ctx.db.writer.using(ctx) as session:
        if not _update(session, host, node.uuid,
                       _values(power_state=power_state, maintenance=False,
                               maintenance_reason=None, fault=None,
                               power_sync_failures=0, last_error=None),
                       maintenance=True, fault=POWER_FAILURE):
            return False, False
        if power_state == node.power_state:
            return True, False
        return True, outbox.enqueue_power_update(
            session, node.uuid, node.instance_uuid, power_state)


def start_power_action(ctx, host, node_uuid, target_power_state):
    """Ironic's change_node_power_state: announce the target, clear error."""
    with ctx.db.writer.using(ctx) as session:
        return bool(_update(session, host, node_uuid, _values(
            target_power_state=target_power_state, last_error=None)))


def finish_power_action(ctx, host, node, power_state, event_state,
                        error=None):
    """End a power action: the state read back, or the error.

    On success the event carries ``event_state``, the action's target
    ('power on' for a reboot), as Ironic's node_power_action sends.
    Returns True when an event was enqueued.
    """
    values = _values(target_power_state=None, last_error=error)
    if error is None:
        values['power_state'] = power_state
    with ctx.db.writer.using(ctx) as session:
        if not _update(session, host, node.uuid, values):
            return False
        if error is not None:
            return False
        return outbox.enqueue_power_update(session, node.uuid,
                                           node.instance_uuid, event_state)
