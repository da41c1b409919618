"""Authentication middleware: keystonemiddleware, or the test-only no-auth
modes of Nova (noauth2) and Ironic (noauth)."""

from keystoneauth1 import exceptions as ks_exc
from keystonemiddleware import auth_token
from oslo_log import log as logging
import webob.dec
import webob.exc

LOG = logging.getLogger(__name__)


# The identity headers keystonemiddleware removes from every request
# before it validates the token (auth_token._request's
# _all_auth_headers): user and service identity, roles, status, catalog,
# and the deprecated aliases oslo.context still reads. Both no-auth modes
# strip the same, plus the system scope header keystonemiddleware always
# rewrites from the token, so a client cannot claim an identity the token
# does not carry.
_IDENTITY_FIELDS = ('Domain-Id', 'Domain-Name', 'Project-Id', 'Project-Name',
                    'Project-Domain-Id', 'Project-Domain-Name', 'User-Id',
                    'User-Name', 'User-Domain-Id', 'User-Domain-Name',
                    'Roles')
IDENTITY_HEADERS = frozenset(
    ['X-Service-Catalog', 'X-Identity-Status', 'X-Service-Identity-Status',
     'X-Is-Admin-Project', 'OpenStack-System-Scope',
     'X-Role', 'X-User', 'X-Tenant-Id', 'X-Tenant-Name', 'X-Tenant'] +
    ['X%s-%s' % (prefix, field) for prefix in ('', '-Service')
     for field in _IDENTITY_FIELDS])


def remove_identity_headers(req):
    for header in IDENTITY_HEADERS:
        req.headers.pop(header, None)


class _Middleware:
    def __init__(self, application):
        self.application = application


class NoAuth2Middleware(_Middleware):
    """Nova's noauth2: the token is ``user:project``; user ``admin`` is admin.

    keystonemiddleware would put identity headers on the request; this does
    the same from the token, after removing any the client sent, so the
    context middleware cannot tell them apart and nothing but the token
    decides who the caller is.

    Test-only extension: a third part, ``user:project:role1,role2``, gives
    exactly those roles (e.g. ``alice:demo:reader``, ``ironic:service:
    service``), so tests can act as reader-only or service users. It grants
    nothing noauth2 does not already: anyone may send ``admin:admin``.
    """

    def __init__(self, application, unauthenticated_paths=()):
        super().__init__(application)
        self.unauthenticated_paths = frozenset(unauthenticated_paths)

    @webob.dec.wsgify
    def __call__(self, req):
        remove_identity_headers(req)
        if req.path_info in self.unauthenticated_paths:
            return self.application
        token = req.headers.get('X-Auth-Token')
        if not token:
            return webob.exc.HTTPUnauthorized(
                'The request you have made requires authentication.')
        parts = token.split(':', 2)
        user_id = parts[0]
        project_id = parts[1] if len(parts) > 1 and parts[1] else user_id
        if len(parts) == 3:
            roles = ','.join(r.strip() for r in parts[2].split(',')
                             if r.strip())
        elif user_id == 'admin':
            # Keystone flattens implied roles: admin implies member, reader.
            roles = 'admin,member,reader'
        else:
            roles = 'member,reader'
        req.headers['X-User-Id'] = user_id
        req.headers['X-Project-Id'] = project_id
        req.headers['X-Roles'] = roles
        req.headers['X-Identity-Status'] = 'Confirmed'
        return self.application


class NoAuthMiddleware(_Middleware):
    """Ironic's noauth: every request is an admin request.

    Identity headers the client sent are replaced, as keystonemiddleware
    would, so logs and the context show the one noauth identity.
    """

    @webob.dec.wsgify
    def __call__(self, req):
        remove_identity_headers(req)
        req.headers['X-User-Id'] = 'noauth'
        req.headers['X-Project-Id'] = 'noauth'
        req.headers['X-Roles'] = 'admin,member,reader'
        req.headers['X-Identity-Status'] = 'Confirmed'
        return self.application


# keystoneauth's failures to reach Keystone at all (refused, timed out,
# no version document).
KEYSTONE_UNREACHABLE = (ks_exc.ConnectionError, ks_exc.RequestTimeout,
                        ks_exc.DiscoveryFailure)


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
        try:
            return self.protected(environ, start_response)
        except KEYSTONE_UNREACHABLE as exc:
            # auth_token turns a refused validation into its own 503, but
            # a timeout while it authenticates its service user escapes
            # it; either way the caller is told to come back, at once.
            LOG.warning('Keystone did not answer while authenticating a '
                        'request: %s', type(exc).__name__)
            return webob.exc.HTTPServiceUnavailable(
                'The Keystone service is temporarily unavailable.')(
                    environ, start_response)


def auth_middleware(strategy, conf, unauthenticated_paths=()):
    """Return a factory ``app -> app`` for the configured strategy."""
    if strategy == 'keystone':
        return lambda app: KeystoneAuth(app, conf, unauthenticated_paths)
    if strategy == 'noauth2':
        return lambda app: NoAuth2Middleware(app, unauthenticated_paths)
    if strategy == 'noauth':
        return NoAuthMiddleware
    raise ValueError('unknown auth_strategy %r' % strategy)
