"""Provision actions: the part of Ironic's node lifecycle a power-managing
service carries out (do_provisioning_action, do_node_tear_down).

``decide()`` says what an event does to a node in a state; the rest takes
the node's lock, decides again on the row read under it, and either
writes the new state at once or starts a worker for the part that talks
to the BMC:

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

import futurist
from oslo_log import log as logging

from baremetal_notifier.drivers import base
from baremetal_notifier import exception
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

    def do_provisioning_action(self, node_uuid, event):
        """Carry out ``event`` (an Ironic event name) on the node.

        :raises NodeNotFound, NodeLocked, InvalidStateRequested,
            InstanceDeployFailure (bad driver_info on tear-down),
            NoFreeConductorWorker.
        """
        self.locks.acquire(node_uuid)
        try:
            node = node_power.get_node(self.ctx, node_uuid)
            plan = decide(node.provision_state, event)
            if plan is None:
                raise exception.InvalidStateRequested(
                    action=event, node=node_uuid, state=node.provision_state)
            bmc = self._bmc(node, plan)
            if not node_provision.move(self.ctx, self.host, node_uuid,
                                       node.provision_state, plan.state,
                                       plan.clear_error):
                raise exception.NodeChanged(node=node_uuid)
        except BaseException:
            self.locks.release(node_uuid)
            raise
        LOG.info('Node %s: %s, provision state %s -> %s', node_uuid, event,
                 node.provision_state, plan.state)
        if plan.kind == MOVE:
            self.locks.release(node_uuid)
            return
        work = self._verify if plan.kind == VERIFY else self._tear_down
        try:
            self.pool.submit(work, node, bmc)
        except (futurist.RejectedSubmission, RuntimeError) as exc:
            # Ironic's provisioning_error_handler: back where it was.
            LOG.warning('No free conductor workers for %s on node %s (%s)',
                        event, node_uuid, exc)
            node_provision.move(self.ctx, self.host, node_uuid, plan.state,
                                node.provision_state)
            self.locks.release(node_uuid)
            raise exception.NoFreeConductorWorker() from None

    def _bmc(self, node, plan):
        if plan.kind == MOVE:
            return None
        try:
            return node.bmc_target()
        except base.InvalidDriverInfo as exc:
            if plan.kind == TEAR_DOWN:
                raise exception.InvalidParameterValue(err=
                    'Failed to validate power driver interface. Can not '
                    'delete instance. Error: %s' % exc) from None
            # A credential check that fails on its driver_info still
            # runs: it ends in enroll with the reason, as in Ironic.
            return exc

    def _verify(self, node, bmc):
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
        self._finish(node, node_provision.finish_verify, state, error)

    def _tear_down(self, node, bmc):
        """Worker: power the node off, then release the instance."""
        state = error = None
        timeout = self.conf.conductor.power_state_change_timeout
        try:
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
        self._finish(node, node_provision.finish_tear_down, state, error)

    def _finish(self, node, write, state, error):
        try:
            write(self.ctx, self.host, node, state, error)
        except Exception:
            LOG.exception('Could not record the end of the provision action '
                          'on node %s', node.uuid)
        finally:
            self.locks.release(node.uuid)

