"""Assemble the Compute API WSGI application: an explicit middleware tuple.

Order, outermost first, and why:

1. FaultWrapper: nothing below may end in a traceback, and error responses
   built by other middleware get Nova's body.
2. RequestBodySizeLimiter: refuse oversized bodies before anyone reads them.
3. auth (keystonemiddleware or noauth2): who is calling; version discovery
   paths pass through unauthenticated, as in Nova.
4. ContextMiddleware: the RequestContext with the database and policy.
5. MicroversionMiddleware: parse the version, 400/406 on bad ones, and echo
   the version headers on every response, faults included.
6. ComputeHandler: the route table.
"""

import types
import uuid

from oslo_log import log as logging
import webob.dec

from powerbridge import auth
from powerbridge import sizelimit
from compute_ext import context
from compute_ext import fault_wrap
from compute_ext import handler
from compute_ext import microversion
from compute_ext import servicegroup
from compute_ext import wsgi_wrapper

LOG = logging.getLogger(__name__)
CONTEXT_KEY = 'compute.context'
STATE_KEY = 'compute.state'


class ContextMiddleware:
    """Build the RequestContext from the identity headers auth left."""

    def __init__(self, application, db, enforcer, state):
        self.application = application
        self.db = db
        self.enforcer = enforcer
        self.state = state

    @webob.dec.wsgify
    def __call__(self, req):
        request_id = 'req-' + str(uuid.uuid4())
        req.environ[STATE_KEY] = self.state
        if req.path_info not in handler.UNAUTHENTICATED_PATHS:
            roles = [r.strip() for r in
                     req.headers.get('X-Roles', '').split(',') if r.strip()]
            req.environ[CONTEXT_KEY] = context.RequestContext(
                db=self.db, enforcer=self.enforcer,
                user_id=req.headers.get('X-User-Id'),
                project_id=req.headers.get('X-Project-Id'),
                roles=roles, request_id=request_id,
                global_request_id=req.headers.get('X-OpenStack-Request-ID'),
                is_admin='admin' in roles)
        response = req.get_response(self.application)
        response.headers['x-openstack-request-id'] = request_id
        response.headers['x-compute-request-id'] = request_id
        return response


class MicroversionMiddleware:
    """Nova's microversion contract for everything under /v2.1."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        if req.path_info in handler.UNAUTHENTICATED_PATHS:
            return self.application
        try:
            version = microversion.parse(req.headers)
        except microversion.VersionError as exc:
            return wsgi_wrapper.fault_response(exc.code, exc.message)
        req.environ[microversion.ENVIRON_KEY] = version
        response = req.get_response(self.application)
        microversion.add_headers(response, version)
        return response


def deploy(conf, db, enforcer):
    """Wrap the route table in the middleware tuple, innermost last."""
    auth_factory = auth.auth_middleware(
        conf.api.auth_strategy, conf,
        unauthenticated_paths=handler.UNAUTHENTICATED_PATHS)
    state = types.SimpleNamespace(conf=conf,
                                  servicegroup=servicegroup.ServiceGroup(conf))
    middleware = (
        fault_wrap.FaultWrapper,
        lambda app: sizelimit.RequestBodySizeLimiter(
            app, conf.api.max_request_body_size),
        auth_factory,
        lambda app: ContextMiddleware(app, db, enforcer, state),
        MicroversionMiddleware,
    )
    application = handler.ComputeHandler()
    for wrap in reversed(middleware):
        application = wrap(application)
    return application


def get_context(req):
    return req.environ[CONTEXT_KEY]


def get_state(req):
    """Per-application state: conf and servicegroup."""
    return req.environ[STATE_KEY]
