"""Assemble the Bare Metal API WSGI application: an explicit middleware tuple.

Order, outermost first, and why:

1. FaultWrapper: every error response gets Ironic's body, whoever built
   it, and nothing ends in a traceback.
2. VersionMiddleware: Ironic's version headers on every response (401s and
   413s included); 400/406 for bad versions under /v1.
3. RequestBodySizeLimiter: refuse oversized bodies before anyone reads them.
4. auth (keystonemiddleware, or Ironic's noauth): who is calling; version
   discovery passes through unauthenticated, as in Ironic.
5. ContextMiddleware: the RequestContext with the database and policy.
6. BaremetalHandler: the route table.
"""

import re
import types
import uuid

import webob.dec

from baremetal_notifier import context
from baremetal_notifier import fault_wrap
from baremetal_notifier import handler
from baremetal_notifier import microversion
from baremetal_notifier import wsgi_wrapper
from powerbridge import auth
from powerbridge import sizelimit

REQUEST_ID_HEADER = 'X-OpenStack-Request-Id'
_GLOBAL_ID_RE = re.compile(r'^req-[a-f0-9]{8}(-[a-f0-9]{4}){3}-[a-f0-9]{12}$')


class VersionMiddleware:
    """Ironic's version negotiation for /v1, headers everywhere."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        version = None
        try:
            version = microversion.parse(req.headers)
        except microversion.VersionError as exc:
            if handler.is_versioned(req.path_info):
                return wsgi_wrapper.error_response(
                    exc.code, exc.message, microversion.headers())
        if handler.is_versioned(req.path_info):
            req.environ[microversion.ENVIRON_KEY] = version
        response = req.get_response(self.application)
        response.headers.update(microversion.headers(version))
        return response


class ContextMiddleware:
    """The RequestContext, from the identity headers auth left."""

    def __init__(self, application, db, enforcer, state):
        self.application = application
        self.db = db
        self.enforcer = enforcer
        self.state = state

    @webob.dec.wsgify
    def __call__(self, req):
        request_id = 'req-%s' % uuid.uuid4()
        req.environ[context.STATE_KEY] = self.state
        if req.path_info not in handler.UNAUTHENTICATED_PATHS:
            global_id = req.headers.get(REQUEST_ID_HEADER)
            # oslo.context reads X-Roles, X-Project-*, OpenStack-System-Scope
            # and the rest of keystonemiddleware's headers.
            ctx = context.RequestContext.from_environ(
                req.environ, db=self.db, enforcer=self.enforcer,
                request_id=request_id,
                global_request_id=(global_id if global_id and
                                   _GLOBAL_ID_RE.match(global_id) else None))
            req.environ[context.CONTEXT_KEY] = ctx
        response = req.get_response(self.application)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response


def deploy(conf, db, enforcer, conductor=None, auth_middleware=None):
    """Wrap the route table in the middleware tuple.

    :param conductor: the in-process conductor power actions go to; without
        one they answer 503.
    :param auth_middleware: an ``app -> app`` factory replacing the one
        ``[api] auth_strategy`` names (tests that play keystonemiddleware).
    """
    if auth_middleware is None:
        auth_middleware = auth.auth_middleware(
            conf.api.auth_strategy, conf,
            unauthenticated_paths=handler.UNAUTHENTICATED_PATHS)
    state = types.SimpleNamespace(conf=conf, conductor=conductor)
    middleware = (
        fault_wrap.FaultWrapper,
        VersionMiddleware,
        lambda app: sizelimit.RequestBodySizeLimiter(
            app, conf.api.max_request_body_size),
        auth_middleware,
        lambda app: ContextMiddleware(app, db, enforcer, state),
    )
    application = handler.BaremetalHandler()
    for wrap in reversed(middleware):
        application = wrap(application)
    return application

