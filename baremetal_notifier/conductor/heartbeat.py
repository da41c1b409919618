"""The conductor's row in ``conductors``: registration and heartbeats.

As in Ironic, a conductor is alive while its row is ``online`` and its
``updated_at`` is recent (``[conductor] heartbeat_timeout``); ``touch``
runs every ``heartbeat_interval``. ``updated_at`` comes from the database
server's clock, as does every liveness check (objects/conductors.py), so
the clocks of the conductor hosts never enter into who is alive.
"""

from oslo_log import log as logging

from baremetal_notifier.db import models
from powerbridge import db

LOG = logging.getLogger(__name__)
CONDUCTORS = models.Conductor.__table__


def _set(ctx, hostname, online, conductor_group=None):
    values = {'online': online}
    if conductor_group is not None:
        values['conductor_group'] = conductor_group
    with ctx.db.writer.using(ctx) as session:
        values['updated_at'] = db.server_utcnow(session)
        return db.conditional_update(session, CONDUCTORS, values,
                                     hostname=hostname)


def register(ctx, hostname, conductor_group=''):
    """Mark ``hostname`` online in ``conductor_group`` (already validated
    and lowercased), creating its row on the first start."""
    if _set(ctx, hostname, True, conductor_group):
        return
    try:
        with ctx.db.writer.using(ctx) as session:
            now = db.server_utcnow(session)
            session.execute(CONDUCTORS.insert().values(
                hostname=hostname, online=True,
                conductor_group=conductor_group, created_at=now,
                updated_at=now))
    except db.DBDuplicateEntry:
        # Another process of the same name registered first.
        _set(ctx, hostname, True, conductor_group)


def unregister(ctx, hostname):
    """Mark ``hostname`` offline (clean stop): its peers take its nodes on
    their next cycle instead of after heartbeat_timeout."""
    _set(ctx, hostname, False)


class Heartbeat:
    """``touch`` for a periodic Task: logs a failure once, then its
    recovery."""

    def __init__(self, ctx, hostname, conductor_group=''):
        self.ctx = ctx
        self.hostname = hostname
        self.conductor_group = conductor_group
        self._failing = False

    def touch(self):
        try:
            if not _set(self.ctx, self.hostname, True):
                register(self.ctx, self.hostname, self.conductor_group)
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
