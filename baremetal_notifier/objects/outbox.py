"""The durable outbox of power-update events (table event_outbox).

The conductor calls enqueue_power_update inside the same transaction that
writes the node's new power_state, so the event and the state change commit
or roll back together (Ironic posts under the node lock and loses the event
when the POST fails; here the row outlives any failure of the Compute API).

The sender (baremetal_notifier.notifier.outbox) moves rows on with the
functions below. Every change is a conditional UPDATE on the row's status
and attempt count, so two senders, or a sender and its own stale view,
can never both act on one row:

* a row is *claimed* for one attempt by bumping ``attempts`` from the
  value the sender read, clearing ``last_error`` and setting
  ``next_attempt_at`` to the end of a lease. "pending, no last_error,
  next_attempt_at in the future" therefore means "in flight"; a sender
  that dies mid-attempt leaves the row claimed until the lease ends, and
  then it is simply due again;
* a failed attempt always records a ``last_error`` and the time of the
  next attempt (backoff);
* results are written only while ``attempts`` still holds the claimed
  value, so a result can never land on a row someone else has moved on.
"""

import collections
import datetime

from oslo_context import context as oslo_context
from oslo_db import api as oslo_db_api
import sqlalchemy as sa

from baremetal_notifier.db import models

PENDING = 'pending'
DELIVERED = 'delivered'
UNDELIVERABLE = 'undeliverable'
SUPERSEDED = 'superseded'
STATUSES = (PENDING, DELIVERED, UNDELIVERABLE, SUPERSEDED)

OUTBOX = models.EventOutbox.__table__
_ENQUEUE = OUTBOX.insert()

# Ironic only notifies Nova of these two target states (ironic.common.states
# POWER_ON / POWER_OFF); the tags are the ones Nova's 2.76 event takes.
POWER_STATE_TAGS = {
    'power on': 'POWER_ON',
    'power off': 'POWER_OFF',
}


def _locked(exc):
    # SQLite answers "database is locked" at once, without waiting, when a
    # transaction that has read must upgrade to write while another writes.
    return 'database is locked' in str(exc)


# MySQL/MariaDB may pick a deadlock victim when a sender's range UPDATEs
# meet the conductor's inserts, and SQLite may refuse a lock upgrade; the
# transactions below are safe to run again.
_retry_on_deadlock = oslo_db_api.wrap_db_retry(
    max_retries=10, retry_interval=0.05, max_retry_interval=1, jitter=True,
    retry_on_deadlock=True, exception_checker=_locked)


# One claimed row: ``attempts`` is the claimed value; ``previous`` holds
# (attempts, next_attempt_at, last_error) as read, to undo the claim;
# ``created_at`` is when the node's change committed (delivery lag).
Claim = collections.namedtuple(
    'Claim', ['id', 'node_uuid', 'instance_uuid', 'tag', 'attempts',
              'previous', 'created_at'], defaults=(None,))


def enqueue_power_update(session, node_uuid, instance_uuid, power_state):
    """Queue a power-update event in the caller's transaction.

    Returns True when a row was written: only for 'power on'/'power off' and
    only for a node that carries an instance; anything else (error, None,
    reboot, no instance) is not something the Compute API can act on.
    """
    return bool(enqueue_power_updates(
        session, [(node_uuid, instance_uuid, power_state)]))


def enqueue_power_updates(session, changes):
    """enqueue_power_update for many ``(node_uuid, instance_uuid,
    power_state)``, in one INSERT executed for all, in order; returns how
    many rows were written.

    A Core INSERT, not ORM objects and a flush: a cold cycle of 10,000
    nodes writes 10,000 rows. Each row has its autoincrement id when this
    returns: the sender's "newest row of an instance" is the highest id.
    """
    rows = [{'node_uuid': node_uuid, 'instance_uuid': instance_uuid,
             'tag': POWER_STATE_TAGS[state], 'status': PENDING,
             'attempts': 0}
            for node_uuid, instance_uuid, state in changes
            if state in POWER_STATE_TAGS and instance_uuid]
    if rows:
        session.execute(_ENQUEUE, rows)
    return len(rows)


def new_context():
    # enginefacade keeps its transaction state on a context object; this
    # one must not become the thread's current request context.
    return oslo_context.RequestContext(overwrite=False)


def _due(table, now):
    return sa.or_(table.c.next_attempt_at.is_(None),
                  table.c.next_attempt_at <= now)


def _in_flight(table, now):
    return sa.and_(table.c.last_error.is_(None),
                   table.c.next_attempt_at > now)


def _not_in_flight(table, now):
    return sa.or_(table.c.last_error.isnot(None), _due(table, now))


def _candidates(session, now, limit):
    """The newest due pending row of each instance that nobody is sending.

    An instance is skipped while its newest pending row is not due (that
    one goes first, in its time) or any of its rows is in flight, so no
    sender ever sends an older state after, or alongside, a newer one.
    """
    # NOTE: one GROUP BY over the pending rows rather than a correlated
    # NOT EXISTS, which SQLite answers through the status index in
    # quadratic time.
    per_instance = (
        sa.select(OUTBOX.c.instance_uuid,
                  sa.func.max(OUTBOX.c.id).label('newest'),
                  sa.func.max(sa.case((_in_flight(OUTBOX, now), 1),
                                      else_=0)).label('busy'))
        .where(OUTBOX.c.status == PENDING)
        .group_by(OUTBOX.c.instance_uuid).subquery())
    query = (sa.select(OUTBOX.c.id, OUTBOX.c.node_uuid,
                       OUTBOX.c.instance_uuid, OUTBOX.c.tag,
                       OUTBOX.c.attempts, OUTBOX.c.next_attempt_at,
                       OUTBOX.c.last_error, OUTBOX.c.created_at)
             .join(per_instance, OUTBOX.c.id == per_instance.c.newest)
             .where(per_instance.c.busy == 0, _due(OUTBOX, now))
             .order_by(OUTBOX.c.id).limit(limit))
    return session.execute(query).all()


def _supersede_older(session, rows, now):
    """Mark older pending rows of the same instances 'superseded'."""
    if not rows:
        return 0
    older = sa.or_(*[sa.and_(OUTBOX.c.instance_uuid == r.instance_uuid,
                             OUTBOX.c.id < r.id) for r in rows])
    result = session.execute(
        OUTBOX.update()
        .where(OUTBOX.c.status == PENDING,
               OUTBOX.c.instance_uuid.in_({r.instance_uuid for r in rows}),
               older, _not_in_flight(OUTBOX, now))
        .values(status=SUPERSEDED, next_attempt_at=None, updated_at=now))
    return result.rowcount


def _claim_row(session, row, lease_until, now):
    result = session.execute(
        OUTBOX.update()
        .where(OUTBOX.c.id == row.id, OUTBOX.c.status == PENDING,
               OUTBOX.c.attempts == row.attempts)
        .values(attempts=row.attempts + 1, next_attempt_at=lease_until,
                last_error=None, updated_at=now))
    if result.rowcount != 1:
        return None
    return Claim(row.id, row.node_uuid, row.instance_uuid, row.tag,
                 row.attempts + 1,
                 (row.attempts, row.next_attempt_at, row.last_error),
                 row.created_at)


def _release(session, claims, now):
    for claim in claims:
        attempts, next_attempt_at, last_error = claim.previous
        session.execute(
            OUTBOX.update()
            .where(OUTBOX.c.id == claim.id, OUTBOX.c.status == PENDING,
                   OUTBOX.c.attempts == claim.attempts)
            .values(attempts=attempts, next_attempt_at=next_attempt_at,
                    last_error=last_error, updated_at=now))


@_retry_on_deadlock
def claim_batch(db, now, limit, lease):
    """Claim up to ``limit`` events to send; return (claims, superseded)."""
    lease_until = now + datetime.timedelta(seconds=lease)
    with db.writer.using(new_context()) as session:
        rows = _candidates(session, now, limit)
        superseded = _supersede_older(session, rows, now)
        claims = [c for c in (_claim_row(session, r, lease_until, now)
                              for r in rows) if c is not None]
        if not claims:
            return [], superseded
        # Another sender may have claimed an older row of one of these
        # instances after we read: then that instance waits its turn.
        ours = {c.instance_uuid: c.id for c in claims}
        busy = {r.instance_uuid for r in session.execute(
            sa.select(OUTBOX.c.instance_uuid, OUTBOX.c.id)
            .where(OUTBOX.c.status == PENDING,
                   OUTBOX.c.instance_uuid.in_(list(ours))))
            if r.id < ours[r.instance_uuid]}
        if busy:
            _release(session, [c for c in claims
                               if c.instance_uuid in busy], now)
            claims = [c for c in claims if c.instance_uuid not in busy]
    return claims, superseded


@_retry_on_deadlock
def release(db, claims, now):
    """Undo claims whose attempt never went out (e.g. on shutdown)."""
    if claims:
        with db.writer.using(new_context()) as session:
            _release(session, claims, now)


def _by_attempts(claims):
    groups = collections.defaultdict(list)
    for claim in claims:
        groups[claim.attempts].append(claim.id)
    return groups.items()


@_retry_on_deadlock
def record(db, now, delivered=(), undeliverable=(), retries=()):
    """Write the result of one attempt of claimed events.

    ``delivered`` is a list of claims, ``undeliverable`` of (claim, reason)
    and ``retries`` of (claim, reason, next_attempt_at). Returns how many
    rows took their result (the others had been moved on by someone else).
    """
    written = 0
    with db.writer.using(new_context()) as session:
        for attempts, ids in _by_attempts(delivered):
            written += session.execute(
                OUTBOX.update()
                .where(OUTBOX.c.id.in_(ids), OUTBOX.c.status == PENDING,
                       OUTBOX.c.attempts == attempts)
                .values(status=DELIVERED, delivered_at=now,
                        next_attempt_at=None, last_error=None,
                        updated_at=now)).rowcount
        changes = ([(c, dict(status=UNDELIVERABLE, last_error=reason,
                             next_attempt_at=None))
                    for c, reason in undeliverable]
                   + [(c, dict(last_error=reason, next_attempt_at=when))
                      for c, reason, when in retries])
        for claim, values in changes:
            written += session.execute(
                OUTBOX.update()
                .where(OUTBOX.c.id == claim.id, OUTBOX.c.status == PENDING,
                       OUTBOX.c.attempts == claim.attempts)
                .values(updated_at=now, **values)).rowcount
    return written


@_retry_on_deadlock
def retry_now(db, now, reason_prefix):
    """Make events whose last_error starts with ``reason_prefix`` due now.

    The sender calls it once the Compute API answers again, for events
    that failed only because nobody answered, so a backlog left by an
    outage goes out at once rather than when each event's backoff ends.
    """
    with db.writer.using(new_context()) as session:
        return session.execute(
            OUTBOX.update()
            .where(OUTBOX.c.status == PENDING,
                   OUTBOX.c.next_attempt_at > now,
                   OUTBOX.c.last_error.startswith(reason_prefix,
                                                  autoescape=True))
            .values(next_attempt_at=None, updated_at=now)).rowcount


@_retry_on_deadlock
def give_up_pending(db, reason, now):
    """Mark every pending event that is not in flight undeliverable."""
    with db.writer.using(new_context()) as session:
        return session.execute(
            OUTBOX.update()
            .where(OUTBOX.c.status == PENDING, _not_in_flight(OUTBOX, now))
            .values(status=UNDELIVERABLE, last_error=reason,
                    next_attempt_at=None, updated_at=now)).rowcount


@_retry_on_deadlock
def purge(db, before):
    """Delete the events that ended (delivered, superseded, undeliverable)
    before ``before``; a pending event is never purged.

    Returns {status: rows deleted}.
    """
    ended = (DELIVERED, SUPERSEDED, UNDELIVERABLE)
    with db.writer.using(new_context()) as session:
        return {status: session.execute(
            OUTBOX.delete().where(OUTBOX.c.status == status,
                                  OUTBOX.c.updated_at < before)).rowcount
                for status in ended}
