"""Which conductors are alive: the hosts a driver is served by."""

import datetime

import sqlalchemy as sa

from baremetal_notifier.db import models
from powerbridge import db

CONDUCTORS = models.Conductor.__table__


def alive(ctx, timeout):
    """Hostnames of conductors online with a heartbeat in ``timeout`` s."""
    since = db.utcnow() - datetime.timedelta(seconds=timeout)
    with ctx.db.reader.using(ctx) as session:
        return list(session.execute(
            sa.select(CONDUCTORS.c.hostname)
            .where(CONDUCTORS.c.online == sa.true(),
                   CONDUCTORS.c.updated_at >= since)
            .order_by(CONDUCTORS.c.hostname)).scalars())
