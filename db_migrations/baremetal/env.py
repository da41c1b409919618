"""Alembic environment: the caller hands over an open connection."""

from alembic import context

config = context.config


def run_migrations_online():
    connection = config.attributes['connection']
    context.configure(connection=connection, target_metadata=None,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
