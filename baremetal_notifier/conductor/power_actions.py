"""Power actions requested through the API: Ironic's change_node_power_state.

The request takes the node's exclusive lock, sets ``target_power_state``
and returns at once (the API answers 202). A worker performs the action,
verifies it, writes the result and the power-update event in one
transaction, and only then releases the lock; the sync skips the node
meanwhile because its target is set.
"""

import threading

import futurist
from futurist import waiters
from oslo_log import log as logging

from baremetal_notifier.drivers import base
from baremetal_notifier import exception
from baremetal_notifier.objects import node_power

LOG = logging.getLogger(__name__)

# Ironic refuses power actions while a node is being cleaned.
_REFUSED_PROVISION_STATES = ('cleaning', 'clean wait')


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

    def change_node_power_state(self, node_uuid, target, timeout=None):
        """Start ``target`` on the node; returns once the action runs.

        :raises NodeNotFound: no such node.
        :raises InvalidStateRequested: a target the driver cannot do, or a
            node being cleaned.
        :raises InvalidParameterValue: a bad timeout or driver_info.
        :raises NodeLocked: another action or conductor holds the node.
        :raises NoFreeConductorWorker: the worker pool refused the action.
        """
        if target not in base.POWER_ACTIONS:
            node = node_power.get_node(self.ctx, node_uuid)
            raise exception.InvalidStateRequested(
                action=target, node=node_uuid, state=node.power_state)
        if timeout is not None and (isinstance(timeout, bool) or not
                                    isinstance(timeout, (int, float))
                                    or timeout <= 0):
            raise exception.InvalidParameterValue(
                err='timeout must be a positive number of seconds')
        timeout = timeout or self.conf.conductor.power_state_change_timeout
        self.locks.acquire(node_uuid)
        try:
            node = node_power.get_node(self.ctx, node_uuid)
            if node.provision_state in _REFUSED_PROVISION_STATES:
                raise exception.InvalidStateRequested(
                    action=target, node=node_uuid,
                    state=node.provision_state)
            try:
                bmc = node.bmc_target()
            except base.InvalidDriverInfo as exc:
                raise exception.InvalidParameterValue(err=str(exc)) from None
            node_power.start_power_action(self.ctx, self.host, node_uuid,
                                          base.expected_state(target))
        except BaseException:
            self.locks.release(node_uuid)
            raise
        try:
            future = self.pool.submit(self._run, node, bmc, target, timeout)
        except (futurist.RejectedSubmission, RuntimeError) as exc:
            # NOTE: a full pool, or one shut down by a stopping conductor.
            # Ironic's power_state_error_handler: undo the target (else
            # the sync skips the node forever) and release the lock.
            LOG.warning('No free conductor workers available to perform '
                        "power action '%s' on node %s (%s)", target,
                        node_uuid, exc)
            self._finish(node, None, target,
                         'No free conductor workers available')
            raise exception.NoFreeConductorWorker() from None
        except BaseException:
            self._finish(node, None, target,
                         'Could not start the power action')
            raise
        with self._running_lock:
            self._running.add(future)
        future.add_done_callback(self._forget_future)
        LOG.info("Node %(node)s: power action '%(target)s' started "
                 "(timeout %(timeout)s s)", {'node': node_uuid,
                                             'target': target,
                                             'timeout': timeout})

    def _forget_future(self, future):
        with self._running_lock:
            self._running.discard(future)

    def _run(self, node, bmc, target, timeout):
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
        self._finish(node, state, target, error)

    def _finish(self, node, state, target, error):
        try:
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
