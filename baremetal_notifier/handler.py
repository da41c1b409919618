"""The URL map of the Bare Metal API: one plain function per method and path.

A trailing slash is ignored everywhere, as in Ironic (the CLI asks for
``/v1/nodes/?fields=...``).
"""

from baremetal_notifier.handlers import drivers
from baremetal_notifier.handlers import node_provision
from baremetal_notifier.handlers import node_routing
from baremetal_notifier.handlers import node_states
from baremetal_notifier.handlers import node_traits
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
        # Ironic's answers when the node is missing from the path.
        'DELETE': node_routing.missing_node_ident,
        'PATCH': node_routing.missing_node_ident,
    },
    '/nodes/detail': {
        'GET': nodes.list_nodes_detail,
    },
    '/nodes/{node_ident}': {
        'GET': nodes.show_node,
        'PATCH': nodes.update_node,
        'DELETE': nodes.delete_node,
        'POST': node_routing.create_with_path_body,
    },
    '/nodes/{node_ident}/states': {
        'GET': node_states.show_states,
    },
    '/nodes/{node_ident}/states/power': {
        'PUT': node_states.set_power_state,
    },
    '/nodes/{node_ident}/states/provision': {
        'PUT': node_provision.set_provision_state,
    },
    '/nodes/{node_ident}/traits': {
        'GET': node_traits.list_traits,
        'PUT': node_traits.set_traits,
        'DELETE': node_traits.delete_traits,
    },
    '/nodes/{node_ident}/traits/{trait}': {
        'PUT': node_traits.add_trait,
        'DELETE': node_traits.delete_trait,
    },
    '/nodes/{node_ident}/maintenance': {
        'PUT': node_states.set_maintenance,
        'DELETE': node_states.clear_maintenance,
    },
    # Last among the node paths: any other segment after a node is one of
    # Ironic's positional arguments (handlers/node_routing.py).
    '/nodes/{node_ident}/{segment}': {
        'GET': node_routing.show_with_path_fields,
        'PATCH': node_routing.patch_with_path_flag,
        'DELETE': node_routing.delete_subresource,
        'POST': node_routing.create_with_path_body,
    },
    '/drivers': {
        'GET': drivers.list_drivers,
    },
    '/drivers/{driver_name}': {
        'GET': drivers.show_driver,
    },
    '/drivers/{driver_name}/properties': {
        'GET': drivers.driver_properties,
    },
}

UNAUTHENTICATED_PATHS = frozenset(['/', API_PREFIX, API_PREFIX + '/'])


def is_versioned(path):
    """Paths where Ironic negotiates a version: all of them (a bad
    version is refused at the root too)."""
    return True


def make_app():
    """The WSGI application dispatching to the handler functions."""
    table = dict(VERSION_ROUTES)
    table.update((API_PREFIX + path, methods)
                 for path, methods in ROUTE_DECLARATIONS.items())
    return router.Router(
        table, wsgi_wrapper.error_response, strip_trailing_slash=True,
        routing_error_response=wsgi_wrapper.routing_error_response)
