"""What Ironic's node controller answers for paths it routes by position.

Ironic's API (pecan) hands any extra path segment to the node controller's
methods as a positional argument: ``GET /v1/nodes/{node}/{x}`` is a show
with ``fields=x``, ``PATCH /v1/nodes/{node}/{x}`` a patch with
``reset_interfaces=x``, ``POST /v1/nodes/{x}`` a create whose body is
``x``; without a node (``DELETE|PATCH /v1/nodes``) the mandatory argument
is missing. Clients meet these answers (and the node path's ``Allow``
header) when they get a path wrong, so they are served the same here.
"""

from oslo_utils import strutils

from baremetal_notifier import context
from baremetal_notifier import exception
from baremetal_notifier.handlers import node_view
from baremetal_notifier.handlers import nodes
from baremetal_notifier import microversion
from baremetal_notifier.policies import nodes as policies
from baremetal_notifier import wsgi_wrapper

# Ironic's strict boolean values, as its error message lists them.
_BOOLEANS = ', '.join(
    "'%s'" % value for value in sorted(
        strutils.TRUE_STRINGS + strutils.FALSE_STRINGS))


def _segment(req):
    return req.environ['wsgiorg.routing_args'][1]['segment']


def _shown(value, length=255):
    return value if len(value) <= length else value[:length] + '...'


@wsgi_wrapper.BaremetalWsgify
def missing_node_ident(req):
    """DELETE or PATCH /v1/nodes: no node named."""
    raise exception.Invalid('Missing mandatory parameter: node_ident')


@wsgi_wrapper.BaremetalWsgify
def create_with_path_body(req):
    """POST /v1/nodes/{x}: Ironic takes ``x`` for the node body."""
    raise exception.Invalid("Schema error for node: '%s' is not of type "
                            "'object'" % _shown(node_view.node_ident(req)))


@wsgi_wrapper.BaremetalWsgify
def show_with_path_fields(req):
    """GET /v1/nodes/{node}/{fields}: a show with those fields."""
    ctx = context.of_request(req)
    ctx.can(policies.GET)
    if 'fields' in node_view.query(req):
        # NOTE: Ironic answers 500 (the argument given twice).
        raise exception.Invalid('The fields are given both in the path and '
                                'in the query string')
    req.GET['fields'] = _segment(req)
    return nodes.show_node(req)


@wsgi_wrapper.BaremetalWsgify
def patch_with_path_flag(req):
    """PATCH /v1/nodes/{node}/{x}: ``x`` is Ironic's reset_interfaces."""
    value = _segment(req)
    try:
        strutils.bool_from_string(value, strict=True)
    except ValueError:
        raise exception.Invalid(
            "Invalid reset_interfaces: Unrecognized value '%s', acceptable "
            "values are: %s" % (_shown(value), _BOOLEANS)) from None
    if not microversion.allows(req, microversion.RESET_INTERFACES):
        raise exception.NotAcceptable()
    req.GET['reset_interfaces'] = value
    return nodes.update_node(req)


@wsgi_wrapper.BaremetalWsgify
def delete_subresource(req):
    """DELETE /v1/nodes/{node}/{x}: no such sub-resource."""
    raise exception.NotFound('Resource could not be found.')
