"""os-services: list, enable/disable, force down and delete services."""

from oslo_utils import strutils
from oslo_utils import uuidutils
import webob.exc

from powerbridge import db
from powerbridge import validation
from compute_ext import context
from compute_ext import exception
from compute_ext import microversion
from compute_ext.objects import services as service_obj
from compute_ext.policies import services as policies
from compute_ext.schemas import services as schema
from compute_ext import wsgi_wrapper

# API services are not RPC services: Nova hides them (bug 1543625).
HIDDEN_BINARIES = ('nova-osapi_compute', 'nova-metadata')
# Larger ids cannot exist, and PostgreSQL would refuse to compare them.
MAX_DB_INT = 2 ** 31 - 1
NOT_COMPUTE = ('Updating a %(binary)s service is not supported. Only '
               'nova-compute services can be updated.')


def _service_detail(servicegroup, service, uuid_for_id, with_forced_down,
                    now):
    detail = {
        'id': service.uuid if uuid_for_id else service.id,
        'binary': service.binary,
        'host': service.host,
        # Compute services are in the default availability zone (no
        # aggregates here); everything else is 'internal'.
        'zone': ('nova' if service.binary == service_obj.COMPUTE_BINARY
                 else 'internal'),
        'status': 'disabled' if service.disabled else 'enabled',
        'state': 'up' if servicegroup.is_up(service, now) else 'down',
        'updated_at': db.isotime(service.updated_at),
        'disabled_reason': service.disabled_reason,
    }
    if with_forced_down:
        detail['forced_down'] = service.forced_down
    return detail


@wsgi_wrapper.ComputeWsgify
def list_services(req):
    """GET /os-services, filtered by exact host and binary."""
    want = microversion.want(req)
    params = validation.query_to_lists(req)
    # Nova validates the query string before the policy check.
    validation.validate_query(
        schema.INDEX_QUERY_V275 if want.matches((2, 75))
        else schema.INDEX_QUERY, params)
    ctx = context.of_request(req)
    ctx.can(policies.LIST, target={})
    # Repeated parameters pass validation and the last one wins; an empty
    # value filters nothing (both as in Nova).
    host = params.get('host', [None])[-1] or None
    binary = params.get('binary', [None])[-1] or None
    services = [s for s in service_obj.get_all(ctx, host=host, binary=binary)
                if s.binary not in HIDDEN_BINARIES]
    uuid_for_id = want.matches((2, 53))
    forced = want.matches((2, 11))
    # One clock reading for the whole list: every service is judged
    # against the same instant.
    now = db.utcnow()
    servicegroup = context.app_state(req).servicegroup
    return wsgi_wrapper.json_response({'services': [
        _service_detail(servicegroup, s, uuid_for_id, forced, now)
        for s in services]})


def _service_id(req):
    return req.environ['wsgiorg.routing_args'][1]['service_id']


@wsgi_wrapper.ComputeWsgify
def update_service(req):
    """PUT /os-services/{action} before 2.53, /os-services/{uuid} after."""
    if microversion.want(req).matches((2, 53)):
        return _update_v253(req, _service_id(req))
    return _update_v21(req, _service_id(req))


def _legacy_enable(body):
    return {'disabled': False, 'disabled_reason': None}, {
        'status': 'enabled'}


def _legacy_disable(body):
    # Nova's disable sets the reason to None: an old reason is cleared.
    return {'disabled': True, 'disabled_reason': None}, {
        'status': 'disabled'}


def _legacy_disable_log_reason(body):
    reason = body['disabled_reason']
    return ({'disabled': True, 'disabled_reason': reason},
            {'status': 'disabled', 'disabled_reason': reason})


def _legacy_force_down(body):
    forced = validation.to_bool(body['forced_down'])
    return {'forced_down': forced}, {'forced_down': forced}


LEGACY_ACTIONS = {
    'enable': _legacy_enable,
    'disable': _legacy_disable,
    'disable-log-reason': _legacy_disable_log_reason,
}


def _update_v21(req, action):
    want = microversion.want(req)
    # Nova's order: the body schema, policy, the action name, the fields
    # the action needs, then the binary. So forced_down in a body at 2.10
    # is a 400 even on PUT /os-services/force-down.
    body = wsgi_wrapper.read_json_body(
        req, schema.UPDATE_V211 if want.matches((2, 11)) else schema.UPDATE)
    ctx = context.of_request(req)
    ctx.can(policies.UPDATE, target={})
    actions = dict(LEGACY_ACTIONS)
    if want.matches((2, 11)):
        actions['force-down'] = _legacy_force_down
    if action not in actions:
        raise webob.exc.HTTPNotFound('Unknown action')
    if action == 'disable-log-reason' and 'disabled_reason' not in body:
        raise webob.exc.HTTPBadRequest('Missing disabled reason field')
    if action == 'force-down' and 'forced_down' not in body:
        raise webob.exc.HTTPBadRequest('Missing forced_down field')
    if body['binary'] != service_obj.COMPUTE_BINARY:
        raise webob.exc.HTTPBadRequest(NOT_COMPUTE % body)
    values, shown = actions[action](body)
    service_obj.update_by_host_and_binary(ctx, body['host'], body['binary'],
                                          **values)
    result = {'host': body['host'], 'binary': body['binary']}
    result.update(shown)
    return wsgi_wrapper.json_response({'service': result})


def _update_v253(req, service_id):
    # Nova's order: the body schema, the uuid, policy, then the lookup.
    body = wsgi_wrapper.read_json_body(req, schema.UPDATE_V253)
    if not uuidutils.is_uuid_like(service_id):
        raise webob.exc.HTTPBadRequest('Invalid uuid %s' % service_id)
    ctx = context.of_request(req)
    ctx.can(policies.UPDATE, target={})
    service = service_obj.get_by_uuid(ctx, service_id)
    if service.binary != service_obj.COMPUTE_BINARY:
        raise webob.exc.HTTPBadRequest(NOT_COMPUTE
                                       % {'binary': service.binary})
    values = {}
    status = body.get('status')
    if status == 'enabled':
        if body.get('disabled_reason'):
            raise webob.exc.HTTPBadRequest(
                "Specifying 'disabled_reason' with status 'enabled' is "
                "invalid.")
        values.update(disabled=False, disabled_reason=None)
    elif status == 'disabled':
        values.update(disabled=True,
                      disabled_reason=body.get('disabled_reason'))
    # Not an elif: status and forced_down may change in one request.
    if 'forced_down' in body:
        values['forced_down'] = validation.to_bool(body['forced_down'])
    if not values:
        raise webob.exc.HTTPBadRequest(
            "No updates were requested. Fields 'status' or 'forced_down' "
            "should be specified.")
    # The row as this request's UPDATE left it, read in its transaction:
    # a racing update cannot show through.
    service = service_obj.update(ctx, service.id, **values)
    return wsgi_wrapper.json_response({'service': _service_detail(
        context.app_state(req).servicegroup, service, True, True,
        db.utcnow())})


@wsgi_wrapper.ComputeWsgify
def delete_service(req):
    """DELETE /os-services/{id}: integer id before 2.53, uuid after."""
    ctx = context.of_request(req)
    ctx.can(policies.DELETE, target={})
    service_id = _service_id(req)
    try:
        if microversion.want(req).matches((2, 53)):
            if not uuidutils.is_uuid_like(service_id):
                raise webob.exc.HTTPBadRequest('Invalid uuid %s' % service_id)
            service = service_obj.get_by_uuid(ctx, service_id)
        else:
            try:
                db_id = strutils.validate_integer(service_id, 'id')
            except ValueError as exc:
                raise webob.exc.HTTPBadRequest(
                    'Invalid input received: %s' % exc) from None
            if not 0 < db_id <= MAX_DB_INT:
                raise exception.ServiceNotFound(service_id=service_id)
            service = service_obj.get_by_id(ctx, db_id)
        service_obj.destroy(ctx, service)
    except exception.ServiceNotFound:
        raise webob.exc.HTTPNotFound(
            'Service %s not found.' % service_id) from None
    return wsgi_wrapper.empty_response(204)
