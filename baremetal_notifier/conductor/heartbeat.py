"""The conductor's row in ``conductors``: registration and heartbeats.

As in Ironic, a conductor is alive while its row is ``online`` and its
``updated_at`` is recent (``[conductor] heartbeat_timeout``); ``touch``
runs every ``heartbeat_interval``. ``updated_at`` comes from the database
server's clock, as does every liveness check (objects/conductors.py), so
the clocks of the conductor hosts never enter into who is alive.
"""

import time

from oslo_log import log as logging
import sqlalchemy as sa

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


class HostInUse(Exception):
    """Another running conductor heartbeats under this hostname."""


def _last_heartbeat(ctx, hostname):
    with ctx.db.reader.using(ctx) as session:
        row = session.execute(
            sa.select(CONDUCTORS.c.online, CONDUCTORS.c.updated_at)
            .where(CONDUCTORS.c.hostname == hostname)).first()
        now = db.server_utcnow(session)
    if row is None or not row.online or row.updated_at is None:
        return None, None
    return row.updated_at, (now - row.updated_at).total_seconds()


def ensure_not_running(ctx, hostname, interval, timeout):
    """Refuse to start a second conductor under ``hostname``.

    A row that is online with a heartbeat younger than ``timeout`` is
    either another conductor using this name or what a killed run of this
    one left. Two heartbeat intervals tell them apart: a running conductor
    heartbeats meanwhile, a dead one does not. Only a crash costs this
    wait; a clean stop leaves the row offline.

    :raises HostInUse: with the message for the operator.
    """
    seen, age = _last_heartbeat(ctx, hostname)
    if seen is None or age > timeout:
        return
    LOG.info('Conductor %(host)s has a heartbeat %(age).0f s old: waiting '
             '%(wait)s s to see whether another process runs under this '
             'name', {'host': hostname, 'age': age, 'wait': 2 * interval})
    deadline = time.monotonic() + 2 * interval
    while time.monotonic() < deadline:
        time.sleep(min(0.2, interval))
        latest, age = _last_heartbeat(ctx, hostname)
        if latest is not None and latest > seen:
            raise HostInUse(
                'a conductor named %s is already running (it heartbeats: '
                'last %.0f s ago); give each conductor its own [DEFAULT] '
                'host' % (hostname, max(age, 0)))


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
