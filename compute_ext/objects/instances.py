"""Instance rows: placement on a node, listing, and atomic state changes.

Every state change goes through compare_and_swap: one conditional UPDATE
on the states the caller expects, so an API action, a power-update event
and the compute agent's sync can race without ever interleaving into a
state none of them chose.
"""

import dataclasses
import datetime

from oslo_utils import uuidutils
import sqlalchemy as sa

from powerbridge import db
from compute_ext.compute import states
from compute_ext.db import models
from compute_ext import exception

INSTANCES = models.Instance.__table__
# Nova sorts by these last, newest first, so pages are stable.
DEFAULT_SORT_KEYS = ('created_at', 'id')


MarkerNotFound = exception.MarkerNotFound


@dataclasses.dataclass
class Instance:
    id: int
    uuid: str
    name: str
    host: str
    node: str
    vm_state: str
    power_state: int
    task_state: str
    project_id: str
    user_id: str
    power_generation: int
    launched_at: datetime.datetime
    created_at: datetime.datetime
    updated_at: datetime.datetime
    deleted_at: datetime.datetime
    deleted: int

    @classmethod
    def from_row(cls, row):
        """From a row of _select(), whose columns are the fields in order
        (positional: a thousand servers a list are built this way)."""
        return cls(*row)


_FIELDS = tuple(f.name for f in dataclasses.fields(Instance))


def _select():
    return sa.select(*[INSTANCES.c[name] for name in _FIELDS])


def _read_deleted(query, deleted):
    """deleted: False (live rows), True (deleted rows) or None (both)."""
    if deleted is None:
        return query
    if deleted:
        return query.where(INSTANCES.c.deleted != 0)
    return query.where(INSTANCES.c.deleted == 0)


def create(ctx, **values):
    """Insert an instance; unset states start as Nova's do (building)."""
    now = db.utcnow()
    row = {'uuid': uuidutils.generate_uuid(), 'vm_state': states.BUILDING,
           'power_state': states.NOSTATE, 'power_generation': 0,
           'created_at': now, 'deleted': 0}
    row.update(values)
    with ctx.db.writer.using(ctx) as session:
        session.execute(INSTANCES.insert().values(**row))
    return get_by_uuid(ctx, row['uuid'], read_deleted=None)


def get_by_uuid(ctx, uuid, project_id=None, read_deleted=False):
    """One instance; InstanceNotFound when absent or in another project.

    ``read_deleted`` follows _read_deleted: False, True or None (both).
    """
    query = _read_deleted(_select().where(INSTANCES.c.uuid == uuid),
                          read_deleted)
    if project_id is not None:
        query = query.where(INSTANCES.c.project_id == project_id)
    with ctx.db.reader.using(ctx) as session:
        row = session.execute(query).first()
    if row is None:
        raise exception.InstanceNotFound(instance_id=uuid)
    return Instance.from_row(row)


def get_by_uuids(ctx, uuids):
    """Live instances by uuid, as a dict; unknown uuids are left out."""
    uuids = list(set(uuids))
    if not uuids:
        return {}
    query = _read_deleted(_select().where(INSTANCES.c.uuid.in_(uuids)),
                          False)
    with ctx.db.reader.using(ctx) as session:
        rows = session.execute(query).all()
    return {row.uuid: Instance.from_row(row) for row in rows}


def get_by_nodes(ctx, nodes):
    """Live instances placed on any of the bare metal ``nodes``."""
    nodes = list(nodes)
    if not nodes:
        return []
    query = _read_deleted(
        _select().where(INSTANCES.c.node.in_(nodes)), False).order_by(
            INSTANCES.c.id)
    with ctx.db.reader.using(ctx) as session:
        return [Instance.from_row(r) for r in session.execute(query)]


def _in(column, values):
    """column IN values, where None in values also matches NULL."""
    values = list(values)
    present = [v for v in values if v is not None]
    clause = column.in_(present) if present else sa.false()
    if None in values:
        clause = sa.or_(clause, column.is_(None))
    return clause


def _sort_key_clauses(column, direction, value):
    """(after, equal) clauses for one sort key, NULL being the smallest.

    The ORDER BY in paginate puts NULLs first when ascending and last when
    descending on every backend, so a page boundary on a NULL is as exact
    as any other (oslo.db's paginate_query skips NULL marker values).
    """
    if value is None:
        equal = column.is_(None)
        after = column.is_not(None) if direction == 'asc' else sa.false()
    else:
        equal = column == value
        after = (column > value if direction == 'asc'
                 else sa.or_(column < value, column.is_(None)))
    return after, equal


def paginate(query, table, sort_keys, sort_dirs, marker=None, limit=None):
    """Order ``query`` by the keys and keep the rows after ``marker``.

    ``marker`` is the last row of the previous page (an object with the
    sort keys as attributes); the keys must end with a unique one.
    """
    for key, direction in zip(sort_keys, sort_dirs, strict=True):
        column = table.c[key]
        order = sa.asc if direction == 'asc' else sa.desc
        query = query.order_by(order(column.is_not(None)), order(column))
    if marker is not None:
        criteria, equal_so_far = [], []
        for key, direction in zip(sort_keys, sort_dirs, strict=True):
            after, equal = _sort_key_clauses(
                table.c[key], direction, getattr(marker, key))
            criteria.append(sa.and_(*equal_so_far, after))
            equal_so_far.append(equal)
        query = query.where(sa.or_(*criteria))
    if limit is not None:
        query = query.limit(limit)
    return query


def _regexp_match(ctx, column, pattern):
    """``column`` matches ``pattern`` case-sensitively on every database.

    PostgreSQL's ``~`` and SQLite's (Python's re.search) are; MySQL's
    REGEXP follows the column's collation, case-insensitive by default,
    so the pattern turns that off itself (PCRE and ICU both read it).
    The handler only passes patterns all three read alike
    (validation.check_regex).
    """
    if sa.engine.make_url(ctx.db.connection).get_backend_name() == 'mysql':
        pattern = '(?-i)' + pattern
    return INSTANCES.c[column].regexp_match(pattern)


def get_all(ctx, project_id=None, name=None, host=None, limit=None,
            marker=None, user_id=None, node=None, uuids=None,
            vm_states=None, task_states=None, power_states=None,
            deleted=False, changes_since=None, changes_before=None,
            sort_keys=None, sort_dirs=None):
    """Instances matching every given filter, paginated as Nova does.

    ``name`` is a regular expression (Nova's display_name filter); the
    list filters (uuids, vm_states, task_states, power_states) mean "one
    of". ``marker`` is the uuid of the last instance of the previous page:
    MarkerNotFound when it is not among the instances the other
    filters allow. ``sort_keys``/``sort_dirs`` are column names and
    'asc'/'desc'; created_at and id are always appended, newest first.
    """
    query = _read_deleted(_select(), deleted)
    exact = (('project_id', project_id), ('user_id', user_id),
             ('host', host))
    for column, value in exact:
        if value is not None:
            query = query.where(INSTANCES.c[column] == value)
    for column, pattern in (('name', name), ('node', node)):
        if pattern is not None:
            query = query.where(_regexp_match(ctx, column, pattern))
    for column, values in (('uuid', uuids), ('vm_state', vm_states),
                           ('task_state', task_states),
                           ('power_state', power_states)):
        if values is not None:
            query = query.where(_in(INSTANCES.c[column], values))
    if changes_since is not None:
        query = query.where(INSTANCES.c.updated_at >= changes_since)
    if changes_before is not None:
        query = query.where(INSTANCES.c.updated_at <= changes_before)
    sort_keys = list(sort_keys or [])
    sort_dirs = list(sort_dirs or ['desc'] * len(sort_keys))
    default_dir = sort_dirs[0] if sort_dirs else 'desc'
    for key in DEFAULT_SORT_KEYS:
        if key not in sort_keys:
            sort_keys.append(key)
            sort_dirs.append(default_dir)
    with ctx.db.reader.using(ctx) as session:
        marker_row = None
        if marker is not None:
            marker_row = session.execute(
                query.where(INSTANCES.c.uuid == marker)).first()
            if marker_row is None:
                raise MarkerNotFound(marker=marker)
            marker_row = Instance.from_row(marker_row)
        query = paginate(query, INSTANCES, sort_keys, sort_dirs,
                         marker=marker_row, limit=limit)
        return [Instance.from_row(r) for r in session.execute(query)]


def _fetch(session, uuid):
    row = session.execute(
        _select().where(INSTANCES.c.uuid == uuid)).first()
    return None if row is None else Instance.from_row(row)


# Conditional UPDATEs by shape: which columns are compared how, which are
# set. Building and caching the statement once per shape, with the values
# bound at execution, costs a tenth of building it per call (as
# common.db.conditional_update does), which is what event ingest spends
# its time on.
_UPDATES = {}


def _where_shape(expected):
    shape = []
    for column, value in sorted(expected.items()):
        if isinstance(value, (list, tuple, set, frozenset)):
            shape.append((column, 'in', None in value,
                          any(v is not None for v in value)))
        else:
            shape.append((column, 'null' if value is None else 'eq'))
    return tuple(shape)


def _where_clause(shape_item):
    column, kind = shape_item[:2]
    col = INSTANCES.c[column]
    if kind == 'null':
        return col.is_(None)
    if kind == 'eq':
        return col == sa.bindparam('w_' + column)
    has_none, has_values = shape_item[2:]
    clause = (col.in_(sa.bindparam('w_' + column, expanding=True))
              if has_values else sa.false())
    return sa.or_(clause, col.is_(None)) if has_none else clause


def _update_statement(shape, columns):
    key = (shape, columns)
    statement = _UPDATES.get(key)
    if statement is None:
        values = {c: sa.bindparam('v_' + c) for c in columns}
        if 'power_state' in columns:
            values['power_generation'] = INSTANCES.c.power_generation + 1
        statement = INSTANCES.update().where(
            *[_where_clause(item) for item in shape]).values(**values)
        _UPDATES[key] = statement
    return statement


def swap(ctx, uuid, expected, values):
    """compare_and_swap without reading the row back: True if it swapped.

    ``values`` are plain values (no SQL expressions).
    """
    values = dict(values)
    values.setdefault('updated_at', db.utcnow())
    where = dict(expected, uuid=uuid, deleted=0)
    shape = _where_shape(where)
    params = {'v_' + column: value for column, value in values.items()}
    for column, value in where.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            value = [v for v in value if v is not None]
            if not value:
                continue  # the clause is just IS NULL (or false)
        params['w_' + column] = value
    statement = _update_statement(shape, tuple(sorted(values)))
    with ctx.db.writer.using(ctx) as session:
        return session.execute(statement, params).rowcount == 1


def compare_and_swap(ctx, uuid, expected, values):
    """Set ``values`` only while the live row still has ``expected``.

    One conditional UPDATE: a list in ``expected`` means "one of" (None
    allowed). Writing power_state also increments power_generation in the
    same statement, so a decision taken on an older observation can be
    made conditional on the generation it read. Returns the updated
    instance, or None when the expectation did not hold (or the instance
    is gone).
    """
    with ctx.db.writer.using(ctx) as session:
        if not swap(ctx, uuid, expected, values):
            return None
        return _fetch(session, uuid)


def bump_generation(ctx, uuid):
    """Record a newer power observation that changes no state.

    One UPDATE; updated_at is kept because nothing a user sees changed.
    Returns the instance as it is now, or None when it is gone.
    """
    statement = _UPDATES.get('bump')
    if statement is None:
        statement = _UPDATES['bump'] = INSTANCES.update().where(
            INSTANCES.c.uuid == sa.bindparam('w_uuid'),
            INSTANCES.c.deleted == 0).values(
                power_generation=INSTANCES.c.power_generation + 1,
                updated_at=INSTANCES.c.updated_at)
    with ctx.db.writer.using(ctx) as session:
        changed = session.execute(statement, {'w_uuid': uuid}).rowcount
        return _fetch(session, uuid) if changed else None
