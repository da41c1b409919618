"""Node rows as the API sees them: create, read, list, update, delete.

Every change is one conditional statement that also requires the node to
be unlocked (``reservation IS NULL``) and, for an update, every changed
column to still hold the value the caller read: a compare-and-swap, so a
concurrent API request or conductor can never be overwritten unseen. When
the statement changes nothing, the row is read again to say why.
"""

import contextlib
import dataclasses
import datetime
import json
import operator
import typing

from oslo_db import exception as db_exc
from oslo_log import log as logging
import sqlalchemy as sa

from baremetal_notifier.db import models
from baremetal_notifier import exception
from baremetal_notifier import states
from powerbridge import db

LOG = logging.getLogger(__name__)
NODES = models.Node.__table__
TRAITS = models.NodeTrait.__table__
JSON_FIELDS = ('driver_info', 'extra', 'properties', 'instance_info')

AVAILABLE = states.AVAILABLE
ACTIVE = states.ACTIVE

# Ironic sorts on any column except its JSON ones; 'id' is its default.
SORT_KEYS = ('id', 'uuid', 'name', 'driver', 'power_state',
             'target_power_state', 'provision_state',
             'target_provision_state', 'provision_updated_at',
             'instance_uuid', 'maintenance', 'maintenance_reason', 'fault',
             'reservation', 'last_error', 'resource_class', 'created_at',
             'updated_at', 'conductor_group')
FILTERS = ('maintenance', 'associated', 'instance_uuid', 'provision_state',
           'driver', 'fault', 'resource_class', 'conductor_group')
Optional = typing.Optional


@dataclasses.dataclass
class Node:
    id: int
    uuid: str
    name: Optional[str]
    driver: str
    driver_info: dict = dataclasses.field(repr=False)
    extra: dict
    properties: dict
    power_state: Optional[str]
    target_power_state: Optional[str]
    provision_state: Optional[str]
    target_provision_state: Optional[str]
    provision_updated_at: Optional[datetime.datetime]
    instance_uuid: Optional[str]
    maintenance: bool
    maintenance_reason: Optional[str]
    fault: Optional[str]
    reservation: Optional[str]
    last_error: Optional[str]
    resource_class: Optional[str]
    instance_info: dict
    created_at: Optional[datetime.datetime]
    updated_at: Optional[datetime.datetime]
    # Ironic's default group is '' (the conductors without a group).
    conductor_group: str = ''
    # The columns exactly as read (JSON as text): what update() compares.
    stored: dict = dataclasses.field(default_factory=dict, repr=False,
                                     compare=False)

    @classmethod
    def from_row(cls, row):
        stored = dict(row._mapping)
        values = {f.name: stored[f.name] for f in dataclasses.fields(cls)
                  if f.name != 'stored'}
        for name in JSON_FIELDS:
            values[name] = _loads(stored[name], stored['uuid'], name)
        return cls(stored=stored, **values)


# How deep a stored JSON field may nest and still be served. The API has
# refused anything past 32 levels since it bounded request bodies, but an
# older version stored whatever it was sent: a row nested hundreds of
# levels made every list, show and patch recurse out (a 500 for the whole
# node list). Such a field is served as {} (the row itself is untouched,
# and a PATCH replacing or removing the field repairs it); the limit
# keeps every walk of a served document (masking, copying, patching,
# encoding) far from Python's recursion limit.
READ_MAX_DEPTH = 128


def _too_deep(value, limit=READ_MAX_DEPTH):
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in item)
    return False


def _loads(text, node_uuid=None, field=None):
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        value = None
    if isinstance(value, dict) and not _too_deep(value):
        return value
    if value is None or isinstance(value, dict):
        LOG.warning('Node %s: stored %s cannot be served (not JSON or '
                    'nested too deep); shown as {}', node_uuid, field)
    return {}


def _to_columns(values):
    columns = dict(values)
    for name in JSON_FIELDS:
        if name in columns:
            columns[name] = json.dumps(columns[name] or {}, sort_keys=True)
    return columns


@contextlib.contextmanager
def _writing(ctx, node_uuid, values):
    """A write transaction whose database errors never quote parameters.

    A driver's error text quotes the statement's parameters, and those hold
    driver_info with its BMC password: it must reach neither a client nor
    a log, so only the exception's type survives.
    """
    try:
        with ctx.db.writer.using(ctx) as session:
            yield session
    except db_exc.DBDuplicateEntry as exc:
        columns = exc.columns or []
        if 'name' in columns:
            raise exception.DuplicateName(name=values.get('name')) from None
        if 'instance_uuid' in columns:
            raise exception.InstanceAssociated(
                instance_uuid=values.get('instance_uuid'),
                node=node_uuid) from None
        raise exception.NodeAlreadyExists(uuid=node_uuid) from None
    except db_exc.DBError as exc:
        cause = exc.inner_exception or exc
        raise exception.DatabaseWriteFailed(
            node=node_uuid, error=type(cause).__name__) from None


def _read_one(ctx, clause):
    with ctx.db.reader.using(ctx) as session:
        row = session.execute(sa.select(NODES).where(clause)).first()
    return None if row is None else Node.from_row(row)


def get_by_uuid(ctx, node_uuid):
    node = _read_one(ctx, NODES.c.uuid == node_uuid)
    if node is None:
        raise exception.NodeNotFound(node=node_uuid)
    return node


def get_by_name(ctx, name):
    node = _read_one(ctx, NODES.c.name == name)
    if node is None:
        raise exception.NodeNotFound(node=name)
    return node


def _get_by_id(ctx, node_id, ident):
    node = _read_one(ctx, NODES.c.id == node_id)
    if node is None:
        raise exception.NodeNotFound(node=ident)
    return node


# -- listing -------------------------------------------------------------

def _sort_parts(key):
    """The expressions a list is ordered by, ``id`` last for uniqueness.

    Databases disagree on where NULL sorts, so nullable columns sort on
    "is not null" first: NULLs come first ascending on every engine, and
    the marker comparison below can say what "after" means for them.
    """
    column = NODES.c[key]
    parts = []
    if column.nullable:
        parts.append(sa.case((column.is_(None), 0), else_=1))
    if isinstance(column.type, sa.Boolean):
        parts.append(sa.cast(column, sa.Integer))
    else:
        parts.append(column)
    if key != 'id':
        parts.append(NODES.c.id)
    return parts


def _marker_values(marker, key):
    value = getattr(marker, key)
    values = []
    if NODES.c[key].nullable:
        values.append(0 if value is None else 1)
    values.append(int(value) if isinstance(value, bool) else value)
    if key != 'id':
        values.append(marker.id)
    return values


def _after(parts, values, descending):
    """Rows strictly after the marker in (parts) order (keyset paging)."""
    beyond = operator.lt if descending else operator.gt
    clauses = []
    for index, (part, value) in enumerate(zip(parts, values, strict=True)):
        if value is None:
            # A NULL column: its "is not null" part, already compared,
            # pins the other rows to NULL too.
            continue
        equal = [p == v for p, v in zip(parts[:index], values[:index],
                                        strict=True) if v is not None]
        clauses.append(sa.and_(*equal, beyond(part, value)))
    return sa.or_(*clauses)


def _filter_clauses(filters):
    clauses = []
    for key, value in filters.items():
        if key not in FILTERS:
            raise ValueError('unknown node filter %r' % key)
        if key == 'associated':
            column = NODES.c.instance_uuid
            clauses.append(column.is_not(None) if value else column.is_(None))
        else:
            clauses.append(NODES.c[key] == value)
    return clauses


def get_list(ctx, filters=None, sort_key='id', sort_dir='asc', limit=None,
             marker=None):
    """Nodes in order, after ``marker`` (a node uuid), at most ``limit``.

    Returns (nodes, more): ``more`` says whether nodes remain after the
    last one returned, so a "next" link is only offered when it leads
    somewhere.
    """
    if sort_key not in SORT_KEYS:
        raise ValueError('cannot sort nodes on %r' % sort_key)
    descending = sort_dir == 'desc'
    parts = _sort_parts(sort_key)
    query = sa.select(NODES).where(*_filter_clauses(filters or {}))
    if marker is not None:
        marker_node = get_by_uuid(ctx, marker)
        query = query.where(_after(parts, _marker_values(marker_node,
                                                         sort_key),
                                   descending))
    query = query.order_by(*[p.desc() if descending else p.asc()
                             for p in parts])
    if limit is not None:
        query = query.limit(limit + 1)
    with ctx.db.reader.using(ctx) as session:
        nodes = [Node.from_row(row) for row in session.execute(query)]
    if limit is not None and len(nodes) > limit:
        return nodes[:limit], True
    return nodes, False


# -- changes ---------------------------------------------------------------

def create(ctx, values):
    """Insert a node from API values; Ironic's 409s for duplicates.

    ``values`` names its provision_state ('enroll' from API 1.11, else
    'available'); an instance_uuid is only an association.
    """
    now = db.utcnow()
    row = _to_columns(values)
    row.setdefault('maintenance', False)
    # NOTE: provision_updated_at stays null until a provision action, as
    # in Ironic.
    row.update(created_at=now, power_sync_failures=0)
    with _writing(ctx, values['uuid'], values) as session:
        node_id = session.execute(
            NODES.insert().values(**row)).inserted_primary_key[0]
    return _get_by_id(ctx, node_id, values['uuid'])


def _why_unchanged(ctx, node):
    """The error for a conditional write that matched no row."""
    current = _read_one(ctx, NODES.c.id == node.id)
    if current is None:
        return exception.NodeNotFound(node=node.uuid)
    if current.reservation is not None:
        return exception.NodeLocked(node=node.uuid, host=current.reservation)
    return exception.NodeChanged(node=node.uuid)


def update(ctx, node, values):
    """Set ``values`` if nobody holds the node or changed those columns.

    :raises NodeLocked: the node is reserved.
    :raises NodeChanged: another writer changed a column first; the caller
        may read the node again and retry.
    """
    columns = _to_columns(values)
    expected = {name: node.stored[name] for name in columns}
    columns['updated_at'] = db.utcnow()
    with _writing(ctx, node.uuid, values) as session:
        changed = db.conditional_update(session, NODES, columns, id=node.id,
                                        reservation=None, **expected)
    if not changed:
        raise _why_unchanged(ctx, node)
    return _get_by_id(ctx, node.id, node.uuid)


def set_maintenance(ctx, node, maintenance, reason=None):
    """Enter or leave maintenance; leaving clears the reason and fault,
    as Ironic's update_node does."""
    values = {'maintenance': maintenance, 'maintenance_reason': reason,
              'updated_at': db.utcnow()}
    if not maintenance:
        values.update(maintenance_reason=None, fault=None)
    with _writing(ctx, node.uuid, values) as session:
        changed = db.conditional_update(session, NODES, values, id=node.id,
                                        reservation=None)
    if not changed:
        raise _why_unchanged(ctx, node)
    return _get_by_id(ctx, node.id, node.uuid)


def _deletable():
    """Ironic's destroy_node rules: anything in maintenance; otherwise no
    instance and a state it allows deleting from."""
    return sa.or_(NODES.c.maintenance == sa.true(), sa.and_(
        NODES.c.instance_uuid.is_(None),
        NODES.c.provision_state.in_(states.DELETE_ALLOWED_STATES)))


def destroy(ctx, node):
    """Delete an unlocked node (and its traits) if Ironic would."""
    with _writing(ctx, node.uuid, {}) as session:
        deleted = session.execute(NODES.delete().where(
            NODES.c.id == node.id, NODES.c.reservation.is_(None),
            _deletable())).rowcount
        if deleted:
            session.execute(TRAITS.delete().where(
                TRAITS.c.node_id == node.id))
    if deleted:
        return
    current = _read_one(ctx, NODES.c.id == node.id)
    if current is None or current.reservation is not None:
        raise _why_unchanged(ctx, node)
    if current.instance_uuid is not None:
        raise exception.NodeAssociated(node=node.uuid,
                                       instance=current.instance_uuid)
    raise exception.InvalidState(
        'Can not delete node "%s" while it is in provision state "%s". '
        'Valid provision states to perform deletion are: "%s", or set the '
        'node into maintenance mode' % (node.uuid, current.provision_state,
                                        states.DELETE_ALLOWED_STATES))
