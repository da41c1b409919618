"""Request context of the Compute API: Nova's policy failure."""

from compute_ext import exception
from powerbridge import context


class RequestContext(context.RequestContext):
    """The shared context; a denied rule is Nova's 403 fault.

    Nova checks its service APIs with an empty target: the caller's
    project need not match anything.
    """

    def forbidden(self, action):
        return exception.PolicyNotAuthorized(action=action)


def admin_context(db, enforcer=None):
    """A context for agents and manage commands acting on their own."""
    return RequestContext(db=db, enforcer=enforcer, is_admin=True,
                          roles=['admin'], overwrite=False)
