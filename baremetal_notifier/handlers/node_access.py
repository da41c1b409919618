"""Who may see and act on which node: Ironic's lookup-then-policy order.

Ironic 39 (ironic/api/controllers/v1/utils.py) finds the node first, so a
missing node is a 404 for every caller, then checks
``baremetal:node:get`` against the node's owner and lessee: a caller who
may not see the node gets the same 404 as for a missing one
(``check_node_policy_and_retrieve`` conceals it). Only a caller who may
see the node learns, with a 403, that the route's own rule refuses.

Lists follow ``check_list_policy``: ``baremetal:node:list_all`` shows
every node; a project-scoped caller without it falls back to
``baremetal:node:list`` and sees the nodes its project owns or leases.
No node here has an owner or a lessee, so that list is empty.
"""

from baremetal_notifier import context
from baremetal_notifier import exception
from baremetal_notifier.handlers import node_view
from baremetal_notifier.policies import nodes as policies


def retrieve(req, *rules):
    """The route's node once ``rules`` allow the caller, in Ironic's
    order (check_multiple_node_policies_and_retrieve).

    :raises NodeNotFound: no such node, or one the caller may not see.
    :raises HTTPForbidden: the first of ``rules`` that refuses.
    """
    ctx = context.of_request(req)
    ident = node_view.node_ident(req)
    node = node_view.find(req, ident)
    target = context.policy_target(ctx, node)
    # Ironic turns any refusal of this first check into NodeNotFound
    # (its HTTPForbidden is a NotAuthorized), whatever the token's scope.
    if not ctx.can(policies.GET, target, fatal=False):
        raise exception.NodeNotFound(node=ident)
    for rule in rules:
        ctx.can(rule, target)
    return node


def listed_project(req):
    """None when the caller may list every node, else the project whose
    nodes it may list (check_list_policy).

    :raises HTTPForbidden: neither rule allows, or the caller has no
        project to fall back on.
    """
    ctx = context.of_request(req)
    if ctx.can(policies.LIST_ALL, fatal=False):
        return None
    if not ctx.project_id:
        raise ctx.forbidden(policies.LIST_ALL)
    ctx.can(policies.LIST)
    return ctx.project_id
