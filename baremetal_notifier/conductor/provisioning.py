"""Provision actions: the part of Ironic's node lifecycle a power-managing
service carries out (do_provisioning_action, do_node_tear_down).

``decide()`` says what an event does to a node in a state. The API process
decides on the row it reserved (conductor/action_api.py) and either writes
the new state at once or writes the transient state and queues the part
that talks to the BMC, which the owning conductor's action queue starts
here, on a worker:

- manage from enroll: 'verifying' while the BMC's power state is read
  (Ironic's credential check), then 'manageable' with that state, or
  back to 'enroll' with last_error;
- provide: 'available' at once: there are no cleaning steps here, as in
  Ironic with ``automated_clean = False``;
- adopt: 'active' at once (nothing to validate beyond power);
- deploy ('active') and rebuild: 'active' at once, as Ironic's ``noop``
  deploy interface does; no image is written;
- delete ('deleted'): 'deleting' while the node is powered off (the
  tear-down), then 'available' with the instance association cleared;
  'error' with last_error if the BMC refused.
"""

import dataclasses

from oslo_log import log as logging

from baremetal_notifier.drivers import base
from baremetal_notifier import exception
from baremetal_notifier.objects import node_actions
from baremetal_notifier.objects import node_power
from baremetal_notifier.objects import node_provision
from baremetal_notifier import states

LOG = logging.getLogger(__name__)

MOVE = 'move'            # write the next stable state now
VERIFY = 'verify'        # read the BMC, then manageable or enroll
TEAR_DOWN = 'tear down'  # power off, then available or error


@dataclasses.dataclass(frozen=True)
class Plan:
    kind: str
    state: str           # the state written when the action starts
    clear_error: bool = True


# What this service does for each (state, event) it carries out; any other
# actionable event is refused by the API before it gets here.
_PLANS = {
    (states.ENROLL, 'manage'): Plan(VERIFY, states.VERIFYING),
    (states.AVAILABLE, 'manage'): Plan(MOVE, states.MANAGEABLE, False),
    (states.CLEANFAIL, 'manage'): Plan(MOVE, states.MANAGEABLE, False),
    (states.ADOPTFAIL, 'manage'): Plan(MOVE, states.MANAGEABLE, False),
    (states.INSPECTFAIL, 'manage'): Plan(MOVE, states.MANAGEABLE, False),
    (states.MANAGEABLE, 'provide'): Plan(MOVE, states.AVAILABLE),
    (states.MANAGEABLE, 'adopt'): Plan(MOVE, states.ACTIVE),
    (states.ADOPTFAIL, 'adopt'): Plan(MOVE, states.ACTIVE),
    (states.AVAILABLE, 'deploy'): Plan(MOVE, states.ACTIVE),
    (states.DEPLOYFAIL, 'deploy'): Plan(MOVE, states.ACTIVE),
    (states.ACTIVE, 'rebuild'): Plan(MOVE, states.ACTIVE),
    (states.ERROR, 'rebuild'): Plan(MOVE, states.ACTIVE),
    (states.DEPLOYFAIL, 'rebuild'): Plan(MOVE, states.ACTIVE),
    (states.ACTIVE, 'delete'): Plan(TEAR_DOWN, states.DELETING),
    (states.ERROR, 'delete'): Plan(TEAR_DOWN, states.DELETING),
    (states.DEPLOYFAIL, 'delete'): Plan(TEAR_DOWN, states.DELETING),
    (states.RESCUE, 'delete'): Plan(TEAR_DOWN, states.DELETING),
    (states.RESCUEFAIL, 'delete'): Plan(TEAR_DOWN, states.DELETING),
    (states.UNRESCUEFAIL, 'delete'): Plan(TEAR_DOWN, states.DELETING),
}


def decide(state, event):
    """The Plan for ``event`` on a node in ``state``, or None when the
    state machine does not allow it (or this service does not do it)."""
    if states.next_state(state, event) is None:
        return None
    return _PLANS.get((state, event))


def verify_error(node_uuid, reading):
    """Ironic's last_error for a failed credential check."""
    return ('Failed to get power state for node %s. Error: %s'
            % (node_uuid, reading.error))


class Provisioning:
    """Starts provision actions for one conductor.

    :param read_deadline: seconds a credential check may wait for the BMC.
    """

    def __init__(self, conf, ctx, driver, locks, pool, read_deadline):
        self.conf = conf
        self.ctx = ctx
        self.driver = driver
        self.locks = locks
        self.pool = pool
        self.read_deadline = read_deadline

    @property
    def host(self):
        return self.locks.host

    def start(self, action):
        """Start a claimed action (node_actions.Action whose target is the
        event; the API already moved the node to the transient state, and
        this host holds its lock) on a worker.

        :raises futurist.RejectedSubmission: every worker is busy.
        :raises RuntimeError: the pool was shut down (conductor stopping).
        """
        return self.pool.submit(self._run_action, action)

    def _run_action(self, action):
        node_uuid = action.node_uuid
        if not node_actions.mark_running(self.ctx, action.id, self.host):
            LOG.warning('Node %s: provision action %s is no longer held by '
                        '%s', node_uuid, action.id, self.host)
            self.locks.release(node_uuid)
            return
        try:
            node = node_power.get_node(self.ctx, node_uuid)
        except exception.NodeNotFound:
            node = None
        work = {states.VERIFYING: self._verify,
                states.DELETING: self._tear_down}.get(
                    node and node.provision_state)
        if work is None:
            # Nothing else is queued; a node moved by hand is left alone.
            with self.ctx.db.writer.using(self.ctx) as session:
                node_actions.finish(session, action.id, self.host,
                                    'node %s is no longer in a state this '
                                    'action continues' % node_uuid)
            self.locks.release(node_uuid)
            return
        try:
            bmc = node.bmc_target()
        except base.InvalidDriverInfo as exc:
            bmc = exc
        work(node, bmc, action.id)

    def _verify(self, node, bmc, action_id):
        """Worker: read the power state; manageable or back to enroll."""
        state = error = None
        try:
            if isinstance(bmc, Exception):
                error = ('Failed to validate power driver interface for node '
                         '%s. Error: %s' % (node.uuid, bmc))
            else:
                reading = self.driver.get_power_state(bmc,
                                                      self.read_deadline)
                if reading.error is not None:
                    error = verify_error(node.uuid, reading)
                state = reading.state
        except Exception as exc:
            LOG.exception('Verifying node %s failed', node.uuid)
            error = ('Failed to get power state for node %s. Error: %s'
                     % (node.uuid, exc.__class__.__name__))
        if error is not None:
            LOG.error(error)
        else:
            LOG.info('Successfully verified node %s', node.uuid)
        self._finish(node, node_provision.finish_verify, state, error,
                     action_id)

    def _tear_down(self, node, bmc, action_id):
        """Worker: power the node off, then release the instance."""
        state = error = None
        timeout = self.conf.conductor.power_state_change_timeout
        try:
            if isinstance(bmc, Exception):
                raise base.DriverError(str(bmc))
            state = self.driver.set_power_state(bmc, base.POWER_OFF, timeout)
            if state != base.POWER_OFF:
                error = ("power state read back is '%s', expected '%s'"
                         % (state, base.POWER_OFF))
        except base.DriverError as exc:
            error = str(exc)
        except Exception as exc:
            LOG.exception('Tear-down of node %s failed', node.uuid)
            error = 'unexpected error: %s' % exc.__class__.__name__
        if error is not None:
            error = 'Failed to tear down: %s' % error
            LOG.error('Node %s: %s', node.uuid, error)
        else:
            LOG.info('Successfully unprovisioned node %s with instance %s',
                     node.uuid, node.instance_uuid)
        self._finish(node, node_provision.finish_tear_down, state, error,
                     action_id)

    def _finish(self, node, write, state, error, action_id):
        try:
            # The node's result and the end of its queued action commit
            # together (``write`` joins this transaction).
            with self.ctx.db.writer.using(self.ctx) as session:
                node_actions.finish(session, action_id, self.host, error)
                write(self.ctx, self.host, node, state, error)
        except Exception:
            LOG.exception('Could not record the end of the provision action '
                          'on node %s', node.uuid)
        finally:
            self.locks.release(node.uuid)

