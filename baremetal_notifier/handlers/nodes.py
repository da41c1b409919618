"""/v1/nodes: enroll, list, show, update and delete nodes."""

from urllib import parse

from oslo_log import log as logging
from oslo_utils import uuidutils

from baremetal_notifier.conf import conductor as conductor_conf
from baremetal_notifier import context
from baremetal_notifier import exception
from baremetal_notifier.handlers import node_access
from baremetal_notifier.handlers import node_fields
from baremetal_notifier.handlers import node_patch
from baremetal_notifier.handlers import node_view
from baremetal_notifier.handlers import versions
from baremetal_notifier import microversion
from baremetal_notifier.objects import nodes as node_obj
from baremetal_notifier.objects import traits as traits_obj
from baremetal_notifier.policies import nodes as policies
from baremetal_notifier.schemas import nodes as schema
from baremetal_notifier import states
from baremetal_notifier import wsgi_wrapper

LOG = logging.getLogger(__name__)
# A PATCH that loses a compare-and-swap is applied again to the fresh
# node this many times before the client is told to retry.
PATCH_ATTEMPTS = 3
# A query value as an error message quotes it.
_shown = node_view.shown
# List query parameters: the version each appeared in (1.1 if absent).
LIST_PARAMS = {
    'limit': None, 'marker': None, 'sort_key': None, 'sort_dir': None,
    'maintenance': None, 'associated': None, 'instance_uuid': None,
    'fields': microversion.FIELDS,
    'provision_state': microversion.PROVISION_STATE_FILTER,
    'driver': microversion.DRIVER_FILTER,
    'resource_class': microversion.RESOURCE_CLASS,
    'fault': microversion.FAULT,
    'chassis_uuid': None,
    # Refused below 1.43 with a 400, not a 406 (see _detail_asked).
    'detail': None,
    'conductor_group': microversion.CONDUCTOR_GROUP,
}
# Ironic's words for these version refusals (the others: its bare 406).
_TOO_EARLY = {
    'conductor_group': 'Request not acceptable. The minimal required API '
                       'version should be 1.46',
}


def enrollment_values(body, unrestricted_names=True,
                      provision_state=states.ENROLL, group_of=None):
    """Check a schema-valid POST body: the values a new node row gets.

    Shared with ``baremetal-notifier-manage node import``.

    :param group_of: ``(driver, group) -> group as stored``; by default
        (an import, which may run before the group's conductors do) a
        valid name lower-cased.
    """
    schema.check_constants(body)
    name = body.get('name')
    if name is not None and not schema.is_valid_name(name,
                                                      unrestricted_names):
        raise exception.InvalidName(name=name)
    # null is the default group, as in Ironic.
    group = body.get('conductor_group') or ''
    schema.check_driver(body['driver'], group)
    node_uuid = node_view.canonical_uuid(
        body.get('uuid') or uuidutils.generate_uuid())
    instance_uuid = body.get('instance_uuid')
    values = {
        'uuid': node_uuid,
        'name': name,
        'driver': body['driver'],
        'driver_info': body.get('driver_info', {}),
        'extra': body.get('extra', {}),
        'properties': body.get('properties', {}),
        'instance_uuid': (node_view.canonical_uuid(instance_uuid)
                          if instance_uuid else None),
        'instance_info': body.get('instance_info') or {},
        'resource_class': body.get('resource_class'),
        'maintenance': schema.flag(body.get('maintenance'), 'maintenance'),
        'provision_state': provision_state,
        'conductor_group': (group_of or schema.stored_group)(
            body['driver'], group),
    }
    schema.check_storable(values)
    schema.check_driver_info(node_uuid, values['driver_info'])
    return values


@wsgi_wrapper.BaremetalWsgify
def create_node(req):
    """POST /v1/nodes: 201 with the node and its Location."""
    ctx = context.of_request(req)
    # Ironic validates the body before any policy: a bad one is a 400
    # for every caller.
    body = node_view.read_body(req, schema.CREATE)
    ctx.can(policies.CREATE)
    for field, value in body.items():
        # Ironic takes a field its version lacks only as null, and
        # conductor_group only as '' (null is a 406 there).
        empty = '' if field == 'conductor_group' else None
        if (value != empty and field in node_fields.SINCE
                and not node_fields.allowed(req, field)):
            raise exception.NotAcceptable()
    # Ironic enrolls new nodes from 1.11; before, they start available.
    state = (states.ENROLL if microversion.allows(req, microversion.ENROLL)
             else states.AVAILABLE)
    values = enrollment_values(
        body, microversion.allows(req, microversion.UNRESTRICTED_NAMES),
        state, lambda driver, group: node_view.served_group(req, driver,
                                                            group))
    node = node_obj.create(ctx, values)
    LOG.info('Enrolled node %s (%s) in state %s', node.uuid, node.name,
             state)
    return wsgi_wrapper.respond(
        201, node_view.render(req, node, node_view.served_fields(req),
                              node_view.Visibility(req), whole=True),
        {'Location': node_view.node_url(req, node.uuid)})


def _flag(params, name):
    return node_view.flag(params[name], name)


def _list_query(req, detail):
    """Ironic's list parameters, checked; the last of a repeated one wins."""
    params = {}
    for key, values in node_view.query(req).items():
        if key not in LIST_PARAMS or (detail and key in ('fields',
                                                         'detail')):
            raise exception.Invalid('Unknown argument: "%s"' % _shown(key))
        params[key] = values[-1]
    if 'detail' in params:
        # Parsed before any version check, as Ironic's argument
        # validation does.
        params['detail'] = str(_flag(params, 'detail'))
    for key in params:
        if not microversion.allows(req, LIST_PARAMS[key] or (1, 1)):
            raise exception.NotAcceptable(_TOO_EARLY.get(key))
    filters = {}
    for name in ('maintenance', 'associated'):
        if name in params:
            filters[name] = _flag(params, name)
    if 'provision_state' in params:
        schema.check_provision_state(params['provision_state'])
    if 'fault' in params:
        schema.check_fault(params['fault'])
    if 'conductor_group' in params:
        # Stored lower case; and a name no group can have matches no node
        # (never compared: MariaDB's collation would match 'A ' to 'a').
        group = params['conductor_group']
        filters['conductor_group'] = (
            group.lower() if conductor_conf.is_valid_conductor_group(group)
            else None)
    for name in ('provision_state', 'driver', 'fault', 'resource_class'):
        if name in params:
            filters[name] = params[name]
    for name in ('instance_uuid', 'marker', 'chassis_uuid'):
        if name in params and not uuidutils.is_uuid_like(params[name]):
            raise exception.InvalidUUID(uuid=_shown(params[name]))
    if 'instance_uuid' in params:
        filters['instance_uuid'] = node_view.canonical_uuid(
            params['instance_uuid'])
    return params, filters


def _limit(req, params):
    max_limit = context.app_state(req).conf.api.max_limit
    if 'limit' not in params:
        return max_limit
    text = params['limit'].strip()
    digits = text[1:] if text[:1] in '+-' else text
    if not (digits.isascii() and digits.isdigit()):
        raise exception.InvalidParameterValue(
            err='Expected an integer for limit: %s' % _shown(text))
    # NOTE: Ironic caps any positive limit at max_limit; a number of
    # thousands of digits is capped too, without ever being parsed.
    digits = digits.lstrip('0') or '0'
    if text.startswith('-') and digits != '0':
        raise exception.Invalid('Limit must be positive')
    if len(digits) > len(str(max_limit)):
        return max_limit
    limit = int(digits)
    if limit <= 0:
        raise exception.Invalid('Limit must be positive')
    return min(limit, max_limit)


def _sorting(params):
    sort_key = params.get('sort_key', 'id')
    sort_dir = params.get('sort_dir', 'asc')
    if sort_key not in node_obj.SORT_KEYS:
        raise exception.InvalidParameterValue(
            err='The sort_key value %s is an invalid field for sorting'
            % _shown(sort_key))
    if sort_dir not in ('asc', 'desc'):
        raise exception.InvalidParameterValue(
            err="Invalid sort direction: %s. Acceptable values are 'asc' or "
                "'desc'" % _shown(sort_dir))
    return sort_key, sort_dir


def _next_link(req, detail, params, limit, last):
    query = {k: v for k, v in params.items() if k not in ('limit', 'marker')}
    query.update(limit=limit, marker=last.uuid)
    return '%s/v1/nodes%s?%s' % (versions.base_url(req),
                                 '/detail' if detail else '',
                                 parse.urlencode(sorted(query.items())))


def _detail_asked(req, params):
    """True for ``?detail=True`` on the list (1.43): every field, as
    /v1/nodes/detail. Ironic's get_request_return_fields checks."""
    if 'detail' not in params:
        return False
    if not microversion.allows(req, microversion.DETAIL_QUERY):
        raise exception.InvalidParameterValue(
            err='Invalid query parameter ?detail=%s received.'
            % params['detail'])
    if params['detail'] == 'True' and 'fields' in params:
        raise exception.InvalidParameterValue(
            err='Can not specify ?detail=True and fields in the same '
                'request.')
    return params['detail'] == 'True'


def _list(req, detail):
    ctx = context.of_request(req)
    project = node_access.listed_project(req)
    params, filters = _list_query(req, detail)
    limit = _limit(req, params)
    wanted = (node_view.parse_fields(req, params['fields'])
              if 'fields' in params else node_view.LIST_FIELDS)
    # A field newer than the version is a 406 before it is a bad key.
    if 'sort_key' in params and params['sort_key'] in node_fields.SINCE \
            and not node_fields.allowed(req, params['sort_key']):
        raise exception.NotAcceptable()
    sort_key, sort_dir = _sorting(params)
    # ?detail=True is the detail view on this route (its next link too).
    whole = detail or _detail_asked(req, params)
    fields = node_view.served_fields(req) if whole else wanted
    if project is not None:
        # Ironic lists only the nodes the project owns or leases then; no
        # node here has an owner or a lessee.
        return wsgi_wrapper.respond(200, {'nodes': []})
    if 'chassis_uuid' in params or filters.get('conductor_group', '') is None:
        # No node here belongs to a chassis (chassis are not served), nor
        # to a group with an invalid name.
        found, more = [], False
    else:
        found, more = node_obj.get_list(ctx, filters, sort_key, sort_dir,
                                        limit, params.get('marker'))
    traits = (traits_obj.for_nodes(ctx, [n.id for n in found])
              if 'traits' in fields else {})
    visibility = node_view.Visibility(req)
    body = {'nodes': [node_view.render(req, node, fields, visibility,
                                       traits.get(node.id), whole=whole)
                      for node in found]}
    if more:
        body['next'] = _next_link(req, detail, params, limit, found[-1])
    return wsgi_wrapper.respond(200, body)


@wsgi_wrapper.BaremetalWsgify
def list_nodes(req):
    """GET /v1/nodes: the list view, or ?fields= of each node."""
    return _list(req, detail=False)


@wsgi_wrapper.BaremetalWsgify
def list_nodes_detail(req):
    """GET /v1/nodes/detail: every served field of each node."""
    return _list(req, detail=True)


@wsgi_wrapper.BaremetalWsgify
def show_node(req):
    """GET /v1/nodes/{node_ident}, optionally ?fields=."""
    params = node_view.query(req)
    unknown = set(params) - {'fields'}
    if unknown:
        raise exception.Invalid('Unknown argument: "%s"'
                                % _shown(sorted(unknown)[0]))
    node = node_access.retrieve(req, policies.GET)
    whole = 'fields' not in params
    fields = (node_view.served_fields(req) if whole
              else node_view.parse_fields(req, params['fields'][-1]))
    return wsgi_wrapper.respond(200, _render(req, node, fields, whole))


def _render(req, node, fields, whole=True):
    traits = (traits_obj.get(context.of_request(req), node)
              if 'traits' in fields else None)
    return node_view.render(req, node, fields, node_view.Visibility(req),
                            traits, whole)


def _patch_query(req):
    """PATCH's one query parameter, ?reset_interfaces= (1.45): its value
    (None when absent), checked in Ironic's order."""
    params = node_view.query(req)
    unknown = set(params) - {'reset_interfaces'}
    if unknown:
        raise exception.Invalid('Unknown argument: "%s"'
                                % _shown(sorted(unknown)[0]))
    if 'reset_interfaces' not in params:
        return None
    value = node_view.flag(params['reset_interfaces'][-1],
                           'reset_interfaces')
    if not microversion.allows(req, microversion.RESET_INTERFACES):
        raise exception.NotAcceptable()
    return value


@wsgi_wrapper.BaremetalWsgify
def update_node(req):
    """PATCH /v1/nodes/{node_ident}: one compare-and-swap UPDATE."""
    ctx = context.of_request(req)
    reset_interfaces = _patch_query(req)
    ops = node_view.read_body(req, schema.PATCH)
    node_patch.check_ops(req, ops)
    node_patch.check_reset_interfaces(ops, reset_interfaces)
    ident = node_view.node_ident(req)
    node = node_access.retrieve(req, *node_patch.policy_rules(ops))
    for attempt in range(PATCH_ATTEMPTS):
        if attempt:
            node = node_view.find(req, ident)
        if node.reservation is not None:
            raise exception.NodeLocked(node=node.uuid, host=node.reservation)
        values = node_patch.changes(req, node, ops)
        # Every PATCH goes to the node's conductor in Ironic: a group no
        # live conductor serves refuses it (the node's own one too).
        group = node_view.served_group(
            req, values.get('driver', node.driver),
            values.get('conductor_group', node.conductor_group))
        if 'conductor_group' in values:
            values['conductor_group'] = group
        if not values:
            break
        try:
            node = node_obj.update(ctx, node, values)
            break
        except exception.NodeChanged:
            if attempt == PATCH_ATTEMPTS - 1:
                raise
    return wsgi_wrapper.respond(200, _render(req, node,
                                             node_view.served_fields(req)))


@wsgi_wrapper.BaremetalWsgify
def delete_node(req):
    """DELETE /v1/nodes/{node_ident}: Ironic's rules (outside
    maintenance: no instance, and a state it deletes from)."""
    ctx = context.of_request(req)
    try:
        node = node_access.retrieve(req, policies.DELETE)
    except exception.HTTPForbidden:
        # Ironic's project_admin_can_manage_own_nodes (on by default):
        # the owner's admin may delete it; no node here has an owner.
        node = node_access.retrieve(req, policies.DELETE_SELF_OWNED)
    node_obj.destroy(ctx, node)
    LOG.info('Deleted node %s', node.uuid)
    return wsgi_wrapper.respond(204)
