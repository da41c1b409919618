"""Alembic trees of the two databases: ``compute`` and ``baremetal``."""

import os

from alembic import command
from alembic import config as alembic_config
from alembic import migration
from alembic import script
import sqlalchemy as sa

TREES = ('compute', 'baremetal')


def _config(tree, connection):
    if tree not in TREES:
        raise ValueError('unknown migration tree %r' % tree)
    cfg = alembic_config.Config()
    cfg.set_main_option('script_location',
                        os.path.join(os.path.dirname(__file__), tree))
    cfg.attributes['connection'] = connection
    return cfg


def upgrade(tree, engine, revision='head'):
    """Upgrade the database behind ``engine`` to ``revision``."""
    with engine.begin() as connection:
        command.upgrade(_config(tree, connection), revision)


def downgrade(tree, engine, revision):
    with engine.begin() as connection:
        command.downgrade(_config(tree, connection), revision)


def current_version(engine):
    """The alembic revision stored in the database, or None."""
    with engine.connect() as connection:
        return migration.MigrationContext.configure(
            connection).get_current_revision()


def revisions(tree):
    """Revision ids of ``tree`` from base to head."""
    scripts = script.ScriptDirectory.from_config(_config(tree, None))
    return [rev.revision for rev in reversed(list(scripts.walk_revisions()))]


def head(tree):
    return revisions(tree)[-1]


def sync(tree, connection_url, revision='head'):
    """``db sync`` of the manage commands: upgrade a URL to ``revision``."""
    engine = sa.create_engine(connection_url)
    try:
        upgrade(tree, engine, revision)
        return current_version(engine)
    finally:
        engine.dispose()


def run_online(context):
    """The body of both trees' env.py: the caller hands over a connection.

    ``render_as_batch`` lets the same migration scripts alter tables on
    SQLite, which cannot ALTER most columns in place.
    """
    connection = context.config.attributes['connection']
    context.configure(connection=connection, target_metadata=None,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
