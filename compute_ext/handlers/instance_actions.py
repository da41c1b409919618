"""os-instance-actions: who changed a server, what they asked, and when.

Shaped per microversion as Nova does: 2.21 finds deleted servers too,
2.51 shows events (without tracebacks) to non-admins, 2.58 adds
updated_at, paging and changes-since, 2.62 the event host (admins) and
hostId (everyone), 2.66 changes-before.
"""

import webob.exc

from powerbridge import db
from powerbridge import validation
from compute_ext import context
from compute_ext.handlers import server_common
from compute_ext import microversion
from compute_ext.objects import instance_actions as action_obj
from compute_ext.objects import instances as instance_obj
from compute_ext.policies import instance_actions as policies
from compute_ext.schemas import instance_actions as schema
from compute_ext.views import links as links_view
from compute_ext.views import servers as server_views
from compute_ext import wsgi_wrapper

ACTION_KEYS = ('action', 'instance_uuid', 'request_id', 'user_id',
               'project_id', 'start_time', 'message')
EVENT_KEYS = ('event', 'start_time', 'finish_time', 'result', 'traceback')
TIME_KEYS = ('start_time', 'finish_time', 'updated_at')


def _instance(req, ctx, want, policy):
    """Policy on the caller's project, the server, policy on its project."""
    ctx.can(policy, target={'project_id': ctx.project_id})
    instance = server_common.get_instance(
        ctx, server_common.server_id(req),
        read_deleted=None if want.matches((2, 21)) else False)
    ctx.can(policy, target={'project_id': instance.project_id})
    return instance


def _format(record, keys):
    return {key: (db.isotime(getattr(record, key)) if key in TIME_KEYS
                  else getattr(record, key)) for key in keys}


def _action_keys(want):
    if want.matches((2, 58)):
        return ACTION_KEYS + ('updated_at',)
    return ACTION_KEYS


def _filters(params):
    filters = {}
    if 'changes-since' in params:
        filters['changes_since'] = server_common.query_datetime(
            params, 'changes-since')
    if 'changes-before' in params:
        filters['changes_before'] = server_common.query_datetime(
            params, 'changes-before')
        since = filters.get('changes_since')
        if since and filters['changes_before'] < since:
            raise webob.exc.HTTPBadRequest(
                'The value of changes-since must be less than or equal to '
                'changes-before.')
    return filters


@wsgi_wrapper.ComputeWsgify
def list_instance_actions(req):
    """GET /servers/{server_id}/os-instance-actions, newest first."""
    ctx = context.of_request(req)
    want = microversion.want(req)
    instance = _instance(req, ctx, want, policies.LIST)
    params = validation.query_to_lists(req)
    validation.validate_query(schema.list_query(want), params)
    if not want.matches((2, 58)):
        actions = action_obj.get_all(ctx, instance.uuid)
        return wsgi_wrapper.json_response({'instanceActions': [
            _format(a, ACTION_KEYS) for a in actions]})
    limit, marker = server_common.paging(params)
    try:
        actions = action_obj.get_all(ctx, instance.uuid, limit=limit,
                                     marker=marker, **_filters(params))
    except instance_obj.MarkerNotFound as exc:
        raise webob.exc.HTTPBadRequest(exc.message) from None
    body = {'instanceActions': [_format(a, _action_keys(want))
                                for a in actions]}
    links = links_view.Links(req, ctx.project_id).collection(
        '%s/%s/os-instance-actions' % (server_views.COLLECTION,
                                       instance.uuid),
        len(actions), actions[-1].request_id if actions else None)
    if links:
        body['links'] = links
    return wsgi_wrapper.json_response(body)


def _events(ctx, want, instance, action):
    """The events this caller may see, or None for no 'events' key.

    Admins (the 'events' policy) see everything, tracebacks included, and
    the host from 2.62; others see events without tracebacks from 2.51.
    Everyone sees the hashed hostId from 2.62.
    """
    target = {'project_id': instance.project_id}
    full = ctx.can(policies.EVENTS, target=target, fatal=False)
    if not full and not want.matches((2, 51)):
        return None
    keys = EVENT_KEYS if full else EVENT_KEYS[:-1]
    with_host = full and want.matches((2, 62))
    with_host_id = want.matches((2, 62))
    # Events written by periodic tasks have no project: use the server's.
    project = action.project_id or instance.project_id
    events = []
    for event in action_obj.get_events(ctx, action.id):
        shown = _format(event, keys)
        if with_host:
            shown['host'] = event.host
        if with_host_id:
            shown['hostId'] = server_views.host_id(project, event.host)
        events.append(shown)
    return events


@wsgi_wrapper.ComputeWsgify
def show_instance_action(req):
    """GET /servers/{server_id}/os-instance-actions/{request_id}."""
    ctx = context.of_request(req)
    want = microversion.want(req)
    instance = _instance(req, ctx, want, policies.SHOW)
    request_id = req.environ['wsgiorg.routing_args'][1]['request_id']
    action = action_obj.get_by_request_id(ctx, instance.uuid, request_id)
    if action is None:
        raise webob.exc.HTTPNotFound('Action %s not found' % request_id)
    body = _format(action, _action_keys(want))
    events = _events(ctx, want, instance, action)
    if events is not None:
        body['events'] = events
    return wsgi_wrapper.json_response({'instanceAction': body})
