"""The URL map of the Compute API: one plain function per method and path.

Paths are relative to the API root; every path under /v2.1 is also served
with a project id after the version, as Nova's ProjectMapper does.
"""

import routes
import webob.dec
import webob.exc

from compute_ext.handlers import instance_actions
from compute_ext.handlers import server_actions
from compute_ext.handlers import server_external_events
from compute_ext.handlers import servers
from compute_ext.handlers import services
from compute_ext.handlers import versions
from compute_ext import wsgi_wrapper

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


def _methods_not_allowed(allowed):
    @wsgi_wrapper.ComputeWsgify
    def handler(req):
        raise webob.exc.HTTPMethodNotAllowed(
            headers={'Allow': ', '.join(sorted(allowed))})
    return handler


def _connect(mapper, path, methods):
    for method, action in methods.items():
        mapper.connect(path, action=action,
                       conditions=dict(method=[method]))
    mapper.connect(path, action=_methods_not_allowed(methods))


def make_map():
    """Build the routes.Mapper for every declared path."""
    mapper = routes.Mapper()
    for path, methods in VERSION_ROUTES.items():
        _connect(mapper, path, methods)
    for path, methods in ROUTE_DECLARATIONS.items():
        _connect(mapper, API_PREFIX + path, methods)
        _connect(mapper, API_PREFIX + '/{project_id}' + path, methods)
    return mapper


class ComputeHandler:
    """Dispatch a request to its handler function."""

    def __init__(self):
        self._map = make_map()

    @webob.dec.wsgify
    def __call__(self, req):
        match = self._map.match(environ=req.environ)
        if match is None:
            return wsgi_wrapper.fault_response(404, 'The resource could not '
                                                    'be found.')
        action = match.pop('action')
        match.pop('project_id', None)
        req.environ['wsgiorg.routing_args'] = ((), match)
        return action(req)
