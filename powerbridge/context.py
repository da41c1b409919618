"""The request-context base: who is calling, and the database they act on.

Each half subclasses it with its own policy failure (Nova's 403 fault or
Ironic's) and its own policy values; what a context *is* stays here.
"""

from oslo_context import context
from oslo_db.sqlalchemy import enginefacade


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
