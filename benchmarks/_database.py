"""Databases of nodes for the benchmarks: a throwaway database server,
and one enrolled node (with an instance) per virtual BMC."""

import json
import os
import sys

POSTGRESQL_URL = os.environ.get(
    'POWERBRIDGE_TEST_POSTGRESQL_URL',
    'postgresql+psycopg2://postgres@127.0.0.1:5432/postgres')


class DatabaseServer:
    """A throwaway database: PostgreSQL when reachable, else SQLite."""

    def __init__(self, workdir, name):
        import sqlalchemy as sa

        self.admin = None
        self.name = 'pbbench_%s_%d' % (name, os.getpid())
        try:
            admin = sa.create_engine(POSTGRESQL_URL,
                                     isolation_level='AUTOCOMMIT',
                                     connect_args={'connect_timeout': 3},
                                     poolclass=sa.pool.NullPool)
            with admin.connect() as conn:
                conn.execute(sa.text('CREATE DATABASE %s' % self.name))
            self.admin = admin
            self.url = sa.engine.make_url(POSTGRESQL_URL).set(
                database=self.name).render_as_string(hide_password=False)
        except Exception as exc:  # any driver error: SQLite instead
            print('PostgreSQL not reachable (%s): SQLite'
                  % str(exc).splitlines()[0], file=sys.stderr)
            self.url = 'sqlite:///' + os.path.join(workdir,
                                                   name + '.sqlite')

    def drop(self):
        import sqlalchemy as sa

        if self.admin is None:
            return
        with self.admin.connect() as conn:
            conn.execute(sa.text(
                'SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
                'WHERE datname = :name AND pid <> pg_backend_pid()'),
                {'name': self.name})
            conn.execute(sa.text('DROP DATABASE IF EXISTS %s' % self.name))
        self.admin.dispose()


def enroll(url, ports):
    """One node (with an instance) per BMC port; returns {uuid: port}."""
    from oslo_utils import uuidutils
    import sqlalchemy as sa

    import db_migrations
    import ipmi_sync
    from baremetal_notifier.db import models

    engine = sa.create_engine(url)
    db_migrations.upgrade('baremetal', engine)
    rows = [dict(uuid=uuidutils.generate_uuid(), driver='ipmi',
                 instance_uuid=uuidutils.generate_uuid(),
                 provision_state='active', maintenance=False,
                 power_sync_failures=0, driver_info=json.dumps({
                     'ipmi_address': '127.0.0.1', 'ipmi_port': port,
                     'ipmi_username': ipmi_sync.USERNAME,
                     'ipmi_password': ipmi_sync.PASSWORD}))
            for port in ports]
    with engine.begin() as conn:
        conn.execute(models.Node.__table__.insert(), rows)
    engine.dispose()
    return {row['uuid']: port for row, port in zip(rows, ports, strict=True)}
