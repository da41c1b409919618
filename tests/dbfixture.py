"""Throwaway databases on SQLite, PostgreSQL and MariaDB for tests.

SQLite always runs. PostgreSQL and MariaDB run when their server answers
(CI has both on 127.0.0.1) and the test is skipped with the reason when not.
Each test gets a database of its own, dropped afterwards, so tests can run in
parallel.
"""

import os
import threading
import uuid

import fixtures
import sqlalchemy as sa
import testtools

import db_migrations
from powerbridge import db

ADMIN_URLS = {
    'postgresql': os.environ.get(
        'POWERBRIDGE_TEST_POSTGRESQL_URL',
        'postgresql+psycopg2://postgres@127.0.0.1:5432/postgres'),
    'mysql': os.environ.get(
        'POWERBRIDGE_TEST_MYSQL_URL',
        'mysql+pymysql://root@127.0.0.1:3306/'),
}
BACKENDS = ('sqlite', 'postgresql', 'mysql')
# testscenarios list: a test class with these runs once per backend.
SCENARIOS = [(name, {'backend': name}) for name in BACKENDS]

_reachable = {}
_lock = threading.Lock()


def unreachable_reason(backend):
    """None when ``backend`` can be used, else why not (cached)."""
    if backend == 'sqlite':
        return None
    with _lock:
        if backend not in _reachable:
            engine = sa.create_engine(ADMIN_URLS[backend],
                                      connect_args={'connect_timeout': 3},
                                      poolclass=sa.pool.NullPool)
            try:
                with engine.connect() as conn:
                    conn.execute(sa.text('SELECT 1'))
                _reachable[backend] = None
            except Exception as exc:  # any driver error means: skip
                _reachable[backend] = '%s not reachable at %s: %s' % (
                    backend, engine.url.render_as_string(hide_password=True),
                    str(exc).splitlines()[0])
            finally:
                engine.dispose()
        return _reachable[backend]


class ThrowawayDatabase(fixtures.Fixture):
    """An empty database on ``backend``; ``url`` is set after setUp.

    With ``tree`` set, the database is migrated to that alembic head.
    """

    def __init__(self, backend='sqlite', tree=None):
        super().__init__()
        self.backend = backend
        self.tree = tree

    def _setUp(self):
        reason = unreachable_reason(self.backend)
        if reason:
            raise testtools.TestCase.skipException(reason)
        if self.backend == 'sqlite':
            tmp = self.useFixture(fixtures.TempDir())
            self.url = 'sqlite:///' + os.path.join(tmp.path, 'test.sqlite')
        else:
            self._create_server_db()
        if self.tree:
            engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
            try:
                db_migrations.upgrade(self.tree, engine)
            finally:
                engine.dispose()

    def _create_server_db(self):
        name = 'pbtest_%s' % uuid.uuid4().hex[:12]
        admin = sa.create_engine(ADMIN_URLS[self.backend],
                                 isolation_level='AUTOCOMMIT',
                                 poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.execute(sa.text('CREATE DATABASE %s' % name))
        url = sa.engine.make_url(ADMIN_URLS[self.backend]).set(database=name)
        self.url = url.render_as_string(hide_password=False)
        self.addCleanup(self._drop, admin, name)

    def _drop(self, admin, name):
        with admin.connect() as conn:
            if self.backend == 'postgresql':
                conn.execute(sa.text(
                    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
                    'WHERE datname = :name AND pid <> pg_backend_pid()'),
                    {'name': name})
            conn.execute(sa.text('DROP DATABASE IF EXISTS %s' % name))
        admin.dispose()


class ServiceDatabase(fixtures.Fixture):
    """A migrated throwaway database and a Database handle on it."""

    def __init__(self, backend='sqlite', tree='compute'):
        super().__init__()
        self.backend = backend
        self.tree = tree

    def _setUp(self):
        self.throwaway = self.useFixture(
            ThrowawayDatabase(self.backend, self.tree))
        self.url = self.throwaway.url
        self.db = db.Database(self.url)
        self.addCleanup(self.db.dispose)
