"""Nova-shaped error bodies and the decorator every handler wears."""

from powerbridge import validation
from powerbridge import wsgi_wrapper

# Nova's Fault._fault_names; any other status uses computeFault.
FAULT_NAMES = {
    400: 'badRequest',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'itemNotFound',
    405: 'badMethod',
    409: 'conflictingRequest',
    413: 'overLimit',
    415: 'badMediaType',
    429: 'overLimit',
    501: 'notImplemented',
    503: 'serviceUnavailable',
}

# What Nova accepts as a JSON request body; no Content-Type, an empty one
# and text/plain (what some HTTP libraries send by default) mean JSON too.
JSON_CONTENT_TYPES = (wsgi_wrapper.JSON,
                      'application/vnd.openstack.compute+json')
_BODY_KEY = 'compute.json_body'
# Set by the /v2 routes: the request is served in legacy v2 mode.
LEGACY_V2_KEY = 'compute.legacy_v2'
http_error_message = wsgi_wrapper.http_error_message


def fault_body(code, message):
    """Nova's error body: ``{"<faultName>": {"code", "message"}}``."""
    return {FAULT_NAMES.get(code, 'computeFault'):
            {'code': code, 'message': message}}


def is_fault(body):
    """True when a decoded body already is in Nova's shape.

    webob builds its own JSON error body when the client sends
    ``Accept: application/json`` (as the openstack CLI does), so the
    content type alone does not tell a Nova fault from webob's.
    """
    if not isinstance(body, dict) or len(body) != 1:
        return False
    (inner,) = body.values()
    return isinstance(inner, dict) and {'code', 'message'} <= set(inner)


def fault_response(code, message, headers=None):
    """A webob Response carrying Nova's error body."""
    # Nova's Fault sets the charset; its successful answers have none.
    return wsgi_wrapper.respond(code, fault_body(code, message), headers,
                                content_type=wsgi_wrapper.JSON_UTF8)


def json_response(body, status=200):
    return wsgi_wrapper.respond(status, body,
                                content_type=wsgi_wrapper.JSON)


def empty_response(status):
    return wsgi_wrapper.respond(status)


class ComputeWsgify(wsgi_wrapper.JsonErrorWsgify):
    """wsgify that turns known errors into Nova's fault bodies."""

    error_response = staticmethod(fault_response)


def json_body(req):
    """The decoded JSON body, decoded once per request (the resource
    layer decodes it before the handler reads it)."""
    if _BODY_KEY not in req.environ:
        req.environ[_BODY_KEY] = validation.load_json_body(req)
    return req.environ[_BODY_KEY]


def _drop_unknown_keys(schema, document):
    """Nova's legacy v2 leniency: at each object level whose schema allows
    no other keys, keys the schema does not name are dropped rather than
    refused (unless no key is known: Nova leaves those for the schema)."""
    stack = [(schema, document)]
    while stack:
        schema, value = stack.pop()
        if isinstance(value, dict) and isinstance(schema, dict):
            known = schema.get('properties', {})
            unknown = [key for key in value if key not in known]
            if (schema.get('additionalProperties') is False and unknown
                    and len(unknown) < len(value)):
                for key in unknown:
                    del value[key]
            stack.extend((known[key], value[key])
                         for key in value if key in known)
        elif isinstance(value, list) and isinstance(schema, dict):
            items = schema.get('items')
            stack.extend((items, item) for item in value)


def read_json_body(req, schema):
    """The body, validated against ``schema`` (leniently on /v2)."""
    body = json_body(req)
    if req.environ.get(LEGACY_V2_KEY):
        _drop_unknown_keys(schema, body)
    validation.validate(schema, body)
    return body
