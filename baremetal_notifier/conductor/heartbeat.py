"""The conductor's row in ``conductors``: registration and heartbeats.

As in Ironic, a conductor is alive while its row is ``online`` and its
``updated_at`` is recent; ``touch`` runs every ``heartbeat_interval``.
"""

from oslo_log import log as logging

from baremetal_notifier.db import models
from powerbridge import db

LOG = logging.getLogger(__name__)
CONDUCTORS = models.Conductor.__table__


def _set(ctx, hostname, online):
    now = db.utcnow()
    with ctx.db.writer.using(ctx) as session:
        return db.conditional_update(session, CONDUCTORS,
                                     {'online': online, 'updated_at': now},
                                     hostname=hostname)


def register(ctx, hostname):
    """Mark ``hostname`` online, creating its row on the first start."""
    if _set(ctx, hostname, True):
        return
    try:
        with ctx.db.writer.using(ctx) as session:
            now = db.utcnow()
            session.execute(CONDUCTORS.insert().values(
                hostname=hostname, online=True, created_at=now,
                updated_at=now))
    except db.DBDuplicateEntry:
        # Another process of the same name registered first.
        _set(ctx, hostname, True)


def unregister(ctx, hostname):
    """Mark ``hostname`` offline (clean stop)."""
    _set(ctx, hostname, False)


class Heartbeat:
    """``touch`` for a periodic Task: logs a failure once, then its
    recovery."""

    def __init__(self, ctx, hostname):
        self.ctx = ctx
        self.hostname = hostname
        self._failing = False

    def touch(self):
        try:
            if not _set(self.ctx, self.hostname, True):
                register(self.ctx, self.hostname)
        except Exception:
            if not self._failing:
                LOG.exception('Conductor %s could not record its heartbeat',
                              self.hostname)
            self._failing = True
            return
        if self._failing:
            LOG.info('Conductor %s records its heartbeat again',
                     self.hostname)
            self._failing = False
