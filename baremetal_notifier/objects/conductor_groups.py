"""Which conductor groups have a live conductor: where a node may go.

Ironic's API refuses a node (400 NoValidHost) whose group no live
conductor serves, on create and on a PATCH that moves it: its hash ring
has no key for that group. The API reads the same ``conductors`` rows the
conductors heartbeat into.
"""

import datetime

import sqlalchemy as sa

from baremetal_notifier.db import models
from powerbridge import db

CONDUCTORS = models.Conductor.__table__


def is_served(ctx, group, timeout):
    """True when a conductor of ``group`` is online with a heartbeat in
    the last ``timeout`` seconds (Ironic's _filter_active_conductors)."""
    since = db.utcnow() - datetime.timedelta(seconds=timeout)
    with ctx.db.reader.using(ctx) as session:
        return session.execute(
            sa.select(CONDUCTORS.c.id)
            .where(CONDUCTORS.c.conductor_group == group,
                   CONDUCTORS.c.online == sa.true(),
                   CONDUCTORS.c.updated_at >= since)
            .limit(1)).first() is not None
