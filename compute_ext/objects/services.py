"""Service rows: registration, heartbeats and admin updates."""

import dataclasses
import datetime

from oslo_utils import uuidutils
import sqlalchemy as sa

from powerbridge import db
from compute_ext.db import models
from compute_ext import exception

SERVICES = models.Service.__table__
INSTANCES = models.Instance.__table__
COMPUTE_BINARY = 'nova-compute'


@dataclasses.dataclass
class Service:
    id: int
    uuid: str
    host: str
    binary: str
    topic: str
    report_count: int
    disabled: bool
    disabled_reason: str
    forced_down: bool
    last_seen_up: datetime.datetime
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @classmethod
    def from_row(cls, row):
        # Rows come from _select(), whose columns are the fields in order:
        # positional construction keeps a 1000-service list cheap.
        return cls(*row)


_COLUMNS = [SERVICES.c[field.name] for field in dataclasses.fields(Service)]


def _select():
    return sa.select(*_COLUMNS).where(SERVICES.c.deleted == 0)


def get_all(ctx, host=None, binary=None):
    query = _select().order_by(SERVICES.c.id)
    if host is not None:
        query = query.where(SERVICES.c.host == host)
    if binary is not None:
        query = query.where(SERVICES.c.binary == binary)
    with ctx.db.reader.using(ctx) as session:
        return [Service.from_row(r) for r in session.execute(query).all()]


def _get_one(ctx, clause, error):
    with ctx.db.reader.using(ctx) as session:
        row = session.execute(_select().where(clause)).first()
    if row is None:
        raise error
    return Service.from_row(row)


def get_by_id(ctx, service_id):
    return _get_one(ctx, SERVICES.c.id == service_id,
                    exception.ServiceNotFound(service_id=service_id))


def get_by_uuid(ctx, service_uuid):
    return _get_one(ctx, SERVICES.c.uuid == service_uuid,
                    exception.ServiceNotFound(service_id=service_uuid))


def get_by_host_and_binary(ctx, host, binary):
    return _get_one(
        ctx, sa.and_(SERVICES.c.host == host, SERVICES.c.binary == binary),
        exception.HostBinaryNotFound(host=host, binary=binary))


def create(ctx, host, binary, topic=None):
    """Insert a new service row and return it."""
    now = db.utcnow()
    values = dict(uuid=uuidutils.generate_uuid(), host=host, binary=binary,
                  topic=topic, report_count=0, disabled=False,
                  forced_down=False, created_at=now, deleted=0)
    with ctx.db.writer.using(ctx) as session:
        result = session.execute(SERVICES.insert().values(**values))
        service_id = result.inserted_primary_key[0]
    return get_by_id(ctx, service_id)


def get_or_create(ctx, host, binary, topic=None):
    """The live row for host/binary, created on first start."""
    try:
        return get_by_host_and_binary(ctx, host, binary)
    except exception.HostBinaryNotFound:
        pass
    try:
        return create(ctx, host, binary, topic)
    except db.DBDuplicateEntry:
        # Another process registered the same host first: use its row.
        return get_by_host_and_binary(ctx, host, binary)


def _update_and_read(ctx, error, values, **where):
    """One conditional UPDATE and the row as it left it.

    The read is in the UPDATE's transaction, under its row lock (the
    write lock on SQLite), so no racing write can land between them: the
    caller answers with its own write, not a later one. MariaDB has no
    UPDATE ... RETURNING (10.11 included), so every engine takes this one
    path rather than RETURNING on two of three.
    """
    values['updated_at'] = db.utcnow()
    with ctx.db.writer.using(ctx) as session:
        if db.conditional_update(session, SERVICES, values, deleted=0,
                                 **where):
            row = session.execute(_select().where(
                *[SERVICES.c[k] == v for k, v in where.items()])).first()
            if row is not None:
                return Service.from_row(row)
    raise error


def update(ctx, service_id, **values):
    """Set ``values`` on a live service and return it as written.

    Raises ServiceNotFound when it is gone.
    """
    return _update_and_read(
        ctx, exception.ServiceNotFound(service_id=service_id), values,
        id=service_id)


def update_by_host_and_binary(ctx, host, binary, **values):
    """The legacy (before 2.53) update: one UPDATE by host and binary.

    Returns the service as written.
    """
    return _update_and_read(
        ctx, exception.HostBinaryNotFound(host=host, binary=binary), values,
        host=host, binary=binary)


def report_state(ctx, service_id):
    """One heartbeat: bump report_count and last_seen_up atomically.

    forced_down is left alone: only an admin clears it, as in Nova.
    """
    now = db.utcnow()
    with ctx.db.writer.using(ctx) as session:
        result = session.execute(
            SERVICES.update()
            .where(SERVICES.c.id == service_id, SERVICES.c.deleted == 0)
            .values(report_count=SERVICES.c.report_count + 1,
                    last_seen_up=now, updated_at=now))
    if not result.rowcount:
        raise exception.ServiceNotFound(service_id=service_id)


def destroy(ctx, service):
    """Soft-delete; a compute service still hosting instances stays.

    One conditional UPDATE decides, so an instance placed on the host
    while the delete runs cannot be orphaned by a check made earlier.
    """
    hosts_instances = sa.exists().where(INSTANCES.c.host == SERVICES.c.host,
                                        INSTANCES.c.deleted == 0)
    query = (SERVICES.update()
             .where(SERVICES.c.id == service.id, SERVICES.c.deleted == 0)
             .values(deleted=SERVICES.c.id, deleted_at=db.utcnow()))
    if service.binary == COMPUTE_BINARY:
        query = query.where(~hosts_instances)
    with ctx.db.writer.using(ctx) as session:
        if session.execute(query).rowcount:
            return
    # Nothing changed: tell a vanished service from one in use.
    get_by_id(ctx, service.id)
    raise exception.ServiceInUse()
