"""Request context of the Compute API: Nova's policy failure."""

import json

import webob.exc

from compute_ext import exception
from compute_ext import wsgi_wrapper
from powerbridge import context
from powerbridge import validation

# The width of the user_id and project_id columns (instance actions).
MAX_ID_LENGTH = 255

# Where the middleware leaves the context and the application's state
# (conf, servicegroup) for the handlers.
CONTEXT_KEY = 'compute.context'
STATE_KEY = 'compute.state'


def _bad_request(message):
    # Raised in the context middleware, outside any handler: an
    # HTTPException carrying Nova's fault body itself.
    error = webob.exc.HTTPBadRequest(content_type='application/json')
    error.body = json.dumps(wsgi_wrapper.fault_body(400, message)).encode()
    return error


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
        # Keystone's ids are 64 characters at most; noauth2 takes any
        # token, and an id the database cannot store would fail the
        # request half-way, after the server's state changed.
        for value in (ctx.user_id, ctx.project_id):
            if value is None:
                continue
            try:
                validation.check_text(value, 'User and project ids')
                if len(value) > MAX_ID_LENGTH:
                    raise validation.ValidationError(
                        'User and project ids must be at most %d '
                        'characters' % MAX_ID_LENGTH)
            except validation.ValidationError as exc:
                raise _bad_request(str(exc)) from None
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
    """The application's state: ``conf``, ``servicegroup``, ``metrics``."""
    return req.environ[STATE_KEY]
