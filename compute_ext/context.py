"""Request context of the Compute API: Nova's policy failure."""

from compute_ext import exception
from powerbridge import context

# Where the middleware leaves the context and the application's state
# (conf, servicegroup) for the handlers.
CONTEXT_KEY = 'compute.context'
STATE_KEY = 'compute.state'


class RequestContext(context.RequestContext):
    """The shared context; a denied rule is Nova's 403 fault.

    Nova checks its service APIs with an empty target: the caller's
    project need not match anything.
    """

    @classmethod
    def from_environ(cls, environ, **kwargs):
        ctx = super().from_environ(environ, **kwargs)
        # As Nova's context_is_admin rule: the admin role makes an admin
        # context, which sees every project's servers.
        ctx.is_admin = 'admin' in ctx.roles
        return ctx

    def forbidden(self, action):
        return exception.PolicyNotAuthorized(action=action)


def admin_context(db, enforcer=None):
    """A context for agents and manage commands acting on their own."""
    return RequestContext(db=db, enforcer=enforcer, is_admin=True,
                          roles=['admin'], overwrite=False)


def of_request(req):
    """The RequestContext the context middleware built for ``req``."""
    return req.environ[CONTEXT_KEY]


def app_state(req):
    """The application's state: ``conf`` and ``servicegroup``."""
    return req.environ[STATE_KEY]
