"""Build a WSGI application from a route table and a middleware tuple.

Each API names its middleware, outermost first, in its own deploy.py and
says there why that order; the pieces both use are built here. Where
oslo.middleware already does the job (request ids, proxy headers, the
body size limit) it is used as it is.
"""

from oslo_config import cfg
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import request_id
from oslo_middleware import sizelimit
import webob.dec


def wrap(application, middleware):
    """``application`` inside ``middleware``: ``app -> app`` factories,
    outermost first."""
    for factory in reversed(middleware):
        application = factory(application)
    return application


def proxy_headers(conf):
    """HTTPProxyToWSGI: the scheme and host a TLS-terminating proxy saw,
    for the links in responses. Off unless ``[oslo_middleware]
    enable_proxy_headers_parsing`` is set."""
    return lambda app: http_proxy_to_wsgi.HTTPProxyToWSGI(app, conf)


def request_ids(conf, compat_headers=()):
    """oslo.middleware's RequestId: a ``req-<uuid>`` for every request,
    echoed in ``x-openstack-request-id`` and ``compat_headers``, and a
    well-formed inbound ``X-OpenStack-Request-ID`` kept as the global one.
    oslo.context's ``from_environ`` reads both."""

    def factory(app):
        middleware = request_id.RequestId(app, conf)
        # An instance attribute: the class attribute is shared.
        middleware.compat_headers = list(compat_headers)
        return middleware
    return factory


def body_size_limit(max_size):
    """oslo.middleware's RequestBodySizeLimiter at ``max_size`` bytes.

    A declared length over the limit is refused at once; a chunked body
    is read through a LimitingReader that raises a 413 as soon as the
    reader (a handler's JSON decoding) passes the limit. The service's
    FaultWrapper and handler decorator give either its own error body.
    """
    # The limiter reads its limit from [oslo_middleware]; a ConfigOpts of
    # its own keeps the operator's option where it is, [api].
    limits = cfg.ConfigOpts()

    def factory(app):
        limiter = sizelimit.RequestBodySizeLimiter(app, limits)
        limits.set_override('max_request_body_size', max_size,
                            group='oslo_middleware')
        return limiter
    return factory


def url_check(error_response):
    """400 for a path no handler can read: percent-escapes that are not
    UTF-8 (``/v1/nodes/%ff``) or a NUL byte.

    WSGI hands the path over as latin-1; webob decodes it as UTF-8 each
    time ``req.path_info`` is read, so the check runs once, before the
    middleware below (auth, context) and the router read it.
    """

    def factory(app):
        def check(environ, start_response):
            raw = environ.get('PATH_INFO', '')
            try:
                path = raw.encode('latin-1').decode('utf-8')
            except UnicodeError:
                path = None
            if path is None or '\x00' in path:
                response = error_response(
                    400, 'The request URL is not valid UTF-8 text.', None)
                return response(environ, start_response)
            return app(environ, start_response)
        return check
    return factory


class ContextMiddleware:
    """Leave the application state and a RequestContext in the environ.

    The context comes from ``context_class.from_environ``: oslo.context
    reads the identity headers keystonemiddleware (or a no-auth mode) set
    and the request ids oslo.middleware's RequestId left.

    :param keys: ``(context key, state key)`` in the WSGI environ.
    :param state: what handlers read through the state key (conf, ...).
    :param skip_paths: paths served without authentication: no context.
    """

    def __init__(self, application, context_class, keys, state, db,
                 enforcer, skip_paths=()):
        self.application = application
        self.context_class = context_class
        self.context_key, self.state_key = keys
        self.state = state
        self.db = db
        self.enforcer = enforcer
        self.skip_paths = frozenset(skip_paths)

    @webob.dec.wsgify
    def __call__(self, req):
        req.environ[self.state_key] = self.state
        if req.path_info not in self.skip_paths:
            req.environ[self.context_key] = self.context_class.from_environ(
                req.environ, db=self.db, enforcer=self.enforcer)
        return self.application
