"""/v1/drivers: the one hardware type this service provides, 'ipmi'.

As Ironic lists a hardware type with the conductors serving it, with its
interfaces from 1.30 (?detail=True on the list, always on show).
"""

from oslo_utils import strutils

from baremetal_notifier import context
from baremetal_notifier import exception
from baremetal_notifier.handlers import node_fields
from baremetal_notifier.handlers import node_view
from baremetal_notifier.handlers import versions
from baremetal_notifier import microversion
from baremetal_notifier.objects import conductors
from baremetal_notifier.policies import drivers as policies
from baremetal_notifier import wsgi_wrapper

# Ironic's order of the interfaces in a driver's detail.
_DETAIL_ORDER = ('deploy', 'boot', 'management', 'storage', 'network',
                 'vendor', 'raid', 'console', 'rescue', 'bios', 'inspect',
                 'power')
# What driver_info of the ipmi hardware type takes (this service's IPMI
# driver): GET /v1/drivers/ipmi/properties.
PROPERTIES = {
    'ipmi_address': 'IP address or hostname of the node. Required.',
    'ipmi_port': 'remote IPMI RMCP port. Optional.',
    'ipmi_username': 'username; default is NULL user. Optional.',
    'ipmi_password': 'password. Optional.',
}


def _links(req, name, *more):
    path = '/drivers/' + '/'.join((name,) + more)
    base = versions.base_url(req)
    return [versions.link(base + '/v1' + path, 'self'),
            versions.link(base + path, 'bookmark')]


def _driver(req, hosts, detail):
    name = node_fields.HARDWARE_TYPE
    body = {'name': name, 'hosts': hosts, 'links': _links(req, name)}
    if microversion.allows(req, microversion.STATES_LINK):
        body['properties'] = _links(req, name, 'properties')
    if microversion.allows(req, microversion.DYNAMIC_DRIVERS):
        body['type'] = 'dynamic'
        if detail:
            for kind in _DETAIL_ORDER:
                value = node_fields.INTERFACES[kind + '_interface']
                body['default_%s_interface' % kind] = value
                body['enabled_%s_interfaces' % kind] = [value]
    return body


def _hosts(req):
    ctx = context.of_request(req)
    ctx.can(policies.GET)
    conf = context.app_state(req).conf
    return conductors.alive(ctx, conf.conductor.heartbeat_timeout)


def _find(req):
    name = req.environ['wsgiorg.routing_args'][1]['driver_name']
    hosts = _hosts(req)
    if name != node_fields.HARDWARE_TYPE or not hosts:
        raise exception.DriverNotFound(driver_name=name)
    return hosts


@wsgi_wrapper.BaremetalWsgify
def list_drivers(req):
    """GET /v1/drivers[?type=dynamic|classic][&detail=True]."""
    params = {k: v[-1] for k, v in node_view.query(req).items()}
    unknown = set(params) - {'type', 'detail'}
    if unknown:
        raise exception.Invalid('Unknown argument: "%s"' % sorted(unknown)[0])
    if params and not microversion.allows(req, microversion.DYNAMIC_DRIVERS):
        raise exception.NotAcceptable()
    kind = params.get('type')
    if kind not in (None, 'classic', 'dynamic'):
        raise exception.InvalidParameterValue(
            err='Supported driver types are: classic, dynamic.')
    try:
        detail = strutils.bool_from_string(params.get('detail', 'false'),
                                           strict=True)
    except ValueError:
        raise exception.InvalidParameterValue(
            err='Invalid value for detail: %s' % params['detail'][:255]
        ) from None
    hosts = _hosts(req)
    drivers = [] if kind == 'classic' or not hosts else [
        _driver(req, hosts, detail)]
    return wsgi_wrapper.respond(200, {'drivers': drivers})


@wsgi_wrapper.BaremetalWsgify
def show_driver(req):
    """GET /v1/drivers/{driver_name}."""
    return wsgi_wrapper.respond(200, _driver(req, _find(req), detail=True))


@wsgi_wrapper.BaremetalWsgify
def driver_properties(req):
    """GET /v1/drivers/{driver_name}/properties."""
    _find(req)
    return wsgi_wrapper.respond(200, PROPERTIES)
