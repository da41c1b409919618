"""Exclusive node locks: the ``reservation`` column, as in Ironic.

Taking a lock is one conditional UPDATE (``reservation IS NULL`` ->
``host``), so two conductors, or two threads of one, can never both win.
The column holds the conductor's name, not a thread's, so a process also
remembers which nodes it holds: without that, a batch lock of the sync
could not tell a node it just reserved from one a power action of the same
conductor reserved a moment earlier.
"""

import contextlib
import threading

from oslo_log import log as logging
import sqlalchemy as sa

from baremetal_notifier import exception
from baremetal_notifier.objects import conductors
from baremetal_notifier.objects import node_power
from baremetal_notifier import states
from powerbridge import db

LOG = logging.getLogger(__name__)
NODES = node_power.NODES


class NodeLocks:
    """The locks one conductor (``host``) takes and releases."""

    def __init__(self, ctx, host):
        self.ctx = ctx
        self.host = host
        self._held = set()
        # NOTE: serialises reserve/release inside this process, like
        # Ironic's RESERVATION_SEMAPHORE, so _held always matches the DB.
        self._mutex = threading.Lock()

    @property
    def held(self):
        with self._mutex:
            return frozenset(self._held)

    def acquire(self, node_uuid):
        """Reserve one node; raises NodeLocked naming the holder or
        NodeNotFound."""
        with self._mutex:
            if node_uuid in self._held:
                raise exception.NodeLocked(node=node_uuid, host=self.host)
            with self.ctx.db.writer.using(self.ctx) as session:
                taken = db.conditional_update(
                    session, NODES, {'reservation': self.host},
                    uuid=node_uuid, reservation=None)
                if not taken:
                    holder = session.execute(
                        sa.select(NODES.c.reservation).where(
                            NODES.c.uuid == node_uuid)).first()
            if not taken:
                if holder is None:
                    raise exception.NodeNotFound(node=node_uuid)
                # NOTE: the holder may have released in between; the
                # caller gets the same answer Ironic gives, retry later.
                raise exception.NodeLocked(node=node_uuid,
                                           host=holder[0] or 'unknown')
            self._held.add(node_uuid)

    def take(self, node_uuid, holder, claim):
        """Take a lock left for this host by ``holder`` (the action
        queue's reservation): reservation ``holder`` -> host, in one
        transaction with ``claim(session)``; when either does not match,
        neither is written. Returns True when the lock is ours."""
        with self._mutex:
            if node_uuid in self._held:
                return False
            try:
                with self.ctx.db.writer.using(self.ctx) as session:
                    if not db.conditional_update(
                            session, NODES, {'reservation': self.host},
                            uuid=node_uuid, reservation=holder):
                        return False
                    if not claim(session):
                        raise _GiveUp()
            except _GiveUp:
                return False
            self._held.add(node_uuid)
            return True

    def hand_back(self, node_uuid, holder, unclaim):
        """The reverse of take(): reservation host -> ``holder``, in one
        transaction with ``unclaim(session)``."""
        with self._mutex:
            if node_uuid not in self._held:
                return
            with self.ctx.db.writer.using(self.ctx) as session:
                if db.conditional_update(
                        session, NODES, {'reservation': holder},
                        uuid=node_uuid, reservation=self.host):
                    unclaim(session)
            self._held.discard(node_uuid)

    def acquire_many(self, node_uuids):
        """Reserve what is free among ``node_uuids``; returns those taken.

        One transaction (an UPDATE per chunk of the IN list) instead of one
        per node: the sync locks every node it must act on at once.
        """
        with self._mutex:
            wanted = [u for u in dict.fromkeys(node_uuids)
                      if u not in self._held]
            if not wanted:
                return []
            taken = []
            with self.ctx.db.writer.using(self.ctx) as session:
                for chunk in node_power.chunks(wanted):
                    session.execute(
                        NODES.update()
                        .where(NODES.c.uuid.in_(chunk),
                               NODES.c.reservation.is_(None))
                        .values(reservation=self.host))
                    # Ours now: nodes held by this host that this process
                    # did not hold before (clear_stale ran at start-up).
                    taken.extend(session.execute(
                        sa.select(NODES.c.uuid).where(
                            NODES.c.uuid.in_(chunk),
                            NODES.c.reservation == self.host)).scalars())
            self._held.update(taken)
            return taken

    def release(self, node_uuid):
        self.release_many([node_uuid])

    def release_many(self, node_uuids):
        """Release nodes this process holds; others are left alone."""
        with self._mutex:
            mine = [u for u in node_uuids if u in self._held]
            if not mine:
                return
            try:
                with self.ctx.db.writer.using(self.ctx) as session:
                    for chunk in node_power.chunks(mine):
                        session.execute(
                            NODES.update()
                            .where(NODES.c.uuid.in_(chunk),
                                   NODES.c.reservation == self.host)
                            .values(reservation=None))
            except Exception:
                # NOTE: the next start's clear_stale frees them.
                LOG.exception('Could not release the locks of %d nodes',
                              len(mine))
            self._held.difference_update(mine)

    @contextlib.contextmanager
    def exclusive(self, node_uuid):
        """``with locks.exclusive(uuid):`` holds the node's lock."""
        self.acquire(node_uuid)
        try:
            yield
        finally:
            self.release(node_uuid)

    @contextlib.contextmanager
    def batch(self, node_uuids, reread):
        """Lock what is free among ``node_uuids`` and re-read it.

        Yields a :class:`LockedBatch` whose ``nodes`` are the rows that
        ``reread(ctx, host, uuids)`` returns under the locks (those its
        rules still let through); on exit every lock is released except
        those handed over with ``keep()``, whose new owner releases them.
        """
        taken = self.acquire_many(node_uuids)
        batch = LockedBatch(taken)
        try:
            batch.nodes = reread(self.ctx, self.host, taken)
            yield batch
        finally:
            self.release_many([u for u in taken if u not in batch.kept])

    def forget_all(self):
        """After clear_stale: this process holds nothing any more."""
        with self._mutex:
            self._held.clear()


class _GiveUp(Exception):
    """Rolls back a take() whose claim did not match."""


class LockedBatch:
    """Nodes locked together; ``nodes`` are their rows read under lock."""

    def __init__(self, taken):
        self.taken = taken
        self.nodes = []
        self.kept = set()

    def keep(self, node_uuid):
        """Hand this node's lock to someone who will release it later."""
        self.kept.add(node_uuid)


def clear_stale(ctx, host, node_uuids=None, dead_for=None, by=None,
                power_error=node_power.ABORTED_BY_RESTART):
    """Undo what a dead conductor called ``host`` left behind.

    A power action cut short leaves its target_power_state, which would make
    the sync skip the node forever (LP#1567255): it is cleared, with
    ``power_error`` in last_error. Then every reservation of ``host`` is
    released. Returns (aborted actions, released locks).

    :param node_uuids: only these nodes (a peer taking over its share).
    :param dead_for: when set (heartbeat_timeout), each statement changes
        nothing unless ``host`` is still not alive by the database's clock
        when it runs: a conductor that comes back in between keeps its
        locks.
    :param by: the conductor doing this (default ``host``), for messages.
    """
    by = by or host
    with ctx.db.writer.using(ctx) as session:
        where = [NODES.c.reservation == host]
        if dead_for is not None:
            since = conductors.since(session, dead_for)
            where.append(~sa.exists().where(
                conductors.CONDUCTORS.c.hostname == host,
                conductors.alive_clause(since)))
        if node_uuids is None:
            return _clear(session, where, host, by, power_error)
        totals = [0, 0]
        for chunk in node_power.chunks(node_uuids):
            counts = _clear(session, where + [NODES.c.uuid.in_(chunk)],
                            host, by, power_error)
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
        return tuple(totals)


def _clear(session, where, host, by, power_error):
    now = db.utcnow()
    aborted = session.execute(
        NODES.update()
        .where(NODES.c.target_power_state.is_not(None), *where)
        .values(target_power_state=None, last_error=power_error,
                updated_at=now)).rowcount
    # A provision action cut short cannot be resumed: Ironic fails it
    # (verifying -> enroll, deleting -> error) with this last_error.
    for state, failed in ((states.VERIFYING, states.ENROLL),
                          (states.DELETING, states.ERROR)):
        session.execute(
            NODES.update()
            .where(NODES.c.provision_state == state, *where)
            .values(provision_state=failed,
                    target_provision_state=states.target_of(failed),
                    last_error="The %s state can't be resumed by "
                               "conductor %s. Moving to fail state."
                               % (state, by),
                    provision_updated_at=now, updated_at=now))
    released = session.execute(
        NODES.update().where(*where)
        .values(reservation=None)).rowcount
    return aborted, released
