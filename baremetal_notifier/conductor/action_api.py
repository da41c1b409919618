"""The API's side of power and provision actions (Ironic's ConductorAPI).

Every API process, with or without a conductor of its own, answers an
action the way Ironic's conductor answers the API's RPC call: in one
transaction it reserves the node (409 NodeLocked when it is not free),
makes Ironic's checks on the row read under that reservation (400s), sets
what Ironic sets before it returns (``target_power_state``; the
provision state machine's first step) and queues the rest for the node's
owning conductor (conductor/action_queue.py). A reason to refuse rolls all
of it back, so a refused request leaves nothing behind.

The queue is the shared database rather than oslo.messaging or Ironic's
JSON-RPC: the deployments this serves already share one database between
API and conductors, so there is no broker or conductor endpoint to deploy
and secure, and an accepted request is a committed row, which survives the
death of any process.
"""

from oslo_log import log as logging

from baremetal_notifier.conductor import provisioning
from baremetal_notifier import context
from baremetal_notifier.drivers import base
from baremetal_notifier import exception
from baremetal_notifier.objects import conductors
from baremetal_notifier.objects import node_actions
from baremetal_notifier.objects import node_power
from baremetal_notifier.objects import node_provision
from baremetal_notifier.objects import nodes as node_obj
from baremetal_notifier.schemas import nodes as node_schema

LOG = logging.getLogger(__name__)

# Ironic refuses power actions while a node is being cleaned.
_REFUSED_PROVISION_STATES = ('cleaning', 'clean wait')


def check_timeout(timeout):
    if timeout is not None and (isinstance(timeout, bool) or not
                                isinstance(timeout, (int, float))
                                or timeout <= 0):
        raise exception.InvalidParameterValue(
            err='timeout must be a positive number of seconds')


def in_process(manager):
    """The ActionAPI of a process whose own conductor is ``manager``: an
    accepted action is also offered to it at once (Ironic's API calling
    the conductor of the node), not only found by its next poll."""
    return ActionAPI(manager.ctx.db, offer=manager.queue.offer,
                     heartbeat_timeout=manager.conf.conductor.heartbeat_timeout)


class ActionAPI:
    """Accepts actions for the conductors of a database.

    :param db: the process's Database.
    :param offer: ``offer(action_id)`` called once an action is committed:
        the in-process conductor's wake-up (None in an API-only process,
        whose actions the conductors find when they poll).
    :param heartbeat_timeout: ``[conductor] heartbeat_timeout``: a node of
        a conductor group with no conductor alive that long is refused.
    """

    def __init__(self, db, offer=None, heartbeat_timeout=60):
        # NOTE: a context of its own: the caller's may be inside a
        # transaction of the request, and this one must commit alone.
        self.ctx = context.admin_context(db)
        self.offer = offer
        self.heartbeat_timeout = heartbeat_timeout

    def _check_served(self, node_uuid):
        """Ironic's get_topic_for, before any lock: a node of a group no
        live conductor serves is 400 NoValidHost. The default group's
        nodes are accepted and wait for a conductor (as they are enrolled
        without one)."""
        node = node_obj.get_by_uuid(self.ctx, node_uuid)
        if node.conductor_group and not conductors.group_is_served(
                self.ctx, node.conductor_group, self.heartbeat_timeout):
            raise node_schema.no_conductor(node.driver, node.conductor_group)

    def _queued(self, action_id):
        if self.offer is not None:
            try:
                self.offer(action_id)
            except Exception:
                # The row is committed: a conductor's poll takes it.
                LOG.exception('Could not hand action %s to the local '
                              'conductor', action_id)

    def change_node_power_state(self, ctx, node_uuid, target, timeout=None):
        """Accept a power action (Ironic's RPC of that name); returns the
        queued action's id.

        :raises NodeNotFound, NodeLocked, InvalidStateRequested,
            InvalidParameterValue.
        """
        if target not in base.POWER_ACTIONS:
            node = node_power.get_node(self.ctx, node_uuid)
            raise exception.InvalidStateRequested(
                action=target, node=node_uuid, state=node.power_state)
        check_timeout(timeout)
        self._check_served(node_uuid)
        with self.ctx.db.writer.using(self.ctx) as session:
            node = node_actions.reserve(session, node_uuid)
            if node.provision_state in _REFUSED_PROVISION_STATES:
                raise exception.InvalidStateRequested(
                    action=target, node=node_uuid,
                    state=node.provision_state)
            try:
                node.bmc_target()
            except base.InvalidDriverInfo as exc:
                raise exception.InvalidParameterValue(err=str(exc)) from None
            node_actions.set_power_target(session, node_uuid,
                                          base.expected_state(target))
            action_id = node_actions.enqueue(session, node_uuid,
                                             node_actions.POWER, target,
                                             timeout)
        LOG.info("Node %s: power action '%s' queued (action %s)",
                 node_uuid, target, action_id)
        self._queued(action_id)
        return action_id

    def do_provisioning_action(self, ctx, node_uuid, event):
        """Accept a provision state change (Ironic's event name). A move
        without hardware work ('provide', 'adopt'...) is written at once,
        as Ironic's conductor writes it within the RPC call; the part that
        talks to the BMC (verifying, tear-down) is queued. Returns the
        queued action's id, or None.

        :raises NodeNotFound, NodeLocked, InvalidStateRequested,
            InvalidParameterValue, NoValidHost.
        """
        self._check_served(node_uuid)
        with self.ctx.db.writer.using(self.ctx) as session:
            node = node_actions.reserve(session, node_uuid)
            plan = provisioning.decide(node.provision_state, event)
            if plan is None:
                raise exception.InvalidStateRequested(
                    action=event, node=node_uuid, state=node.provision_state)
            if plan.kind == provisioning.TEAR_DOWN:
                try:
                    node.bmc_target()
                except base.InvalidDriverInfo as exc:
                    raise exception.InvalidParameterValue(err=(
                        'Failed to validate power driver interface. Can not '
                        'delete instance. Error: %s' % exc)) from None
            if not node_provision.move_in(
                    session, node_actions.QUEUE_HOLDER, node_uuid,
                    node.provision_state, plan.state, plan.clear_error):
                raise exception.NodeChanged(node=node_uuid)
            action_id = None
            if plan.kind == provisioning.MOVE:
                node_actions.release(session, node_uuid)
            else:
                action_id = node_actions.enqueue(
                    session, node_uuid, node_actions.PROVISION, event)
        LOG.info('Node %s: %s, provision state %s -> %s', node_uuid, event,
                 node.provision_state, plan.state)
        if action_id is not None:
            self._queued(action_id)
        return action_id
