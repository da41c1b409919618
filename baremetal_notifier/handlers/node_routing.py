"""What Ironic's node controller answers for paths it routes by position.

Ironic's API (pecan) hands any extra path segment to the node controller's
methods as a positional argument: ``GET /v1/nodes/{node}/{x}`` is a show
with ``fields=x``, ``PATCH /v1/nodes/{node}/{x}`` a patch with
``reset_interfaces=x``, ``POST /v1/nodes/{x}`` a create whose body is
``x``; without a node (``DELETE|PATCH /v1/nodes``) the mandatory argument
is missing. Clients meet these answers (and the node path's ``Allow``
header) when they get a path wrong, so they are served the same here.
"""

from baremetal_notifier import exception
from baremetal_notifier.handlers import node_view
from baremetal_notifier.handlers import nodes
from baremetal_notifier import wsgi_wrapper


def _segment(req):
    return req.environ['wsgiorg.routing_args'][1]['segment']


@wsgi_wrapper.BaremetalWsgify
def missing_node_ident(req):
    """DELETE or PATCH /v1/nodes: no node named."""
    raise exception.Invalid('Missing mandatory parameter: node_ident')


@wsgi_wrapper.BaremetalWsgify
def create_with_path_body(req):
    """POST /v1/nodes/{x}: Ironic takes ``x`` for the node body."""
    raise exception.Invalid(
        "Schema error for node: '%s' is not of type 'object'"
        % node_view.shown(node_view.node_ident(req)))


@wsgi_wrapper.BaremetalWsgify
def show_with_path_fields(req):
    """GET /v1/nodes/{node}/{fields}: a show with those fields (the show
    looks the node up and checks its policy in Ironic's order)."""
    if 'fields' in node_view.query(req):
        # NOTE: Ironic answers 500 (the argument given twice).
        raise exception.Invalid('The fields are given both in the path and '
                                'in the query string')
    req.GET['fields'] = _segment(req)
    return nodes.show_node(req)


@wsgi_wrapper.BaremetalWsgify
def patch_with_path_flag(req):
    """PATCH /v1/nodes/{node}/{x}: ``x`` is Ironic's reset_interfaces,
    checked by the PATCH itself (a boolean; 406 before 1.45)."""
    req.GET['reset_interfaces'] = _segment(req)
    return nodes.update_node(req)


@wsgi_wrapper.BaremetalWsgify
def delete_subresource(req):
    """DELETE /v1/nodes/{node}/{x}: no such sub-resource."""
    raise exception.NotFound('Resource could not be found.')
