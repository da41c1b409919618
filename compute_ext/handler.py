"""The URL map of the Compute API: one plain function per method and path.

Paths are relative to the API root; every path under /v2.1 is also served
with a project id after the version, as Nova's ProjectMapper does.
"""

from compute_ext.handlers import instance_actions
from compute_ext.handlers import server_actions
from compute_ext.handlers import server_external_events
from compute_ext.handlers import servers
from compute_ext.handlers import services
from compute_ext.handlers import versions
from compute_ext import wsgi_wrapper
from powerbridge import router

API_PREFIX = '/v2.1'

# Version discovery, served without authentication or microversions.
VERSION_ROUTES = {
    '/': {'GET': versions.list_versions},
    '/v2.1': {'GET': versions.show_version},
    '/v2.1/': {'GET': versions.show_version},
    '/v2': {'GET': versions.show_version_v20},
    '/v2/': {'GET': versions.show_version_v20},
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


# Nova's 405 says what webob's HTTPMethodNotAllowed explains.
NOT_ALLOWED = ('The server could not comply with the request since it is '
               'either malformed or otherwise incorrect.')


def route_table():
    """Every served path, each /v2.1 one also with a project id."""
    table = dict(VERSION_ROUTES)
    for path, methods in ROUTE_DECLARATIONS.items():
        table[API_PREFIX + path] = methods
        table[API_PREFIX + '/{project_id}' + path] = methods
    return table


def make_app():
    """The WSGI application dispatching to the handler functions."""
    return router.Router(route_table(), wsgi_wrapper.fault_response,
                         not_allowed=NOT_ALLOWED, ignored_args=['project_id'])
