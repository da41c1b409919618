"""What the operator sees of the outbox: backlog, counts, last errors."""

import sqlalchemy as sa

from baremetal_notifier.notifier import compute
from baremetal_notifier.objects import outbox as outbox_obj
from powerbridge import db as db_utils

OUTBOX = outbox_obj.OUTBOX
_EVENT_COLUMNS = ('id', 'node_uuid', 'instance_uuid', 'tag', 'status',
                  'attempts', 'next_attempt_at', 'last_error', 'delivered_at',
                  'created_at', 'updated_at')


def _age(now, then):
    return None if then is None else max(0.0, (now - then).total_seconds())


def backlog(db, now=None):
    """(pending count, age in seconds of the oldest pending event)."""
    now = now or db_utils.utcnow()
    query = (sa.select(sa.func.count(), sa.func.min(OUTBOX.c.created_at))
             .where(OUTBOX.c.status == outbox_obj.PENDING))
    with db.reader.using(outbox_obj.new_context()) as session:
        count, oldest = session.execute(query).one()
    return count, _age(now, oldest)


def _held(table=OUTBOX):
    """Pending events whose last attempt was refused with 403."""
    return sa.and_(table.c.status == outbox_obj.PENDING,
                   table.c.last_error.startswith(compute.FORBIDDEN_PREFIX,
                                                 autoescape=True))


def held_forbidden(db):
    """How many events an authorization fault (403) holds."""
    query = sa.select(sa.func.count()).where(_held())
    with db.reader.using(outbox_obj.new_context()) as session:
        return session.execute(query).scalar()


def _authorization_fault(session):
    """None, or what the operator needs to see of a 403 fault."""
    count = session.execute(sa.select(sa.func.count())
                            .where(_held())).scalar()
    if not count:
        return None
    last = session.execute(
        sa.select(OUTBOX.c.last_error, OUTBOX.c.updated_at).where(_held())
        .order_by(OUTBOX.c.updated_at.desc(), OUTBOX.c.id.desc())
        .limit(1)).one()
    return {'held': count, 'last_error': last.last_error,
            'last_refused_at': last.updated_at, 'hint': compute.FORBIDDEN_HINT}


def _event(row):
    return {name: getattr(row, name) for name in _EVENT_COLUMNS}


def outbox_status(db, now=None, last_errors=5):
    """A summary for operators: counts per status and the latest errors.

    ``retrying`` counts pending events that failed at least once and wait
    for their next attempt; ``in_flight`` those being sent right now;
    ``authorization_fault`` is None, or the events a 403 holds (``held``,
    also counted in ``retrying``) with the last error and a hint.
    """
    now = now or db_utils.utcnow()
    pending = OUTBOX.c.status == outbox_obj.PENDING
    retrying = sa.and_(pending, OUTBOX.c.last_error.isnot(None))
    in_flight = sa.and_(pending, OUTBOX.c.last_error.is_(None),
                        OUTBOX.c.next_attempt_at > now)
    with db.reader.using(outbox_obj.new_context()) as session:
        counts = dict(session.execute(
            sa.select(OUTBOX.c.status, sa.func.count())
            .group_by(OUTBOX.c.status)).all())
        oldest, n_retrying, n_in_flight = session.execute(sa.select(
            sa.select(sa.func.min(OUTBOX.c.created_at))
            .where(pending).scalar_subquery(),
            sa.select(sa.func.count()).where(retrying).scalar_subquery(),
            sa.select(sa.func.count()).where(in_flight).scalar_subquery(),
        )).one()
        errors = session.execute(
            sa.select(OUTBOX).where(OUTBOX.c.last_error.isnot(None))
            .order_by(OUTBOX.c.updated_at.desc(), OUTBOX.c.id.desc())
            .limit(last_errors)).all()
        fault = _authorization_fault(session)
    summary = {status: counts.get(status, 0)
               for status in outbox_obj.STATUSES}
    summary.update(oldest_pending_age=_age(now, oldest),
                   retrying=n_retrying, in_flight=n_in_flight,
                   authorization_fault=fault,
                   last_errors=[_event(r) for r in errors])
    return summary


def list_events(db, status=None, limit=100):
    """Events in id order, optionally of one status, at most ``limit``."""
    query = sa.select(OUTBOX).order_by(OUTBOX.c.id)
    if status is not None:
        query = query.where(OUTBOX.c.status == status)
    if limit:
        query = query.limit(limit)
    with db.reader.using(outbox_obj.new_context()) as session:
        return [_event(r) for r in session.execute(query)]


def format_age(seconds):
    return '-' if seconds is None else '%.1f s' % seconds


def format_event(event):
    """One line per event, with the reason when there is one."""
    line = '%(id)s %(status)s %(tag)s instance=%(instance_uuid)s ' \
           'node=%(node_uuid)s attempts=%(attempts)s' % event
    when = event['delivered_at'] or event['updated_at'] or event['created_at']
    if when is not None:
        line += ' at=%s' % db_utils.isotime(when)
    if event['last_error']:
        line += ' reason: %s' % event['last_error']
    return line
