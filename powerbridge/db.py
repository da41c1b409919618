"""enginefacade handles that belong to one service instance, not a module.

Each service (and each test) builds its own Database, so two services with
different connection URLs can live in one process.
"""

import datetime
import os

from oslo_db import exception as db_exc
from oslo_db import options as db_options
from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa

DBDuplicateEntry = db_exc.DBDuplicateEntry

# Options of oslo.db's [database] group that enginefacade.configure takes.
_FACADE_KEYS = ('connection', 'slave_connection', 'sqlite_fk',
                'mysql_sql_mode', 'connection_recycle_time', 'max_pool_size',
                'max_overflow', 'pool_timeout', 'max_retries',
                'retry_interval', 'connection_debug', 'connection_trace')


def register_database_opts(conf, sqlite_name):
    """Register oslo.db's [database] options, defaulting to SQLite."""
    # NOTE: $state_path is interpolated by oslo.config when read, so a
    # state_path set in a config file moves the default database with it.
    db_options.set_defaults(conf,
                            connection='sqlite:///$state_path/' + sqlite_name)


def ensure_sqlite_dir(connection):
    """Create the directory of an SQLite file URL (the embedded default)."""
    url = sa.engine.make_url(connection)
    if url.get_backend_name() == 'sqlite' and url.database not in (
            None, '', ':memory:'):
        directory = os.path.dirname(os.path.abspath(url.database))
        os.makedirs(directory, exist_ok=True)


def _with_charset(connection):
    """A MySQL URL with ``charset=utf8mb4`` unless it names one.

    oslo.db otherwise connects with ``utf8`` (three-byte UTF-8), and
    MariaDB refuses any four-byte character (an emoji in a reason) with
    a DataError, although the columns hold it.
    """
    url = sa.engine.make_url(connection)
    if url.get_backend_name() != 'mysql' or 'charset' in url.query:
        return connection
    return url.update_query_dict({'charset': 'utf8mb4'}).render_as_string(
        hide_password=False)


class Database:
    """One enginefacade transaction context for one service instance."""

    def __init__(self, connection, **facade_options):
        self.connection = connection
        self._tm = enginefacade.transaction_context()
        options = {'connection': _with_charset(connection),
                   'sqlite_fk': True}
        options.update(facade_options)
        self._tm.configure(**options)
        if sa.engine.make_url(connection).get_backend_name() == 'sqlite':
            _serialize_sqlite_writers(self._tm.writer.get_engine())

    @classmethod
    def from_conf(cls, conf):
        group = conf.database
        options = {key: group[key] for key in _FACADE_KEYS
                   if key in group and group[key] is not None}
        connection = options.pop('connection')
        ensure_sqlite_dir(connection)
        return cls(connection, **options)

    @property
    def reader(self):
        return self._tm.reader

    @property
    def writer(self):
        return self._tm.writer

    def get_engine(self):
        return self._tm.writer.get_engine()

    def server_utcnow(self):
        """Naive UTC now by the database server's clock (see the function
        of that name); no query on SQLite."""
        engine = self.get_engine()
        if engine.dialect.name not in _SERVER_NOW:
            return utcnow()
        with engine.connect() as connection:
            return server_utcnow(connection)

    def dispose(self):
        """Close pooled connections (tests and clean shutdown)."""
        self._tm.dispose_pool()


def _serialize_sqlite_writers(engine):
    """Make SQLite safe for several processes writing one file.

    pysqlite opens transactions lazily with a plain BEGIN; a transaction
    that reads and then writes while another process writes fails at once
    with 'database is locked' (SQLite cannot wait without risking a
    deadlock). BEGIN IMMEDIATE takes the write lock up front, so writers
    queue on busy_timeout instead, and WAL lets readers go on meanwhile.
    """
    @sa.event.listens_for(engine, 'connect')
    def _on_connect(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute('PRAGMA busy_timeout = 30000')
        cursor.execute('PRAGMA journal_mode = WAL')
        cursor.close()

    # NOTE: oslo.db turns pysqlite's own BEGIN off and emits a plain BEGIN
    # unless the connection is marked as in a transaction; this listener
    # runs first and takes the write lock instead.
    @sa.event.listens_for(engine, 'begin', insert=True)
    def _on_begin(connection):
        if 'in_transaction' not in connection.info:
            connection.exec_driver_sql('BEGIN IMMEDIATE')
            connection.info['in_transaction'] = True

    # Connections opened before the listeners existed lack the settings.
    engine.dispose()


def timestamp_columns():
    """created_at/updated_at columns for a declarative model."""
    return (sa.Column('created_at', sa.DateTime, default=utcnow),
            sa.Column('updated_at', sa.DateTime, onupdate=utcnow))


def utcnow():
    """Naive UTC now, the form every timestamp column stores."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def isotime(value):
    """Nova and Ironic both print timestamps with microseconds."""
    if value is None:
        return None
    return value.isoformat(timespec='microseconds')


def conditional_update(session, table, values, **expected):
    """UPDATE table SET values WHERE every expected column matches.

    Returns the number of rows changed: this is the compare-and-swap every
    state change goes through, so two writers can never both win.
    """
    clauses = []
    for column, value in expected.items():
        col = table.c[column]
        if isinstance(value, (list, tuple, set, frozenset)):
            values_ = list(value)
            has_none = None in values_
            values_ = [v for v in values_ if v is not None]
            cond = col.in_(values_) if values_ else sa.false()
            if has_none:
                cond = sa.or_(cond, col.is_(None))
            clauses.append(cond)
        elif value is None:
            clauses.append(col.is_(None))
        else:
            clauses.append(col == value)
    result = session.execute(
        table.update().where(sa.and_(*clauses)).values(**values))
    return result.rowcount



# Naive UTC now by the server's clock, per dialect.
_SERVER_NOW = {
    'postgresql': "SELECT CAST(timezone('UTC', clock_timestamp()) AS "
                  "timestamp)",
    'mysql': 'SELECT UTC_TIMESTAMP(6)',
}


def server_utcnow(session_or_connection):
    """Naive UTC now by the database server's clock.

    Liveness compares heartbeats written by several hosts, and leases
    taken by senders on several hosts: with every such timestamp from one
    clock, a host whose own clock is off neither looks dead to its peers
    nor sees live peers as dead (which would make two hosts own one node),
    nor takes over a lease early. SQLite lives on one host: its clock is
    ours.
    """
    query = _SERVER_NOW.get(session_or_connection.get_bind().dialect.name
                            if hasattr(session_or_connection, 'get_bind')
                            else session_or_connection.dialect.name)
    if query is None:
        return utcnow()
    return session_or_connection.execute(sa.text(query)).scalar()
