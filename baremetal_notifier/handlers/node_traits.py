"""/v1/nodes/{node_ident}/traits (API 1.37): list, set, add, remove.

Trait names follow Ironic's rule: a standard trait of os-traits, or one
of the CUSTOM_ namespace.
"""

import re

import os_traits

from baremetal_notifier import context
from baremetal_notifier import exception
from baremetal_notifier.handlers import node_access
from baremetal_notifier.handlers import node_view
from baremetal_notifier import microversion
from baremetal_notifier.objects import traits as traits_obj
from baremetal_notifier.policies import nodes as policies
from baremetal_notifier.schemas import node_states as schema
from baremetal_notifier import wsgi_wrapper

_CUSTOM = re.compile('^%s[A-Z0-9_]+$' % os_traits.CUSTOM_NAMESPACE)
_STANDARD = frozenset(os_traits.get_traits())
_ONE_OR_ALL = ('A single node trait may be added via PUT /v1/nodes/<node '
               'identifier>/traits/<trait> with no body, or all node traits '
               'may be replaced via PUT /v1/nodes/<node identifier>/traits '
               'with the list of traits specified in the request body.')


def check_trait(name, where):
    """Ironic's TRAITS_SCHEMA, worded without echoing more than 255
    characters."""
    if not (isinstance(name, str) and 0 < len(name) <= 255 and (
            name in _STANDARD or _CUSTOM.match(name))):
        shown = name[:255] if isinstance(name, str) else type(name).__name__
        raise exception.Invalid(
            "Schema error for %s: '%s' is not valid under any of the given "
            "schemas. Possible root cause: '%s' does not match '^%s[A-Z0-9_]"
            "+$'" % (where, shown, shown, os_traits.CUSTOM_NAMESPACE))
    return name


def _node(req, rule):
    if not microversion.allows(req, microversion.TRAITS):
        raise exception.NotAcceptable()
    return context.of_request(req), node_access.retrieve(req, rule)


def _trait(req):
    return req.environ['wsgiorg.routing_args'][1].get('trait')


@wsgi_wrapper.BaremetalWsgify
def list_traits(req):
    """GET .../traits."""
    ctx, node = _node(req, policies.TRAITS_LIST)
    return wsgi_wrapper.respond(200, {'traits': traits_obj.get(ctx, node)})


@wsgi_wrapper.BaremetalWsgify
def set_traits(req):
    """PUT .../traits with {"traits": [...]}: replace them all."""
    ctx, node = _node(req, policies.TRAITS_SET)
    body = node_view.read_body(req, schema.TRAITS, allow_empty=True)
    if 'traits' not in body:
        raise exception.Invalid(_ONE_OR_ALL)
    traits_obj.replace(ctx, node, [check_trait(t, 'body')
                                   for t in body['traits']])
    return wsgi_wrapper.respond(204)


@wsgi_wrapper.BaremetalWsgify
def add_trait(req):
    """PUT .../traits/{trait}, no body: add one."""
    ctx, node = _node(req, policies.TRAITS_SET)
    trait = check_trait(_trait(req), 'trait')
    if node_view.has_body(req):
        raise exception.Invalid('No body should be provided when adding a '
                                'trait')
    traits_obj.add(ctx, node, trait)
    return wsgi_wrapper.respond(204, headers={
        'Location': node_view.node_url(req, node_view.node_ident(req),
                                       'traits', trait)})


@wsgi_wrapper.BaremetalWsgify
def delete_traits(req):
    """DELETE .../traits: remove them all."""
    ctx, node = _node(req, policies.TRAITS_DELETE)
    traits_obj.remove(ctx, node)
    return wsgi_wrapper.respond(204)


@wsgi_wrapper.BaremetalWsgify
def delete_trait(req):
    """DELETE .../traits/{trait}: 404 when the node lacks it."""
    ctx, node = _node(req, policies.TRAITS_DELETE)
    traits_obj.remove(ctx, node, _trait(req))
    return wsgi_wrapper.respond(204)
