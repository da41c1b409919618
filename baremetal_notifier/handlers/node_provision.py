"""PUT /v1/nodes/{node_ident}/states/provision: Ironic's checks, in
Ironic's order, then the conductor.

A target the state machine allows but this service has nothing behind
(inspection, cleaning steps, rescue) is refused the way Ironic refuses it
for a node whose interface for it is a no-op one: 400, "does not
support". The lifecycle itself is in conductor/provisioning.py.
"""

from oslo_log import log as logging

from baremetal_notifier import context
from baremetal_notifier import exception
from baremetal_notifier.handlers import node_access
from baremetal_notifier.handlers import node_fields
from baremetal_notifier.handlers import node_view
from baremetal_notifier import microversion
from baremetal_notifier.policies import nodes as policies
from baremetal_notifier.schemas import node_states as schema
from baremetal_notifier import states
from baremetal_notifier import wsgi_wrapper

LOG = logging.getLogger(__name__)
# Verbs of versions after this service's maximum.
_LATER_VERBS = ('unhold', 'service')


def _only_with(body, key, target, wanted):
    if body.get(key) and target != wanted:
        raise exception.Invalid('"%s" is only valid when setting target '
                                'provision state to %s' % (key, wanted))


def _check_body(body, target):
    if body.get('configdrive') and target not in ('active', 'rebuild'):
        raise exception.Invalid(
            'Adding a config drive is only supported when setting provision '
            'state to %s' % states.ACTIVE)
    _only_with(body, 'clean_steps', target, 'clean')
    if body.get('rescue_password') is not None and target != 'rescue':
        raise exception.Invalid('"rescue_password" is only valid when '
                                'setting target provision state to rescue')
    if target in _LATER_VERBS:
        raise exception.NotAcceptable()
    _only_with(body, 'service_steps', target, 'service')


def _unsupported(extension):
    return exception.UnsupportedDriverExtension(
        driver=node_fields.HARDWARE_TYPE, extension=extension)


def _check_served(body, target):
    """What Ironic's no-op interfaces answer for work they cannot do."""
    if target == 'inspect':
        raise _unsupported('inspect')
    if target == 'clean':
        if not body.get('clean_steps'):
            raise exception.Invalid('"clean_steps" is required when setting '
                                    'target provision state to clean')
        raise exception.InvalidParameterValue(
            err='No clean step of those requested is available: the '
                'interfaces of driver %s have no clean steps.'
                % node_fields.HARDWARE_TYPE)
    if target == 'rescue':
        password = body.get('rescue_password')
        if not (password and password.strip()):
            raise exception.Invalid('A non-empty "rescue_password" is '
                                    'required when setting target provision '
                                    'state to rescue')
        raise _unsupported('rescue')
    if target == 'unrescue':
        raise _unsupported('rescue')


@wsgi_wrapper.BaremetalWsgify
def set_provision_state(req):
    """PUT .../states/provision: 202 with the node's states as Location."""
    ctx = context.of_request(req)
    body = node_view.read_body(req, schema.PROVISION)
    ident = node_view.node_ident(req)
    node = node_access.retrieve(req, policies.SET_PROVISION_STATE)
    target = body['target']
    since = states.MIN_VERB_VERSIONS.get(target)
    if since is not None and not microversion.allows(req, since):
        raise exception.NotAcceptable()
    if target in ('active', 'rebuild') and node.maintenance:
        raise exception.NodeInMaintenance(op='provisioning', node=node.uuid)
    event = states.event_of(target)
    if states.next_state(node.provision_state, event) is None:
        # Ironic's 409 for a node busy with something else, else 400.
        if node.reservation:
            raise exception.NodeLocked(node=node.uuid,
                                       host=node.reservation)
        raise exception.InvalidStateRequested(
            action=target, node=node.uuid, state=node.provision_state)
    _check_body(body, target)
    _check_served(body, target)
    conductor = context.app_state(req).conductor
    conductor.do_provisioning_action(ctx, node.uuid, event)
    LOG.info('Provision action "%s" requested for node %s', target,
             node.uuid)
    return wsgi_wrapper.respond(
        202, headers={'Location': node_view.node_url(req, ident, 'states')})
