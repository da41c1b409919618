"""The conductor: power sync, recovery and power actions of one host.

``baremetal-notifier`` builds one ConductorManager next to the API, as
Ironic's single-process mode runs its conductor next to its API;
``baremetal-notifier-conductor`` runs one alone. Any number share one
database: each syncs only the nodes it owns (ownership.py) and takes over
those of a conductor that is gone (takeover.py). Tests and benchmarks
build one directly and call ``sync_power_states()``; a conductor that
never registered (start() or heartbeat.register) is alive to nobody and
owns no node.
"""

import threading

import futurist
from oslo_log import log as logging

from baremetal_notifier.conductor import action_queue
from baremetal_notifier.conductor import heartbeat
from baremetal_notifier.conductor import locks
from baremetal_notifier.conductor import ownership as ownership_mod
from baremetal_notifier.conductor import power_actions
from baremetal_notifier.conductor import power_sync
from baremetal_notifier.conductor import provisioning
from baremetal_notifier.conductor import recovery
from baremetal_notifier.conductor import takeover
from baremetal_notifier.conductor import workers
from baremetal_notifier.conf import conductor as conductor_conf
from baremetal_notifier import context
from baremetal_notifier import metrics as metrics_mod
from powerbridge import periodic

LOG = logging.getLogger(__name__)


def default_deadline(conf):
    """Seconds the driver may take to read a batch of BMCs: its whole retry
    budget, so a slow BMC (packet loss, a loaded conductor) is never
    counted as a failure for lack of time."""
    ipmi = conf.ipmi
    return ipmi.attempts * (ipmi.login_timeout + ipmi.command_timeout)


def cycle_wait(conf, deadline):
    """Seconds a cycle waits for readings: never beyond its interval, so a
    slow BMC never delays the next cycle (it answers for that one)."""
    interval = conf.conductor.sync_power_state_interval
    return min(interval, deadline) if interval else deadline


class ConductorManager:
    """Power sync, failure recovery and power actions for ``[DEFAULT] host``.

    :param conf: the service's ConfigOpts (baremetal_notifier.conf).
    :param db: its powerbridge.db.Database.
    :param driver: the PowerDriver; started and stopped here.
    :param sync_deadline: seconds the driver may take to read a batch of
        BMCs; by default the IPMI retry budget (default_deadline).
    :param metrics: the process's BaremetalMetrics (a private one if
        None); the conductor's own gauges are served from it.
    :raises ValueError: ``[conductor] conductor_group`` is not a valid
        group name.
    """

    def __init__(self, conf, db, driver, sync_deadline=None, metrics=None):
        self.conf = conf
        self.db = db
        self.driver = driver
        self.host = conf.host
        self.conductor_group = conductor_conf.conductor_group_of(conf)
        # NOTE: the conductor's own context: its work outlives the API
        # request that asked for it, so it never runs in the caller's
        # context (or transaction).
        self.ctx = context.admin_context(db)
        self.locks = locks.NodeLocks(self.ctx, self.host)
        self.metrics = metrics or metrics_mod.BaremetalMetrics()
        self.ownership = ownership_mod.Ownership(
            self.ctx, self.host, self.conductor_group, conf)
        # Nodes this conductor owned at its last cycle (a gauge).
        self.nodes_owned = 0
        group = conf.conductor
        deadline = sync_deadline or default_deadline(conf)
        self._sync_pool = futurist.ThreadPoolExecutor(
            max_workers=group.sync_power_state_workers)
        # NOTE: power actions requested through the API get a bounded pool
        # of their own (Ironic's workers_pool_size), apart from the sync's,
        # so a sync forcing many nodes cannot starve API requests.
        self._action_pool = workers.BoundedPool(group.workers_pool_size)
        self._stopping = threading.Event()
        self.power_sync = power_sync.PowerSync(
            conf, self.ctx, driver, self.locks, self._sync_pool, deadline,
            cycle_wait(conf, deadline), self._stopping, self.metrics,
            self._events_written, ownership=self.ownership)
        self.recovery = recovery.PowerRecovery(
            self.ctx, driver, self.locks, deadline, self._stopping,
            self.ownership)
        self.actions = power_actions.PowerActions(
            conf, self.ctx, driver, self.locks, self._action_pool,
            self.metrics, self._events_written)
        self.provisioning = provisioning.Provisioning(
            conf, self.ctx, driver, self.locks, self._action_pool, deadline)
        self.queue = action_queue.ActionQueue(
            conf, self.ctx, self.locks, self.ownership, self._action_pool,
            self.actions, self.provisioning)
        self._heartbeat = heartbeat.Heartbeat(self.ctx, self.host,
                                              self.conductor_group)
        # NOTE: one cycle at a time, whether periodic or called directly.
        self._sync_lock = threading.Lock()
        self._recovery_lock = threading.Lock()
        self._periodics = None
        # Whether this object registered the row: then a live row is ours,
        # not another process's (see heartbeat.ensure_not_running).
        self._registered = False
        self.metrics.watch_conductor(self)
        # Called after power-update events are committed (the outbox
        # sender's wake() in baremetal-notifier).
        self.on_events = None

    def _events_written(self):
        if self.on_events is not None:
            self.on_events()

    def start(self):
        """Clean up after a previous run of this host, then start working.

        :raises heartbeat.HostInUse: another conductor runs under this
            host name (its locks are left alone).
        """
        group = self.conf.conductor
        if not self._registered:
            heartbeat.ensure_not_running(self.ctx, self.host,
                                         group.heartbeat_interval,
                                         group.heartbeat_timeout)
        # NOTE: before clear_stale: a request the previous run claimed
        # but never started is queued again while this host still holds
        # its node.
        self.queue.recover_own()
        aborted, released = locks.clear_stale(self.ctx, self.host)
        self.locks.forget_all()
        if released:
            LOG.warning('Conductor %s released %d locks left by its previous '
                        'run, aborting %d pending power actions', self.host,
                        released, aborted)
        self.register()
        self.driver.start()
        # An interval of 0 disables a task.
        self._periodics = periodic.PeriodicRunner('conductor-periodics', [
            periodic.Task('conductor-heartbeat', self._heartbeat.touch,
                          group.heartbeat_interval,
                          group.heartbeat_interval),
            # NOTE: the first sync runs at once, so nodes enrolled while
            # the conductor was down get their power state without a wait.
            periodic.Task('power-sync', self.sync_power_states,
                          group.sync_power_state_interval, 0),
            periodic.Task('power-failure-recovery',
                          self.recover_power_failures,
                          group.power_failure_recovery_interval,
                          group.power_failure_recovery_interval),
        ]).start()
        self.queue.start()
        guard = self.conf.ipmi.min_command_interval
        if group.sync_power_state_interval and \
                guard > group.sync_power_state_interval:
            LOG.warning('[ipmi] min_command_interval (%s s) is longer than '
                        '[conductor] sync_power_state_interval (%s s): each '
                        'BMC is read every %s s at most', guard,
                        group.sync_power_state_interval, guard)
        LOG.info('Conductor %s (conductor group %r) started: power sync '
                 'every %s s, recovery every %s s, '
                 'force_power_state_during_sync=%s', self.host,
                 self.conductor_group,
                 group.sync_power_state_interval or 'never (disabled)',
                 group.power_failure_recovery_interval or 'never (disabled)',
                 group.force_power_state_during_sync)

    def stop(self, timeout=None):
        """Stop the loops, let running power actions finish (up to
        ``timeout``, by default power_state_change_timeout), release every
        lock of this host and go offline, then stop the driver.

        Going offline as soon as no action runs lets the peers take this
        conductor's nodes on their next cycle (not after
        heartbeat_timeout); doing it only then keeps them from aborting an
        action that is still finishing."""
        self._stopping.set()
        self.queue.stop()
        if self._periodics is not None:
            self._periodics.stop(timeout=0)
        if timeout is None:
            timeout = self.conf.conductor.power_state_change_timeout
        left = self.actions.wait(timeout)
        if left:
            LOG.warning('Stopping with %d power actions still running; '
                        'they are recorded as aborted', left)
        self._action_pool.shutdown(wait=False)
        self._sync_pool.shutdown(wait=False)
        self.queue.recover_own()
        if self._periodics is not None:
            self._periodics.stop()
            self._periodics = None
        # NOTE: the same cleanup as a restart: an action cut short must not
        # leave a target_power_state that makes the sync skip its node.
        aborted, released = locks.clear_stale(self.ctx, self.host)
        self.locks.forget_all()
        LOG.info('Conductor %s released %d locks, aborting %d power actions',
                 self.host, released, aborted)
        try:
            heartbeat.unregister(self.ctx, self.host)
        except Exception:
            LOG.exception('Could not mark conductor %s offline', self.host)
        self.driver.stop()
        LOG.info('Conductor %s stopped', self.host)

    def register(self):
        """Mark this conductor online in its group (start() does it; tests
        that run the cycles themselves call it alone)."""
        heartbeat.register(self.ctx, self.host, self.conductor_group)
        self._registered = True

    def refresh_ownership(self):
        """Rebuild the rings, take over the locks of gone conductors on
        the nodes now ours; returns the live hosts."""
        live = self.ownership.refresh()
        takeover.take_over(self.ctx, self.ownership,
                           self.conf.conductor.heartbeat_timeout)
        self.nodes_owned = len(self.ownership.owned_nodes())
        return live

    def sync_power_states(self):
        """Run one power sync cycle now, on the nodes this conductor owns;
        returns its SyncStats."""
        with self._sync_lock:
            self.refresh_ownership()
            return self.power_sync.run()

    def recover_power_failures(self):
        """Run one 'power failure' recovery pass now; returns its stats."""
        with self._recovery_lock:
            self.refresh_ownership()
            return self.recovery.run()
