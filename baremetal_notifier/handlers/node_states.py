"""/v1/nodes/{node_ident}/states, its power target, and maintenance."""

from oslo_log import log as logging

from baremetal_notifier import context
from baremetal_notifier import exception
from baremetal_notifier.handlers import node_access
from baremetal_notifier.handlers import node_fields
from baremetal_notifier.handlers import node_view
from baremetal_notifier import microversion
from baremetal_notifier.objects import nodes as node_obj
from baremetal_notifier.policies import nodes as policies
from baremetal_notifier.schemas import node_states as schema
from baremetal_notifier.schemas import nodes as node_schema
from baremetal_notifier import wsgi_wrapper

LOG = logging.getLogger(__name__)
# Ironic's ALLOWED_TARGET_POWER_STATES; the soft ones from 1.27.
HARD_TARGETS = ('power on', 'power off', 'rebooting')
SOFT_TARGETS = ('soft power off', 'soft rebooting')


@wsgi_wrapper.BaremetalWsgify
def show_states(req):
    """GET /v1/nodes/{node_ident}/states: the modelled state fields."""
    node = node_access.retrieve(req, policies.GET_STATES)
    body = {
        'console_enabled': node_fields.CONSTANTS['console_enabled'],
        'last_error': node.last_error,
        'power_state': node.power_state,
        'provision_state': node_view.provision_state(req, node),
        'provision_updated_at': node_view.timestamp(
            node.provision_updated_at),
        'target_power_state': node.target_power_state,
        'target_provision_state': node.target_provision_state,
    }
    if microversion.allows(req, microversion.RAID):
        body.update(raid_config=node_fields.CONSTANTS['raid_config'],
                    target_raid_config=node_fields.CONSTANTS[
                        'target_raid_config'])
    return wsgi_wrapper.respond(200, body)


def _check_power_request(req, ident, node, target, timeout):
    soft = microversion.allows(req, microversion.SOFT_POWER)
    if (target in SOFT_TARGETS or timeout is not None) and not soft:
        raise exception.NotAcceptable()
    if timeout is not None and timeout < 1:
        raise exception.Invalid('timeout has to be positive integer')
    if target not in HARD_TARGETS + SOFT_TARGETS:
        raise exception.InvalidStateRequested(action=target, node=ident,
                                              state=node.power_state)


@wsgi_wrapper.BaremetalWsgify
def set_power_state(req):
    """PUT /v1/nodes/{node_ident}/states/power: 202, action in background.

    The node is reserved and target_power_state set before this returns,
    in the transaction that queues the action for the node's owning
    conductor (conductor/action_api.py); the action itself runs after the
    response, in whichever process that conductor is. A node in
    maintenance may still be powered, as in Ironic.
    """
    ctx = context.of_request(req)
    body = node_view.read_body(req, schema.POWER)
    ident = node_view.node_ident(req)
    node = node_access.retrieve(req, policies.SET_POWER_STATE)
    target, timeout = body['target'], body.get('timeout')
    _check_power_request(req, ident, node, target, timeout)
    conductor = context.app_state(req).conductor
    conductor.change_node_power_state(ctx, node.uuid, target, timeout)
    LOG.info('Power action "%s" requested for node %s', target, node.uuid)
    return wsgi_wrapper.respond(
        202, headers={'Location': node_view.node_url(req, ident, 'states')})


@wsgi_wrapper.BaremetalWsgify
def set_maintenance(req):
    """PUT /v1/nodes/{node_ident}/maintenance, with an optional reason."""
    ctx = context.of_request(req)
    body = node_view.read_body(req, schema.MAINTENANCE, allow_empty=True)
    node_schema.check_text_column(body.get('reason'), 'reason')
    node = node_access.retrieve(req, policies.SET_MAINTENANCE)
    node_obj.set_maintenance(ctx, node, True, body.get('reason'))
    LOG.info('Node %s put into maintenance', node.uuid)
    return wsgi_wrapper.respond(202)


@wsgi_wrapper.BaremetalWsgify
def clear_maintenance(req):
    """DELETE /v1/nodes/{node_ident}/maintenance: also clears the reason
    and the fault, so power sync takes the node back."""
    ctx = context.of_request(req)
    node = node_access.retrieve(req, policies.CLEAR_MAINTENANCE)
    node_obj.set_maintenance(ctx, node, False)
    LOG.info('Node %s taken out of maintenance', node.uuid)
    return wsgi_wrapper.respond(202)
