"""Instance actions and their events: who asked for what, and how it went.

As in Nova, the API records the action (``start``, ``stop``) with the
caller's request id, user and project; whoever carries the action out
records events on it (``compute_stop_instance``, ``compute_power_update``)
with a result of ``Success`` or ``Error``. Starting or finishing an event
moves the action's updated_at, which the 2.58 ``changes-since`` filter
reads.
"""

import dataclasses
import datetime

import sqlalchemy as sa

from powerbridge import db
from compute_ext.db import models
from compute_ext.objects import instances

ACTIONS = models.InstanceAction.__table__
EVENTS = models.InstanceActionEvent.__table__
# Built once: event ingest inserts many of each.
_INSERT_ACTION = ACTIONS.insert()
_INSERT_ACTIONS_RETURNING = ACTIONS.insert().returning(
    ACTIONS.c.id, sort_by_parameter_order=True)
_INSERT_EVENT = EVENTS.insert()

START = 'start'
STOP = 'stop'
EXTEND_VOLUME = 'extend_volume'
SUCCESS = 'Success'
ERROR = 'Error'


@dataclasses.dataclass
class InstanceAction:
    id: int
    action: str
    instance_uuid: str
    request_id: str
    user_id: str
    project_id: str
    start_time: datetime.datetime
    finish_time: datetime.datetime
    message: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


@dataclasses.dataclass
class InstanceActionEvent:
    id: int
    event: str
    action_id: int
    start_time: datetime.datetime
    finish_time: datetime.datetime
    result: str
    traceback: str
    host: str
    details: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


def _from_row(cls, row):
    mapping = row._mapping
    return cls(**{f.name: mapping[f.name] for f in dataclasses.fields(cls)})


def action_start(ctx, instance_uuid, action, request_id, user_id,
                 project_id):
    """Record that ``action`` was asked for; returns the action id."""
    now = db.utcnow()
    with ctx.db.writer.using(ctx) as session:
        result = session.execute(ACTIONS.insert().values(
            action=action, instance_uuid=instance_uuid,
            request_id=request_id, user_id=user_id, project_id=project_id,
            start_time=now, created_at=now, updated_at=now))
        return result.inserted_primary_key[0]


def action_finish(ctx, action_id, message=None):
    """Close the action; ``message`` is 'Error' when it failed (Nova)."""
    now = db.utcnow()
    with ctx.db.writer.using(ctx) as session:
        session.execute(ACTIONS.update().where(ACTIONS.c.id == action_id)
                        .values(finish_time=now, message=message,
                                updated_at=now))


def _touch_action(session, action_id, when, failed=False):
    values = {'updated_at': when}
    if failed:
        values['message'] = ERROR
    session.execute(ACTIONS.update().where(ACTIONS.c.id == action_id)
                    .values(**values))


def event_start(ctx, action_id, event, host):
    """An event of the action begins on ``host``; returns the event id."""
    now = db.utcnow()
    with ctx.db.writer.using(ctx) as session:
        result = session.execute(EVENTS.insert().values(
            event=event, action_id=action_id, start_time=now, host=host,
            created_at=now, updated_at=now))
        _touch_action(session, action_id, now)
        return result.inserted_primary_key[0]


def event_finish(ctx, action_id, event, result, details=None,
                 traceback=None):
    """Finish the newest unfinished ``event`` of the action.

    ``result`` is 'Success' or 'Error'; an error marks the action's
    message 'Error' as Nova does. Returns False when no such event was
    started.
    """
    now = db.utcnow()
    with ctx.db.writer.using(ctx) as session:
        event_id = session.execute(
            sa.select(EVENTS.c.id)
            .where(EVENTS.c.action_id == action_id, EVENTS.c.event == event,
                   EVENTS.c.finish_time.is_(None))
            .order_by(EVENTS.c.id.desc()).limit(1)).scalar()
        if event_id is None:
            return False
        session.execute(EVENTS.update().where(EVENTS.c.id == event_id).values(
            finish_time=now, result=result, details=details,
            traceback=traceback, updated_at=now))
        _touch_action(session, action_id, now, failed=result == ERROR)
        return True


def record(ctx, instance_uuid, action, event, host, result, request_id,
           user_id, project_id):
    """An action and its one event, done at once (e.g. a power update
    applied synchronously); joins the caller's transaction if any."""
    return record_many(ctx, [{
        'instance_uuid': instance_uuid, 'action': action, 'event': event,
        'host': host, 'result': result, 'request_id': request_id,
        'user_id': user_id, 'project_id': project_id}])[0]


def _insert_actions(session, rows):
    """INSERT the action rows; their ids, in order."""
    dialect = session.get_bind().dialect
    if dialect.insert_executemany_returning_sort_by_parameter_order:
        return session.execute(_INSERT_ACTIONS_RETURNING,
                               rows).scalars().all()
    # Backends without INSERT .. RETURNING for many rows: one at a time.
    return [session.execute(_INSERT_ACTION, row).inserted_primary_key[0]
            for row in rows]


def record_many(ctx, records):
    """record() for many (dicts of its arguments); returns the action ids.

    Two statements whatever the number: the actions (with their new ids
    returned in order), then the events.
    """
    if not records:
        return []
    now = db.utcnow()
    actions = [{'action': rec['action'],
                'instance_uuid': rec['instance_uuid'],
                'request_id': rec['request_id'], 'user_id': rec['user_id'],
                'project_id': rec['project_id'], 'start_time': now,
                'created_at': now, 'updated_at': now,
                'message': ERROR if rec['result'] == ERROR else None}
               for rec in records]
    with ctx.db.writer.using(ctx) as session:
        action_ids = _insert_actions(session, actions)
        session.execute(_INSERT_EVENT, [
            {'event': rec['event'], 'action_id': action_id,
             'start_time': now, 'finish_time': now, 'result': rec['result'],
             'host': rec['host'], 'created_at': now, 'updated_at': now}
            for rec, action_id in zip(records, action_ids, strict=True)])
    return action_ids


def _newest_first(query):
    return query.order_by(ACTIONS.c.created_at.desc(), ACTIONS.c.id.desc())


def get_by_request_id(ctx, instance_uuid, request_id):
    """The newest action of the instance with that request id, or None."""
    query = _newest_first(sa.select(ACTIONS).where(
        ACTIONS.c.instance_uuid == instance_uuid,
        ACTIONS.c.request_id == request_id)).limit(1)
    with ctx.db.reader.using(ctx) as session:
        row = session.execute(query).first()
    return None if row is None else _from_row(InstanceAction, row)


def get_latest(ctx, instance_uuid, action=None):
    """The newest action of the instance (of that kind), or None."""
    query = sa.select(ACTIONS).where(ACTIONS.c.instance_uuid == instance_uuid)
    if action is not None:
        query = query.where(ACTIONS.c.action == action)
    with ctx.db.reader.using(ctx) as session:
        row = session.execute(_newest_first(query).limit(1)).first()
    return None if row is None else _from_row(InstanceAction, row)


def get_all(ctx, instance_uuid, limit=None, marker=None, changes_since=None,
            changes_before=None):
    """Actions of an instance, newest first, paginated by request id.

    instances.MarkerNotFound when ``marker`` names no action of it.
    """
    query = sa.select(ACTIONS).where(ACTIONS.c.instance_uuid == instance_uuid)
    if changes_since is not None:
        query = query.where(ACTIONS.c.updated_at >= changes_since)
    if changes_before is not None:
        query = query.where(ACTIONS.c.updated_at <= changes_before)
    marker_action = None
    if marker is not None:
        marker_action = get_by_request_id(ctx, instance_uuid, marker)
        if marker_action is None:
            raise instances.MarkerNotFound(marker=marker)
    query = instances.paginate(query, ACTIONS, ['created_at', 'id'],
                               ['desc', 'desc'], marker=marker_action,
                               limit=limit)
    with ctx.db.reader.using(ctx) as session:
        return [_from_row(InstanceAction, r) for r in session.execute(query)]


def get_events(ctx, action_id):
    """Events of one action, newest first (Nova's order)."""
    query = sa.select(EVENTS).where(EVENTS.c.action_id == action_id).order_by(
        EVENTS.c.created_at.desc(), EVENTS.c.id.desc())
    with ctx.db.reader.using(ctx) as session:
        return [_from_row(InstanceActionEvent, r)
                for r in session.execute(query)]
