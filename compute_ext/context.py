"""Request context: who is calling, and the database they act on."""

from oslo_context import context
from oslo_db.sqlalchemy import enginefacade

from compute_ext import exception


@enginefacade.transaction_context_provider
class RequestContext(context.RequestContext):
    """oslo.context's context plus a Database handle and policy checks."""

    def __init__(self, db=None, enforcer=None, **kwargs):
        super().__init__(**kwargs)
        self.db = db
        self.enforcer = enforcer

    def can(self, action, target=None, fatal=True):
        """Check policy ``action``; raise PolicyNotAuthorized when denied.

        Nova checks its service APIs with an empty target: the caller's
        project need not match anything.
        """
        target = {} if target is None else target
        allowed = self.enforcer.authorize(
            action, target, self, do_raise=False)
        if not allowed and fatal:
            raise exception.PolicyNotAuthorized(action=action)
        return allowed

    def elevated(self):
        """A copy with the admin role, for internal bookkeeping."""
        ctx = RequestContext(db=self.db, enforcer=self.enforcer,
                             user_id=self.user_id,
                             project_id=self.project_id,
                             roles=list(set(self.roles) | {'admin'}),
                             is_admin=True, request_id=self.request_id,
                             global_request_id=self.global_request_id)
        return ctx


def admin_context(db, enforcer=None):
    """A context for agents and manage commands acting on their own."""
    return RequestContext(db=db, enforcer=enforcer, is_admin=True,
                          roles=['admin'], overwrite=False)
