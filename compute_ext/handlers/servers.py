"""servers: list, list with details, and show.

Search options follow Nova's servers controller: a caller without
``allow_all_filters`` may only use the user filters (others are dropped
silently), ``all_tenants`` needs its own policy, and a non-admin only ever
sees their own project's servers. The actions (os-start, os-stop) are in
server_actions.
"""

from oslo_utils import strutils
import webob.exc

from powerbridge import validation
from compute_ext import context
from compute_ext.handlers import server_common
from compute_ext import microversion
from compute_ext.objects import instances as instance_obj
from compute_ext.policies import servers as policies
from compute_ext.schemas import servers as schema
from compute_ext.views import servers as views
from compute_ext import wsgi_wrapper

PAGING_SORTING = ('sort_key', 'sort_dir', 'limit', 'marker')
# Nova's status -> vm_state ('default' task state) ...
STATUS_VM_STATE = {
    'ACTIVE': 'active', 'BUILD': 'building', 'SHUTOFF': 'stopped',
    'VERIFY_RESIZE': 'resized', 'PAUSED': 'paused',
    'SUSPENDED': 'suspended', 'RESCUE': 'rescued', 'ERROR': 'error',
    'DELETED': 'deleted', 'SOFT_DELETED': 'soft-delete',
    'SHELVED': 'shelved', 'SHELVED_OFFLOADED': 'shelved_offloaded'}
# ... and statuses Nova derives from a task state (REBOOT, RESIZE, ...),
# which no instance here ever has: they match nothing on their own.
TASK_STATUS_VM_STATES = {
    'REBOOT': ['active'], 'HARD_REBOOT': ['active'],
    'PASSWORD': ['active'], 'REBUILD': ['active', 'stopped', 'error'],
    'MIGRATING': ['active', 'paused'], 'RESIZE': ['active', 'stopped'],
    'REVERT_RESIZE': ['resized']}
# Filters on what bare metal instances here never have (an image, ports,
# a key pair, tags, a description): any value matches no server.
ABSENT_ATTRIBUTE_FILTERS = (
    'image', 'image_ref', 'ip', 'ip6', 'key_name', 'tags', 'tags-any',
    'kernel_id', 'ramdisk_id', 'locked_by', 'root_device_name',
    'access_ip_v4', 'access_ip_v6', 'description', 'display_description')
# API sort keys -> columns; other valid keys are constant here.
SORT_COLUMNS = {
    'display_name': 'name', 'uuid': 'uuid', 'host': 'host', 'node': 'node',
    'vm_state': 'vm_state', 'task_state': 'task_state',
    'power_state': 'power_state', 'project_id': 'project_id',
    'user_id': 'user_id', 'created_at': 'created_at',
    'updated_at': 'updated_at', 'launched_at': 'launched_at'}


class _NoMatch(Exception):
    """The search cannot match any server: answer an empty list."""


def user_filters(want):
    """Nova's _get_server_search_options: what anyone may filter by."""
    names = ['reservation_id', 'name', 'status', 'image', 'flavor', 'ip',
             'changes-since', 'all_tenants']
    for minimum, extra in (((2, 5), ['ip6']),
                           ((2, 26), ['tags', 'tags-any', 'not-tags',
                                      'not-tags-any']),
                           ((2, 66), ['changes-before']),
                           ((2, 73), ['locked'])):
        if want.matches(minimum):
            names.extend(extra)
    return names


def _bool(value, strict):
    try:
        return strutils.bool_from_string(value, strict=strict)
    except ValueError as exc:
        raise webob.exc.HTTPBadRequest(
            'Invalid input received: %s' % exc) from None


def _statuses(want, values):
    """status filter -> vm_states, per Nova's state map."""
    statuses = {v.upper() for v in values}
    vm_states = {STATUS_VM_STATE[s] for s in statuses
                 if s in STATUS_VM_STATE}
    task_only = [s for s in statuses if s in TASK_STATUS_VM_STATES]
    if not vm_states and not task_only:
        if want.matches((2, 38)):
            raise webob.exc.HTTPBadRequest('Invalid status value')
        raise _NoMatch()
    if not vm_states:
        raise _NoMatch()
    for status in task_only:
        vm_states.update(TASK_STATUS_VM_STATES[status])
    return sorted(vm_states)


def _sorting(ctx, params, want):
    keys = [k.strip() for k in params.get('sort_key', [])] or ['created_at']
    dirs = [d.strip() for d in params.get('sort_dir', [])] or ['desc']
    for direction in dirs:
        if direction not in ('asc', 'desc'):
            raise webob.exc.HTTPBadRequest(
                "Invalid input received: Unknown sort direction, must be "
                "'desc' or 'asc'")
    if len(dirs) > len(keys):
        raise webob.exc.HTTPBadRequest(
            'Invalid input received: Sort direction size exceeds sort key '
            'size')
    dirs += [dirs[0]] * (len(keys) - len(dirs))
    columns, directions = [], []
    for key, direction in zip(keys, dirs, strict=True):
        if key in schema.ADMIN_SORT_KEYS and not ctx.is_admin:
            raise webob.exc.HTTPForbidden(
                'Only administrators can sort servers by %s' % key)
        if key in SORT_COLUMNS and SORT_COLUMNS[key] not in columns:
            columns.append(SORT_COLUMNS[key])
            directions.append(direction)
    return columns, directions


def _search(req, ctx, want, detail):
    """Query parameters -> instances.get_all keyword arguments."""
    params = validation.query_to_lists(req)
    validation.validate_query(schema.list_query(want), params)
    options = {k: v for k, v in params.items() if k not in PAGING_SORTING}
    if not ctx.can(policies.ALLOW_ALL_FILTERS,
                   target={'project_id': ctx.project_id}, fatal=False):
        allowed = user_filters(want)
        options = {k: v for k, v in options.items() if k in allowed}
    for name in options:
        if name in schema.JOINED_TABLE_PARAMS or name.startswith('_'):
            raise webob.exc.HTTPBadRequest('Invalid filter field: %s.' % name)
    last = {k: v[-1] for k, v in options.items()}
    kwargs = {}
    if 'status' in options:
        kwargs['vm_states'] = _statuses(want, options['status'])
    if 'changes-since' in options:
        kwargs['changes_since'] = server_common.query_datetime(
            options, 'changes-since')
    if 'changes-before' in options:
        kwargs['changes_before'] = server_common.query_datetime(
            options, 'changes-before')
        if kwargs['changes_before'] < kwargs.get('changes_since',
                                                  kwargs['changes_before']):
            raise webob.exc.HTTPBadRequest(
                'The value of changes-since must be less than or equal to '
                'changes-before.')
    if 'deleted' in last:
        kwargs['deleted'] = strutils.bool_from_string(last['deleted'],
                                                      default=False)
    else:
        # changes-since also returns servers deleted since then (Nova).
        kwargs['deleted'] = None if 'changes_since' in kwargs else False
    if kwargs.get('vm_states') == ['deleted']:
        if not ctx.is_admin:
            raise webob.exc.HTTPForbidden(
                'Only administrators may list deleted instances')
        kwargs['deleted'] = True
    if 'locked' in last and _bool(last['locked'], strict=True):
        raise _NoMatch()  # nothing here is ever locked
    if any(name in options for name in ABSENT_ATTRIBUTE_FILTERS):
        raise _NoMatch()
    if 'flavor' in last and last['flavor'] != views.FLAVOR_ID:
        raise _NoMatch()
    _scope(ctx, options, kwargs, detail)
    name = last.get('name', last.get('display_name'))
    if name is not None:
        kwargs['name'] = _regex('name' if 'name' in last else 'display_name',
                                name)
    for key in ('host', 'node', 'user_id'):
        if key in last:
            kwargs[key] = last[key]
    if 'node' in kwargs:
        kwargs['node'] = _regex('node', kwargs['node'])
    for key, arg in (('uuid', 'uuids'), ('vm_state', 'vm_states'),
                     ('task_state', 'task_states')):
        if key in options:
            kwargs[arg] = options[key]
    if 'power_state' in options:
        kwargs['power_states'] = _power_states(options['power_state'])
    return kwargs, params


def _regex(name, pattern):
    """A regex filter every database evaluates alike, or a 400 worded
    as the schema's errors are (see validation.check_regex)."""
    try:
        validation.check_regex(pattern, 'Regular expression')
    except validation.ValidationError as exc:
        raise validation.ValidationError(
            'Invalid input for query parameters %s. Value: %s. %s'
            % (name, pattern, exc)) from None
    return pattern


def _power_states(values):
    """The power_state values that can be one; others match nothing
    (as before), huge and non-ASCII digits included."""
    states = []
    for value in values:
        try:
            states.append(validation.bounded_int(value, 'power_state'))
        except validation.ValidationError:
            pass
    return states


def _scope(ctx, options, kwargs, detail):
    """all_tenants (with its policy) or the caller's own project."""
    all_tenants = 'all_tenants' in options
    if all_tenants and options['all_tenants'][-1]:
        all_tenants = _bool(options['all_tenants'][-1], strict=True)
    if all_tenants:
        ctx.can(policies.DETAIL_ALL_TENANTS if detail
                else policies.INDEX_ALL_TENANTS,
                target={'project_id': ctx.project_id})
        project = options.get('project_id', options.get('tenant_id'))
        if project:
            kwargs['project_id'] = project[-1]
    elif ctx.project_id:
        # Without all_tenants, tenant_id is ignored (Nova bug 1185290).
        kwargs['project_id'] = ctx.project_id
    else:
        kwargs['user_id'] = ctx.user_id


def _list(req, detail):
    ctx = context.of_request(req)
    ctx.can(policies.DETAIL if detail else policies.INDEX,
            target={'project_id': ctx.project_id})
    want = microversion.want(req)
    view = _view(req, ctx, want, detail)
    collection = views.COLLECTION + ('/detail' if detail else '')
    try:
        kwargs, params = _search(req, ctx, want, detail)
    except _NoMatch:
        return wsgi_wrapper.json_response({'servers': []})
    limit, marker = server_common.paging(params)
    kwargs['sort_keys'], kwargs['sort_dirs'] = _sorting(ctx, params, want)
    try:
        found = instance_obj.get_all(ctx, limit=limit, marker=marker,
                                     **kwargs)
    except instance_obj.MarkerNotFound:
        raise webob.exc.HTTPBadRequest(
            'marker [%s] not found' % marker) from None
    return wsgi_wrapper.json_response(
        view.collection(found, collection, detail))


def _view(req, ctx, want, detail, instance=None):
    """What this caller may see; policies are checked once per list."""
    target = {'project_id': instance.project_id if instance
              else ctx.project_id}
    if not detail:
        return views.ServerView(req, ctx, want, False)
    extended = ctx.can(policies.EXTENDED_ATTRIBUTES, target=target,
                       fatal=False)
    host_status = None
    if want.matches((2, 16)) and ctx.can(policies.SHOW_HOST_STATUS,
                                         target=target, fatal=False):
        host_status = views.host_statuses(
            ctx, context.app_state(req).servicegroup)
    return views.ServerView(req, ctx, want, extended, host_status)


@wsgi_wrapper.ComputeWsgify
def list_servers(req):
    """GET /servers: ids, names and links."""
    return _list(req, detail=False)


@wsgi_wrapper.ComputeWsgify
def list_servers_detail(req):
    """GET /servers/detail: the full server of each."""
    return _list(req, detail=True)


@wsgi_wrapper.ComputeWsgify
def show_server(req):
    """GET /servers/{server_id}."""
    ctx = context.of_request(req)
    ctx.can(policies.SHOW, target={'project_id': ctx.project_id})
    instance = server_common.get_instance(ctx, server_common.server_id(req))
    ctx.can(policies.SHOW, target={'project_id': instance.project_id})
    want = microversion.want(req)
    view = _view(req, ctx, want, True, instance)
    return wsgi_wrapper.json_response(
        {'server': view.show(instance, with_server_groups=True)})
