"""What every node route shares: finding a node and showing it.

A node body holds the fields this service models, under Ironic's names
and types, each from the API version that introduced it. Secrets in
driver_info are masked as Ironic masks them (``show_password`` rule), and
a caller below ``baremetal:node:get:filter_threshold`` gets Ironic's
redactions.
"""

import datetime
import uuid

from oslo_utils import strutils
from oslo_utils import uuidutils

from baremetal_notifier.conf import conductor as conductor_conf
from baremetal_notifier import context
from baremetal_notifier import exception
from baremetal_notifier.handlers import node_fields
from baremetal_notifier.handlers import versions
from baremetal_notifier import microversion
from baremetal_notifier.objects import conductors
from baremetal_notifier.objects import nodes as node_obj
from baremetal_notifier.policies import base as policy_base
from baremetal_notifier.policies import nodes as policies
from baremetal_notifier.schemas import common as schema_common
from baremetal_notifier.schemas import nodes as node_schema
from powerbridge import validation

MASK = '******'
LIST_FIELDS = node_fields.LIST_FIELDS
_TIMESTAMPS = ('created_at', 'updated_at', 'provision_updated_at')
_REDACTED = '** Redacted - requires %s permission. **'


def is_secret(key):
    """A key oslo.utils would mask (ipmi_password, *_password, ...)."""
    return strutils.mask_dict_password({key: '-'}, MASK)[key] == MASK


def mask(value, secret=False):
    """``value`` with everything under a secret key replaced by ******.

    Unlike strutils.mask_dict_password, an object or list under a secret
    key is masked whole, not searched.
    """
    if secret:
        return MASK
    if isinstance(value, dict):
        return {key: mask(item, is_secret(key)) for key, item in
                value.items()}
    if isinstance(value, list):
        return [mask(item) for item in value]
    if isinstance(value, str):
        return strutils.mask_password(value, MASK)
    return value


def node_ident(req):
    """The {node_ident} of the matched route."""
    return req.environ['wsgiorg.routing_args'][1]['node_ident']


def find(req, ident):
    """The node named by a UUID, or by a logical name from 1.5."""
    ctx = context.of_request(req)
    if uuidutils.is_uuid_like(ident):
        return node_obj.get_by_uuid(ctx, canonical_uuid(ident))
    if not microversion.allows(req, microversion.NAMES):
        # Ironic before names: an unknown node, not a bad request.
        raise exception.NodeNotFound(node=ident)
    if not valid_name(req, ident):
        raise exception.InvalidUuidOrName(name=ident)
    return node_obj.get_by_name(ctx, ident)


def valid_name(req, name):
    """Ironic's name rules of the request's version."""
    return node_schema.is_valid_name(
        name, microversion.allows(req, microversion.UNRESTRICTED_NAMES))


def canonical_uuid(value):
    """UUIDs are stored lower case with dashes, however they are sent."""
    return str(uuid.UUID(value))


# No Content-Type, or a form: what Ironic takes for form arguments.
_FORM_TYPES = ('', 'application/x-www-form-urlencoded', 'multipart/form-data')


def read_body(req, schema, allow_empty=False):
    """The JSON body, validated without echoing values back.

    Ironic reads a body sent without a Content-Type (or as a form, which
    is what HTTP libraries send by default) as form arguments it does not
    expect: a 400 (its message quotes the body, this one does not: it may
    hold a BMC password).
    """
    if allow_empty and not _raw_body(req):
        body = {}
    elif req.content_type in _FORM_TYPES and _raw_body(req):
        raise exception.Invalid('Unexpected arguments: the request body has '
                                'no Content-Type')
    else:
        body = validation.load_json_body(req)
    schema_common.validate(schema, body)
    return body


def has_body(req):
    """True when the request carries a body that says something (Ironic
    takes an empty object as no body)."""
    return _raw_body(req).strip() not in (b'', b'{}', b'null')


def _raw_body(req):
    try:
        return req.body
    except (ValueError, OSError):
        # A broken chunked body, or one shorter than its Content-Length;
        # the body size limit's 413 is no ValueError and passes.
        raise validation.MalformedBody('Malformed request body') from None


def query(req):
    """The query string as {name: [values]}: never req.GET directly (a
    percent-escape that is not UTF-8, a NUL: a 400, not a 500 or a
    PostgreSQL error)."""
    return validation.query_to_lists(req)


def shown(value, length=255):
    """A query value as an error message quotes it: a query string has no
    size limit, a message should."""
    return value if len(value) <= length else value[:length] + '...'


def flag(value, name):
    """A boolean query parameter, with Ironic's words for a bad one."""
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError:
        acceptable = ', '.join(
            "'%s'" % word for word in sorted(strutils.TRUE_STRINGS
                                             + strutils.FALSE_STRINGS))
        raise exception.InvalidParameterValue(
            err="Invalid %s: Unrecognized value '%s', acceptable values "
                "are: %s" % (name, shown(value), acceptable)) from None


def served_group(req, driver, group):
    """``group`` as stored (lower case) once a live conductor serves it.

    Ironic's API asks its hash ring for the node's conductor before it
    creates or updates a node: a group no live conductor is in (which
    includes every invalid name, as conductors refuse to start with one)
    is its 400 NoValidHost, naming the group as sent. Ironic looks a new
    node's group up before lower-casing it, so 'Rack1' is refused even
    with a 'rack1' conductor alive; here the lookup is case-insensitive,
    as groups are documented to be. The default group '' needs no live
    conductor here: its nodes wait for one, as they always have.
    """
    if group is None:
        # A PATCH to null: Ironic answers a 500 (it lower-cases the value
        # unchecked); here its words for a value that is no group.
        raise exception.InvalidConductorGroup(group=None)
    if group == '':
        return group
    if not conductor_conf.is_valid_conductor_group(group):
        # Never looked up: MariaDB's collation would match 'a ' to 'a'.
        raise node_schema.no_conductor(driver, shown(group))
    lowered = group.lower()
    ctx = context.of_request(req)
    timeout = context.app_state(req).conf.conductor.heartbeat_timeout
    if not conductors.group_is_served(ctx, lowered, timeout):
        raise node_schema.no_conductor(driver, group)
    return lowered


def timestamp(value):
    """Ironic's form: ISO 8601 with the UTC offset."""
    if value is None:
        return None
    return value.replace(tzinfo=datetime.timezone.utc).isoformat()


def served_fields(req):
    """A whole node body: every field of the request's version."""
    return node_fields.whole_body(req)


def parse_fields(req, value):
    """?fields=a,b as Ironic checks it: 406 for a field newer than the
    request's version (before anything else), then 400 for the first
    name that is no node field."""
    if not microversion.allows(req, microversion.FIELDS):
        raise exception.NotAcceptable()
    wanted = [f.strip() for f in value.split(',') if f.strip()]
    if any(f in node_fields.SINCE and not node_fields.allowed(req, f)
           for f in wanted):
        raise exception.NotAcceptable()
    for field in wanted:
        if field not in node_fields.QUERYABLE:
            raise exception.Invalid('Field %s is not a valid field.'
                                    % field)
    return wanted


def _links(req, *parts):
    base = versions.base_url(req)
    path = '/nodes/' + '/'.join(parts)
    return [versions.link(base + '/v1' + path, 'self'),
            versions.link(base + path, 'bookmark')]


def node_url(req, ident, *more):
    return '/'.join([versions.base_url(req), 'v1', 'nodes', ident] +
                    list(more))


def provision_state(req, node):
    # Before 1.2 Ironic showed 'available' as null (its old NOSTATE).
    if (node.provision_state == node_obj.AVAILABLE
            and not microversion.allows(req, microversion.AVAILABLE_STATE)):
        return None
    return node.provision_state


class Visibility:
    """What the caller may see, decided once per request: the node target
    carries no owner, so the answer is the same for every node."""

    def __init__(self, req):
        ctx = context.of_request(req)
        target = context.policy_target(ctx)
        self.show_password = ctx.check(policy_base.SHOW_PASSWORD, target)
        self.show_instance_secrets = ctx.check(
            policy_base.SHOW_INSTANCE_SECRETS, target)
        self.redact = set()
        if not ctx.can(policies.GET_FILTER_THRESHOLD, target, fatal=False):
            for field, rule in (('last_error', policies.GET_LAST_ERROR),
                                ('reservation', policies.GET_RESERVATION),
                                ('driver_info', policies.GET_DRIVER_INFO)):
                if not ctx.can(rule, target, fatal=False):
                    self.redact.add((field, rule))


def _value(req, node, field, traits):
    if field == 'provision_state':
        return provision_state(req, node)
    if field in _TIMESTAMPS:
        return timestamp(getattr(node, field))
    if field == 'traits':
        return traits
    if field in node_fields.CONSTANTS:
        return node_fields.CONSTANTS[field]
    return getattr(node, field)


def render(req, node, fields, visibility, traits=None, whole=False):
    """The node body with ``fields``, links always (as in Ironic), and the
    sub-resource links when ``whole`` (no ?fields=).

    :param traits: the node's trait names, when ``fields`` has traits.
    """
    body = {field: _value(req, node, field, traits or [])
            for field in fields if node_fields.allowed(req, field)}
    body['links'] = _links(req, node.uuid)
    if whole:
        for name in node_fields.links(req):
            body[name] = _links(req, node.uuid, name)
    if 'driver_info' in body and not visibility.show_password:
        body['driver_info'] = mask(body['driver_info'])
    if 'instance_info' in body and not visibility.show_instance_secrets:
        body['instance_info'] = mask_instance_info(body['instance_info'])
    for field, rule in visibility.redact:
        if field in body:
            redacted = _REDACTED % rule
            body[field] = ({'content': redacted} if field == 'driver_info'
                           else redacted)
    return body


def mask_instance_info(info):
    """Ironic's masking of instance_info: secrets, and the config drive
    and image URL whole."""
    masked = mask(info)
    for key in ('configdrive', 'image_url'):
        if masked.get(key):
            masked[key] = MASK
    return masked
