"""Power actions requested through the API: Ironic's change_node_power_state.

The API process reserved the node, set ``target_power_state`` and queued
the action (conductor/action_api.py); the owning conductor's action queue
claims it, moving the reservation to its host, and starts it here. A
worker performs the action, verifies it, writes the result, the
power-update event and the end of the queued action in one transaction,
and only then releases the lock; the sync skips the node meanwhile
because it is reserved.
"""

import threading

from futurist import waiters
from oslo_log import log as logging

from baremetal_notifier.drivers import base
from baremetal_notifier import exception
from baremetal_notifier.objects import node_actions
from baremetal_notifier.objects import node_power

LOG = logging.getLogger(__name__)


class PowerActions:
    """Starts and tracks power actions for one conductor."""

    def __init__(self, conf, ctx, driver, locks, pool, metrics,
                 events_written=lambda: None):
        self.events_written = events_written
        self.conf = conf
        self.metrics = metrics
        self.ctx = ctx
        self.driver = driver
        self.locks = locks
        self.pool = pool
        self._running = set()
        self._running_lock = threading.Lock()

    @property
    def host(self):
        return self.locks.host

    def start(self, action):
        """Start a claimed action (node_actions.Action, its node locked by
        this host) on a worker; returns its future.

        :raises futurist.RejectedSubmission: every worker is busy.
        :raises RuntimeError: the pool was shut down (conductor stopping).
        """
        future = self.pool.submit(self._run_action, action)
        with self._running_lock:
            self._running.add(future)
        future.add_done_callback(self._forget_future)
        return future

    def _run_action(self, action):
        """Worker: the checks the row needs under the lock, then _run."""
        node_uuid, target = action.node_uuid, action.target
        if not node_actions.mark_running(self.ctx, action.id, self.host):
            # Taken back by another conductor, which took this host for
            # dead: the BMC was not touched, the row is not ours.
            LOG.warning('Node %s: power action %s is no longer held by %s',
                        node_uuid, action.id, self.host)
            self.locks.release(node_uuid)
            return
        try:
            node = node_power.get_node(self.ctx, node_uuid)
        except exception.NodeNotFound:
            self._record_only(action.id, 'node not found')
            self.locks.release(node_uuid)
            return
        try:
            bmc = node.bmc_target()
        except base.InvalidDriverInfo as exc:
            self._finish(node, None, target, str(exc), action.id)
            return
        # NOTE: again under this host's lock: a request taken back from a
        # dead conductor may have lost its target to that one's cleanup.
        node_power.start_power_action(self.ctx, self.host, node_uuid,
                                      base.expected_state(target))
        timeout = (action.timeout or
                   self.conf.conductor.power_state_change_timeout)
        LOG.info("Node %(node)s: power action '%(target)s' started "
                 "(timeout %(timeout)s s)", {'node': node_uuid,
                                             'target': target,
                                             'timeout': timeout})
        self._run(node, bmc, target, timeout, action.id)

    def _record_only(self, action_id, error):
        try:
            with self.ctx.db.writer.using(self.ctx) as session:
                node_actions.finish(session, action_id, self.host, error)
        except Exception:
            LOG.exception('Could not record the end of action %s',
                          action_id)

    def _forget_future(self, future):
        with self._running_lock:
            self._running.discard(future)

    def _run(self, node, bmc, target, timeout, action_id):
        """Worker: the action itself, under the lock taken by the request."""
        expected = base.expected_state(target)
        state = error = None
        try:
            state = self.driver.set_power_state(bmc, target, timeout)
            if state != expected:
                error = ("power state read back is '%s', expected '%s'"
                         % (state, expected))
        except base.DriverError as exc:
            error = str(exc)
        except Exception as exc:
            LOG.exception('Power action %s on node %s failed', target,
                          node.uuid)
            error = 'unexpected error: %s' % exc.__class__.__name__
        self.metrics.power_action(target, 'api', error is None)
        if error is not None:
            # NOTE: Ironic's wording, so operators find it where they look.
            error = ("Failed to change power state to '%s' by '%s'. "
                     'Error: %s' % (expected, target, error))
            LOG.error('Node %s: %s', node.uuid, error)
        self._finish(node, state, target, error, action_id)

    def _finish(self, node, state, target, error, action_id):
        try:
            # One transaction: the node's result and the end of its queued
            # action commit together (finish_power_action joins it).
            with self.ctx.db.writer.using(self.ctx) as session:
                node_actions.finish(session, action_id, self.host, error)
                node_power.finish_power_action(
                    self.ctx, self.host, node, state,
                    base.expected_state(target), error)
            self.events_written()
        except Exception:
            LOG.exception('Could not record the power action on node %s',
                          node.uuid)
        finally:
            self.locks.release(node.uuid)

    def wait(self, timeout):
        """Wait up to ``timeout`` s for running actions; returns how many
        are still running."""
        with self._running_lock:
            running = list(self._running)
        if running:
            waiters.wait_for_all(running, timeout)
        return sum(1 for future in running if not future.done())
