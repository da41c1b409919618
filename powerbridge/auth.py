"""Authentication middleware: keystonemiddleware, or the test-only no-auth
modes of Nova (noauth2) and Ironic (noauth)."""

from keystonemiddleware import auth_token
from oslo_log import log as logging
import webob.dec
import webob.exc

LOG = logging.getLogger(__name__)


class _Middleware:
    def __init__(self, application):
        self.application = application


class NoAuth2Middleware(_Middleware):
    """Nova's noauth2: the token is ``user:project``; user ``admin`` is admin.

    keystonemiddleware would put identity headers on the request; this does
    the same from the token so the context middleware cannot tell them
    apart.  An explicit X-Roles header (what keystonemiddleware sets) may
    narrow the roles, which lets tests act as reader-only or service users.
    """

    def __init__(self, application, unauthenticated_paths=()):
        super().__init__(application)
        self.unauthenticated_paths = frozenset(unauthenticated_paths)

    @webob.dec.wsgify
    def __call__(self, req):
        if req.path_info in self.unauthenticated_paths:
            return self.application
        token = req.headers.get('X-Auth-Token')
        if not token:
            return webob.exc.HTTPUnauthorized(
                'The request you have made requires authentication.')
        user_id, _sep, project_id = token.partition(':')
        project_id = project_id or user_id
        roles = req.headers.get('X-Roles')
        if not roles:
            # Keystone flattens implied roles: admin implies member, reader.
            roles = ('admin,member,reader' if user_id == 'admin'
                     else 'member,reader')
        req.headers['X-User-Id'] = user_id
        req.headers['X-Project-Id'] = project_id
        req.headers['X-Roles'] = roles
        req.headers['X-Identity-Status'] = 'Confirmed'
        return self.application


class NoAuthMiddleware(_Middleware):
    """Ironic's noauth: every request is an admin request."""

    @webob.dec.wsgify
    def __call__(self, req):
        req.headers['X-User-Id'] = 'noauth'
        req.headers['X-Project-Id'] = 'noauth'
        req.headers['X-Roles'] = 'admin,member,reader'
        req.headers['X-Identity-Status'] = 'Confirmed'
        return self.application


class KeystoneAuth(_Middleware):
    """keystonemiddleware's auth_token, skipping version discovery paths."""

    def __init__(self, application, conf, unauthenticated_paths=()):
        super().__init__(application)
        self.unauthenticated_paths = frozenset(unauthenticated_paths)
        self.protected = auth_token.AuthProtocol(
            application, {'oslo_config_config': conf})

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO', '') in self.unauthenticated_paths:
            return self.application(environ, start_response)
        return self.protected(environ, start_response)


def auth_middleware(strategy, conf, unauthenticated_paths=()):
    """Return a factory ``app -> app`` for the configured strategy."""
    if strategy == 'keystone':
        return lambda app: KeystoneAuth(app, conf, unauthenticated_paths)
    if strategy == 'noauth2':
        return lambda app: NoAuth2Middleware(app, unauthenticated_paths)
    if strategy == 'noauth':
        return NoAuthMiddleware
    raise ValueError('unknown auth_strategy %r' % strategy)
