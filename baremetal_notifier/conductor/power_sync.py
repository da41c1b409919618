"""One periodic power sync cycle, with Ironic's rules.

Ironic opens every node with a shared lock, asks its BMC, and upgrades to
an exclusive lock only for a node it must change, repeating its checks
under that lock (ironic.conductor.manager.do_sync_power_state). This cycle
keeps that shape but does each step for all nodes at once:

1. the shared read: one SELECT of every node the skip rules let through
   (not in maintenance, not reserved, no power action running), nodes that
   failed last time first;
2. one batched ``get_power_states`` call for all their BMCs, whose
   readings are taken in waves as they arrive; a BMC slower than the cycle
   is left to answer for the next one (bmc_reads.py), so one hung BMC
   costs only its own node;
3. per wave, the nodes that disagree or failed are locked together (one
   transaction), re-read under the lock, the rules are checked again, and
   the decision is made again on the fresh row; the writes for a chunk of
   nodes commit in one transaction, each with its power-update event;
4. in force mode, the nodes whose hardware must be changed keep their lock
   and go to the worker pool; the cycle waits for them.

In steady state (every node agrees) a cycle writes nothing.
"""

import dataclasses
import time

from futurist import waiters
from oslo_db import api as oslo_db_api
from oslo_log import log as logging

from baremetal_notifier.conductor import bmc_reads
from baremetal_notifier.drivers import base
from baremetal_notifier.objects import node_power

LOG = logging.getLogger(__name__)

# What the sync does for one node.
NOTHING = 'nothing'
RESET = 'reset'      # the BMC agrees again: forget earlier failures
RECORD = 'record'    # write the hardware's state (first observation, or
                     # force_power_state_during_sync = False)
FORCE = 'force'      # push the recorded state onto the hardware
FAILED = 'failed'    # the BMC did not answer: count a failure
INVALID = 'invalid'  # driver_info cannot describe a BMC: say so in
                     # last_error, never count it

# Nodes written per transaction under the batch lock: few commits (each
# is an fsync on SQLite), yet a bounded time other writers wait.
WRITE_CHUNK = 500
# Seconds between the writes of readings that keep arriving: the most a
# reading waits for its write while slower BMCs are still being read.
WAVE = 1.0


@dataclasses.dataclass
class SyncStats:
    """What one cycle saw and did (also the benchmark's figures)."""

    nodes: int = 0        # candidates after the skip rules
    failures: int = 0     # BMCs that did not answer, and bad driver_info
    recorded: int = 0     # hardware states written to the database
    forced: int = 0       # recorded states pushed onto the hardware
    maintenance: int = 0  # nodes sent to maintenance ('power failure')
    skipped: int = 0      # locked elsewhere or changed under us
    unread: int = 0       # BMCs still answering when the cycle ended
    events: int = 0       # power-update events enqueued
    seconds: float = 0.0

    def add(self, other):
        for field in dataclasses.fields(self):
            setattr(self, field.name,
                    getattr(self, field.name) + getattr(other, field.name))


def decide(node, reading, force):
    """The action for ``node`` given its BMC's reading.

    ``reading`` is a PowerReading, or a BadDriverInfo. Ironic's rules: a
    node whose state was never known records the hardware's state whatever
    the mode (first observation).
    """
    if isinstance(reading, bmc_reads.BadDriverInfo):
        # NOTE: written once, not every cycle.
        return NOTHING if node.last_error == reading.error else INVALID
    if reading.error is not None:
        return FAILED
    if reading.state == node.power_state:
        # NOTE: as Ironic with node history on, a good reading clears the
        # last error; a write only when there is something to clear.
        if node.power_sync_failures or node.last_error:
            return RESET
        return NOTHING
    if node.power_state is None or not force:
        return RECORD
    return FORCE


class PowerSync:
    """Runs sync cycles for one conductor.

    :param conf: the service's ConfigOpts.
    :param ctx: the conductor's context (with ``db``).
    :param driver: a started PowerDriver.
    :param locks: the conductor's NodeLocks.
    :param pool: futurist executor for forced power actions.
    :param deadline: seconds the driver may take to read a batch of BMCs.
    :param wait: seconds a cycle waits for readings; slower ones serve the
        next cycle.
    :param stopping: threading.Event set when the conductor stops.
    :param metrics: the conductor's BaremetalMetrics.
    :param events_written: called after power-update events commit.
    :param ownership: the conductor's Ownership, refreshed before each
        cycle: a cycle looks only at the nodes this conductor owns.
    """

    def __init__(self, conf, ctx, driver, locks, pool, deadline, wait,
                 stopping, metrics, events_written=lambda: None, *,
                 ownership):
        self.events_written = events_written
        self.ownership = ownership
        self.conf = conf
        self.ctx = ctx
        self.driver = driver
        self.locks = locks
        self.pool = pool
        self.metrics = metrics
        self.reader = bmc_reads.BmcReader(driver, deadline,
                                          on_read=metrics.bmc_read)
        self.wait = wait
        self.stopping = stopping
        self._polled = set()
        self.last_nodes = 0  # candidates of the last cycle (a gauge)

    @property
    def host(self):
        return self.locks.host

    @property
    def max_retries(self):
        return self.conf.conductor.power_state_sync_max_retries

    def run(self):
        """One cycle; a node's trouble never ends it. Returns SyncStats."""
        started = time.monotonic()
        stats = SyncStats()
        group = self.ownership.conductor_group
        nodes = [node for node in
                 node_power.get_sync_candidates(self.ctx, group)
                 if self.ownership.owns(node.uuid, group)]
        stats.nodes = len(nodes)
        self._forget_gone(nodes)
        seen = {node.uuid: node for node in nodes}
        batch, readings = self.reader.start(nodes)
        forced = self._act(readings, seen, stats)
        if batch is not None:
            end = started + self.wait
            done = False
            while not done and time.monotonic() < end:
                readings, done = self.reader.take(batch, end, WAVE)
                forced += self._act(readings, seen, stats)
            self.reader.detach(batch)
        stats.unread = self.reader.still_reading()
        if forced:
            waiters.wait_for_all(forced)
            stats.forced += sum(1 for f in forced if f.result())
        stats.seconds = time.monotonic() - started
        self.last_nodes = stats.nodes
        self.metrics.cycle(stats)
        log_cycle(stats, self.conf.conductor.sync_power_state_interval)
        return stats

    def _forget_gone(self, nodes):
        """Let the driver drop the sessions of deleted nodes.

        A node that only left the sync for a while (a power action, which
        needs its session, or maintenance) is kept in mind until it
        returns or is deleted. A node another conductor owns now is
        forgotten too: its BMC is that conductor's to talk to.
        """
        polled = {node.uuid for node in nodes}
        missing = self._polled - polled
        kept = node_power.existing(self.ctx, missing) if missing else set()
        group = self.ownership.conductor_group
        kept = {uuid for uuid in kept if self.ownership.owns(uuid, group)}
        for key in missing - kept:
            self.driver.forget(key)
        self._polled = polled | kept

    def _act(self, readings, seen, stats):
        """Act on a wave of readings; returns the futures of forcings."""
        force = self.conf.conductor.force_power_state_during_sync
        pending = {uuid: seen[uuid] for uuid, reading in readings.items()
                   if decide(seen[uuid], reading, force) != NOTHING}
        if not pending:
            return []
        if self.stopping.is_set():
            # NOTE: a stopping driver fails every read; counting those as
            # BMC failures would push healthy nodes toward maintenance.
            LOG.info('Conductor stopping: power sync results discarded')
            return []
        return self._act_locked(pending, readings, force, stats)

    # -- under the lock ----------------------------------------------------

    def _act_locked(self, seen, readings, force, stats):
        """Lock, re-read, decide again and write; returns force futures."""
        futures = []
        with self.locks.batch(seen, node_power.still_syncable) as batch:
            # NOTE: locked elsewhere, or maintenance, a power action or a
            # provision state arrived between the shared read and the lock.
            stats.skipped += len(seen) - len(batch.nodes)
            for chunk in node_power.chunks(batch.nodes, WRITE_CHUNK):
                try:
                    chunk_stats, to_force = self._write_chunk(
                        chunk, seen, readings, force)
                except Exception:
                    LOG.exception('Power sync could not write the state of '
                                  '%d nodes; they are retried next cycle',
                                  len(chunk))
                    continue
                stats.add(chunk_stats)
                if chunk_stats.events:
                    self.events_written()
                for node in to_force:
                    future = self._submit_force(node)
                    if future is not None:
                        batch.keep(node.uuid)
                        futures.append(future)
        return futures

    # NOTE: a deadlock victim on MySQL (the outbox sender updates the rows
    # this inserts) is simply run again; the nodes are still ours.
    @oslo_db_api.wrap_db_retry(max_retries=3, retry_on_deadlock=True,
                               retry_interval=0.05, max_retry_interval=0.5)
    def _write_chunk(self, chunk, seen, readings, force):
        """One transaction for a chunk of locked nodes; returns its stats
        and the nodes to force."""
        stats = SyncStats()
        to_force = []
        records = []
        with self.ctx.db.writer.using(self.ctx):
            for node in chunk:
                if self._apply(node, seen[node.uuid], readings[node.uuid],
                               force, stats, records):
                    to_force.append(node)
            stats.events += node_power.record_power_states(
                self.ctx, self.host, records)
        return stats, to_force

    def _apply(self, node, seen, reading, force, stats, records):
        """Write one locked node's outcome; True if it must be forced.

        ``node`` is the row read under the lock, ``seen`` the row the BMC
        was read for. A state to record is added to ``records``, which
        the chunk writes at once.
        """
        if node.driver_info != seen.driver_info:
            # NOTE: a new BMC: this reading is not about it.
            stats.skipped += 1
            return False
        action = decide(node, reading, force)
        if action == NOTHING:
            return False
        if action == INVALID:
            stats.failures += 1
            LOG.warning('Power sync skips node %s: %s', node.uuid,
                        reading.error)
            node_power.set_last_error(self.ctx, self.host, node.uuid,
                                      reading.error)
            return False
        if action == RESET:
            node_power.reset_sync_failures(self.ctx, self.host, node.uuid)
            return False
        if action == RECORD:
            self._record(node, reading.state, stats)
            records.append((node, reading.state))
            return False
        # FAILED and FORCE are both a failed attempt to agree (Ironic counts
        # a forced node until the next cycle finds it in agreement).
        error = reading.error or (
            "power state '%s' does not match the recorded '%s'"
            % (reading.state, node.power_state))
        count = node_power.count_sync_failure(self.ctx, self.host,
                                              node.uuid, error)
        if count > self.max_retries:
            self._power_failure(node, reading.state, error, stats)
            return False
        if action == FAILED:
            stats.failures += 1
            LOG.warning('During power sync, could not get the power state '
                        'of node %(node)s, attempt %(count)d of %(max)d. '
                        'Error: %(error)s',
                        {'node': node.uuid, 'count': count,
                         'max': self.max_retries + 1, 'error': error})
            return False
        LOG.warning("Node %(node)s: power state '%(actual)s' does not match "
                    "the recorded state '%(db)s'. Changing the hardware "
                    "state to '%(db)s'.", {'node': node.uuid,
                                           'actual': reading.state,
                                           'db': node.power_state})
        return True

    def _record(self, node, state, stats):
        if node.power_state is None:
            LOG.info("Node %(node)s had no known power state; recording "
                     "'%(state)s'", {'node': node.uuid, 'state': state})
        else:
            LOG.warning("Node %(node)s: power state '%(actual)s' does not "
                        "match the recorded state '%(db)s'. Updating the "
                        "recorded state to '%(actual)s'.",
                        {'node': node.uuid, 'actual': state,
                         'db': node.power_state})
        stats.recorded += 1

    def _power_failure(self, node, state, error, stats):
        reason = ('During power sync, max retries (%(max)d) exceeded for '
                  "node %(node)s: power state '%(actual)s', recorded "
                  "'%(db)s'. Switching node to maintenance mode. "
                  'Error: %(error)s'
                  % {'max': self.max_retries, 'node': node.uuid,
                     'actual': state, 'db': node.power_state,
                     'error': error})
        LOG.error(reason)
        stats.failures += 1
        stats.maintenance += 1
        if node_power.enter_power_failure(self.ctx, self.host, node, state,
                                          reason):
            stats.events += 1

    # -- force mode ----------------------------------------------------------

    def _submit_force(self, node):
        try:
            target = node.bmc_target()
            return self.pool.submit(self._force, node, target)
        except Exception:
            LOG.exception('Could not start forcing the power state of node '
                          '%s', node.uuid)
            return None

    def _force(self, node, target):
        """Worker: push the recorded state; releases the node's lock."""
        timeout = self.conf.conductor.power_state_change_timeout
        try:
            try:
                state = self.driver.set_power_state(target, node.power_state,
                                                    timeout)
                error = None
            except base.DriverError as exc:
                state, error = None, (
                    "Failed to change power state to '%s' during power "
                    'sync. Error: %s' % (node.power_state, exc))
                LOG.error('Node %s: %s', node.uuid, error)
            self.metrics.power_action(node.power_state, 'sync',
                                      error is None)
            node_power.finish_power_action(self.ctx, self.host, node, state,
                                           node.power_state, error)
            self.events_written()
            return error is None
        except Exception:
            LOG.exception('Forcing the power state of node %s failed',
                          node.uuid)
            return False
        finally:
            self.locks.release(node.uuid)


def log_cycle(stats, interval):
    """A summary line per cycle; a warning when it overran its interval."""
    figures = dataclasses.asdict(stats)
    if interval and stats.seconds > interval:
        LOG.warning('Power sync of %(nodes)d nodes took %(seconds).2f s, '
                    'longer than its %(interval)d s interval (%(failures)d '
                    'failures). Consider a longer interval or more '
                    'conductors.', dict(figures, interval=interval))
    changed = (stats.recorded or stats.forced or stats.failures
               or stats.maintenance)
    LOG.log(logging.INFO if changed else logging.DEBUG,
            'Power sync: %(nodes)d nodes in %(seconds).3f s; %(recorded)d '
            'recorded, %(forced)d forced, %(failures)d failures, '
            '%(maintenance)d to maintenance, %(skipped)d skipped, %(unread)d '
            'still answering, %(events)d events', figures)
