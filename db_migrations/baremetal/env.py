"""Alembic environment: the caller hands over an open connection."""

from alembic import context

import db_migrations

db_migrations.run_online(context)
