"""The URL map of the Compute API: one plain function per method and path.

Paths are relative to the API root. As Nova's ProjectMapper does, every
path of the API is also served with a project id after the version
(``/v2.1/{project_id}/servers``), a project id being lowercase hex and
dashes only; and as Nova's api-paste.ini does, the whole API is served a
second time under ``/v2``, in legacy v2 mode (see resource.py).

Nova's router matches a path together with its method, so a method a
path does not serve is no match at all: a 404 like an unknown path, with
the body webob gives HTTPNotFound (negotiated on Accept) and no version
headers, since no version was negotiated yet.
"""

import webob.exc

from compute_ext.handlers import instance_actions
from compute_ext.handlers import server_actions
from compute_ext.handlers import server_external_events
from compute_ext.handlers import servers
from compute_ext.handlers import services
from compute_ext.handlers import versions
from compute_ext import resource
from powerbridge import fault_wrap
from powerbridge import router

API_PREFIX = '/v2.1'
LEGACY_PREFIX = '/v2'
# Nova's ProjectMapper: "only valid if its hex or hex + dashes".
PROJECT_ID = '/{project_id:[0-9a-f-]+}'

# Nova's version documents answer every method alike.
_ANY_METHOD = ('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS')


def _any_method(function, **kwargs):
    return dict.fromkeys(_ANY_METHOD, resource.Resource(function, **kwargs))


# Version discovery, served without authentication. The list of versions
# is outside microversion control; the v2.1 document is under it (Nova
# negotiates and echoes a version there too), the v2 one in legacy mode.
VERSION_ROUTES = {
    '/': _any_method(versions.list_versions, versioned=False),
    API_PREFIX: _any_method(versions.show_version),
    API_PREFIX + '/': _any_method(versions.show_version),
    LEGACY_PREFIX: _any_method(versions.show_version, legacy=True),
    LEGACY_PREFIX + '/': _any_method(versions.show_version, legacy=True),
}

# Everything below /v2.1, authenticated and microversioned.
ROUTE_DECLARATIONS = {
    '/os-services': {
        'GET': services.list_services,
    },
    '/os-services/{service_id}': {
        'PUT': services.update_service,
        'DELETE': services.delete_service,
    },
    '/os-server-external-events': {
        'POST': server_external_events.create_events,
    },
    '/servers': {
        'GET': servers.list_servers,
    },
    '/servers/detail': {
        'GET': servers.list_servers_detail,
    },
    '/servers/{server_id}': {
        'GET': servers.show_server,
    },
    '/servers/{server_id}/action': {
        'POST': server_actions.server_action,
    },
    '/servers/{server_id}/os-instance-actions': {
        'GET': instance_actions.list_instance_actions,
    },
    '/servers/{server_id}/os-instance-actions/{request_id}': {
        'GET': instance_actions.show_instance_action,
    },
}

UNAUTHENTICATED_PATHS = frozenset(VERSION_ROUTES)

# Looked up before the project id check (Nova's Resource.get_method).
_PEEKS = {server_actions.server_action: server_actions.action_name}


def route_table():
    """Every served path: under /v2.1 and /v2, each with and without a
    project id; the version document also after a project id."""
    table = dict(VERSION_ROUTES)
    declarations = dict(ROUTE_DECLARATIONS)
    # Nova's '/' route: the version document, authenticated, only here.
    declarations['/'] = {'GET': versions.show_version}
    for prefix, legacy in ((API_PREFIX, False), (LEGACY_PREFIX, True)):
        for path, methods in declarations.items():
            served = {method: resource.Resource(
                function, legacy=legacy, peek=_PEEKS.get(function))
                for method, function in methods.items()}
            if path != '/':
                table[prefix + path] = served
            table[prefix + PROJECT_ID + path] = served
    return table


def _no_route(code, message, headers):
    """What Nova's router answers when no route matches (an unknown path
    or an unserved method): webob's own 404, past the fault wrapper."""
    not_found = webob.exc.HTTPNotFound()

    def app(environ, start_response):
        environ[fault_wrap.PASS_THROUGH] = True
        return not_found(environ, start_response)
    return app


def make_app():
    """The WSGI application dispatching to the handler functions."""
    return router.Router(route_table(), _no_route)
