"""Which conductors are alive, by the database server's clock.

A conductor is alive while its row is ``online`` and its last heartbeat
(``updated_at``) is at most ``timeout`` seconds old, as in Ironic.
"""

import collections
import datetime

import sqlalchemy as sa

from baremetal_notifier.db import models
from powerbridge import db

CONDUCTORS = models.Conductor.__table__

#: One conductors row, with ``alive`` computed and ``age`` in seconds since
#: its last heartbeat (None if it never had one).
ConductorRow = collections.namedtuple(
    'ConductorRow', ['hostname', 'conductor_group', 'online', 'alive',
                     'updated_at', 'age'])


def alive_clause(since):
    return sa.and_(CONDUCTORS.c.online == sa.true(),
                   CONDUCTORS.c.updated_at >= since)


def since(session, timeout):
    """The oldest heartbeat that still counts as alive."""
    return db.server_utcnow(session) - datetime.timedelta(seconds=timeout)


def alive(ctx, timeout):
    """Hostnames of conductors online with a heartbeat in ``timeout`` s."""
    return sorted(row.hostname for row in get_all(ctx, timeout)
                  if row.alive)


def get_all(ctx, timeout):
    """Every conductors row as a ConductorRow, by hostname."""
    with ctx.db.reader.using(ctx) as session:
        now = db.server_utcnow(session)
        rows = session.execute(
            sa.select(CONDUCTORS.c.hostname, CONDUCTORS.c.conductor_group,
                      CONDUCTORS.c.online, CONDUCTORS.c.updated_at)
            .order_by(CONDUCTORS.c.hostname)).all()
    limit = datetime.timedelta(seconds=timeout)
    result = []
    for hostname, group, online, updated_at in rows:
        age = None if updated_at is None else now - updated_at
        result.append(ConductorRow(
            hostname, group or '', bool(online),
            bool(online) and age is not None and age <= limit,
            updated_at, None if age is None else age.total_seconds()))
    return result


def group_is_served(ctx, group, timeout):
    """True when a conductor of ``group`` is alive (Ironic's API refuses a
    node whose group no live conductor serves: its ring has no key)."""
    with ctx.db.reader.using(ctx) as session:
        return session.execute(
            sa.select(CONDUCTORS.c.id)
            .where(CONDUCTORS.c.conductor_group == group,
                   alive_clause(since(session, timeout)))
            .limit(1)).first() is not None
