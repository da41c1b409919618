"""The request-context base: who is calling, and the database they act on.

Each half subclasses it with its own policy failure (Nova's 403 fault or
Ironic's) and its own policy values; what a context *is* stays here.
"""

from oslo_context import context
from oslo_db.sqlalchemy import enginefacade
import webob.dec


@enginefacade.transaction_context_provider
class RequestContext(context.RequestContext):
    """oslo.context's context plus a Database handle and policy checks."""

    def __init__(self, db=None, enforcer=None, **kwargs):
        super().__init__(**kwargs)
        self.db = db
        self.enforcer = enforcer

    def default_target(self):
        """The policy target when a caller passes none."""
        return {}

    def forbidden(self, action):
        """The exception a denied ``action`` raises; each service's own."""
        raise NotImplementedError()

    def can(self, action, target=None, fatal=True):
        """Check policy ``action``; raise ``forbidden(action)`` if denied."""
        if target is None:
            target = self.default_target()
        allowed = self.enforcer.authorize(action, target, self,
                                          do_raise=False)
        if not allowed and fatal:
            raise self.forbidden(action)
        return allowed

    def elevated(self):
        """A copy with the admin role, for internal bookkeeping."""
        return type(self)(db=self.db, enforcer=self.enforcer,
                          user_id=self.user_id, project_id=self.project_id,
                          roles=list(set(self.roles) | {'admin'}),
                          is_admin=True, request_id=self.request_id,
                          global_request_id=self.global_request_id)


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
