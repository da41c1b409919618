"""The URL map of the Bare Metal API: one plain function per method and path.

A trailing slash is ignored everywhere, as in Ironic (the CLI asks for
``/v1/nodes/?fields=...``).
"""

from baremetal_notifier.handlers import node_states
from baremetal_notifier.handlers import nodes
from baremetal_notifier.handlers import versions
from baremetal_notifier import wsgi_wrapper
from powerbridge import router

API_PREFIX = '/v1'

# Version discovery, served without authentication.
VERSION_ROUTES = {
    '/': {'GET': versions.show_root},
    API_PREFIX: {'GET': versions.show_v1},
}

# Everything below /v1, authenticated and versioned. Order matters:
# /nodes/detail must be tried before /nodes/{node_ident}.
ROUTE_DECLARATIONS = {
    '/nodes': {
        'GET': nodes.list_nodes,
        'POST': nodes.create_node,
    },
    '/nodes/detail': {
        'GET': nodes.list_nodes_detail,
    },
    '/nodes/{node_ident}': {
        'GET': nodes.show_node,
        'PATCH': nodes.update_node,
        'DELETE': nodes.delete_node,
    },
    '/nodes/{node_ident}/states': {
        'GET': node_states.show_states,
    },
    '/nodes/{node_ident}/states/power': {
        'PUT': node_states.set_power_state,
    },
    '/nodes/{node_ident}/maintenance': {
        'PUT': node_states.set_maintenance,
        'DELETE': node_states.clear_maintenance,
    },
}

UNAUTHENTICATED_PATHS = frozenset(['/', API_PREFIX, API_PREFIX + '/'])


def is_versioned(path):
    """Paths where Ironic negotiates a version: /v1 and below."""
    return path == API_PREFIX or path.startswith(API_PREFIX + '/')


def make_app():
    """The WSGI application dispatching to the handler functions."""
    table = dict(VERSION_ROUTES)
    table.update((API_PREFIX + path, methods)
                 for path, methods in ROUTE_DECLARATIONS.items())
    return router.Router(table, wsgi_wrapper.error_response,
                         strip_trailing_slash=True)
