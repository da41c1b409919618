"""What Nova does for a request once its route matched, before the handler.

Nova's router (routes with the method as a condition) only finds a
controller; its ``wsgi.Resource`` then, in this order: negotiates the
microversion (400 malformed, 406 out of range), refuses a request body
type other than JSON (415; no Content-Type, an empty one and
``text/plain`` all mean JSON), decodes a POST/PUT body (400 "Malformed
request body"), compares a project id in the URL with the caller's (400
"Malformed request URL"), and calls the controller. Every response of a
negotiated version, faults included, carries the version headers and a
``Vary`` line for each. Doing these steps here, per route, and not in a
middleware, gives Nova's answers to the mixed cases: an unknown route is
a 404 whatever its version header says, and a 406 names the version that
was asked for.

The legacy ``/v2`` endpoints are the same routes in Nova's
legacy-v2-compatible mode: the version headers of the request are
ignored (so every request is 2.1) and none goes out on the response;
request bodies lose keys their schema does not know instead of being
refused for them.
"""

import webob.dec
import webob.exc

from compute_ext import context
from compute_ext import microversion
from compute_ext import wsgi_wrapper
from powerbridge import validation

LEGACY_V2_KEY = wsgi_wrapper.LEGACY_V2_KEY
_LEGACY_HEADERS = (microversion.HEADER, microversion.LEGACY_HEADER)
_METHODS_WITH_BODY = ('POST', 'PUT')


def version_headers(text):
    """Nova's version headers for version ``text`` (``'2.53'``): the two
    headers and one ``Vary`` line for each, as a header list."""
    return [(microversion.HEADER, '%s %s' % (microversion.SERVICE_TYPE,
                                             text)),
            (microversion.LEGACY_HEADER, text),
            ('Vary', microversion.HEADER),
            ('Vary', microversion.LEGACY_HEADER)]


def _add_headers(response, headers):
    for name, value in headers:
        if name == 'Vary':
            response.headers.add(name, value)
        else:
            response.headers[name] = value
    return response


def _fault(code, message, headers=()):
    return _add_headers(wsgi_wrapper.fault_response(code, message), headers)


def _bad_content_type(req):
    """Nova's get_content_type: True when the body type is refused."""
    if 'Content-Type' not in req.headers:
        return False
    content_type = req.content_type
    if not content_type or content_type == 'text/plain':
        return False
    return content_type not in wsgi_wrapper.JSON_CONTENT_TYPES


class Resource:
    """One route's handler behind Nova's per-request steps.

    :param handler: the handler function (a ComputeWsgify).
    :param versioned: under microversion control (everything but the
        root version list).
    :param legacy: served in legacy v2 mode (the /v2 routes).
    :param peek: called with the request after the body decoded and
        before the project id check, may raise a ValidationError or a
        webob HTTP error: Nova finds an action's method (and refuses an
        unknown action) at that point.
    """

    def __init__(self, handler, versioned=True, legacy=False, peek=None):
        self.handler = handler
        self.versioned = versioned
        self.legacy = legacy
        self.peek = peek

    @webob.dec.wsgify
    def __call__(self, req):
        headers = ()
        if self.legacy:
            req.environ[LEGACY_V2_KEY] = True
            for name in _LEGACY_HEADERS:
                req.headers.pop(name, None)
        if self.versioned:
            try:
                version = microversion.parse(req.headers)
            except microversion.VersionError as exc:
                if exc.code != 406:
                    return _fault(exc.code, exc.message)
                # Nova set the version before it found it out of range.
                return _fault(exc.code, exc.message,
                              version_headers(microversion.requested(
                                  req.headers)))
            req.environ[microversion.ENVIRON_KEY] = version
            if not self.legacy:
                headers = version_headers(
                    '%d.%d' % (version.major, version.minor))
        response = self._process(req)
        return _add_headers(response, headers)

    def _process(self, req):
        if _bad_content_type(req):
            return _fault(415, 'Unsupported Content-Type')
        if req.method in _METHODS_WITH_BODY and req.content_length:
            try:
                wsgi_wrapper.json_body(req)
            except validation.ValidationError as exc:
                return _fault(400, str(exc))
        if self.peek is not None:
            try:
                self.peek(req)
            except validation.ValidationError as exc:
                return _fault(400, str(exc))
            except webob.exc.HTTPException as exc:
                return _fault(exc.code, wsgi_wrapper.http_error_message(exc))
        args = req.environ.get('wsgiorg.routing_args', ((), {}))[1]
        project_id = args.pop('project_id', None)
        ctx = req.environ.get(context.CONTEXT_KEY)
        if ctx is not None and project_id and project_id != ctx.project_id:
            return _fault(400, "Malformed request URL: URL's project_id "
                               "'%s' doesn't match Context's project_id "
                               "'%s'" % (project_id, ctx.project_id))
        return req.get_response(self.handler)
