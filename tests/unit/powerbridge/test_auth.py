"""The no-auth modes: identity comes from the token (or is fixed), never
from identity headers the client sent."""

from keystonemiddleware.auth_token import _request as ksm_request
import testscenarios
import testtools
import webob
import webob.dec

from powerbridge import auth

# Every header keystonemiddleware strips, each with a value that would
# make an admin (or another user) if it got through.
SPOOFED = {header: 'admin' for header in
           ksm_request._AuthTokenRequest({})._all_auth_headers()}
SPOOFED.update({'X-Identity-Status': 'Confirmed',
                'X-Is-Admin-Project': 'True',
                'OpenStack-System-Scope': 'all'})


@webob.dec.wsgify
def echo_identity(req):
    """The identity headers the application was given."""
    return webob.Response(json={
        name: req.headers[name] for name in auth.IDENTITY_HEADERS
        if name in req.headers})


def call(middleware, path='/', **headers):
    return webob.Request.blank(path, headers=headers).get_response(
        middleware)


class TestHeaderList(testtools.TestCase):

    def test_covers_every_header_keystonemiddleware_strips(self):
        # keystonemiddleware's list is private API: this fails when it
        # grows, instead of the no-auth modes silently trusting a header.
        self.assertEqual(set(), set(SPOOFED) - auth.IDENTITY_HEADERS)


class TestNoAuth2Token(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = [
        ('admin', dict(token='admin', user='admin', project='admin',
                       roles='admin,member,reader')),
        ('admin:admin', dict(token='admin:admin', user='admin',
                             project='admin', roles='admin,member,reader')),
        ('member', dict(token='alice:demo', user='alice', project='demo',
                        roles='member,reader')),
        ('user only', dict(token='alice', user='alice', project='alice',
                           roles='member,reader')),
        ('roles', dict(token='alice:demo:reader', user='alice',
                       project='demo', roles='reader')),
        ('several roles', dict(token='ironic:service:service, reader',
                               user='ironic', project='service',
                               roles='service,reader')),
        ('no roles', dict(token='carol:p1:', user='carol', project='p1',
                          roles='')),
        # Roles in the token are exactly those roles, even for admin.
        ('admin narrowed', dict(token='admin:admin:reader', user='admin',
                                project='admin', roles='reader')),
    ]

    def test_identity_is_the_token_s(self):
        seen = call(auth.NoAuth2Middleware(echo_identity),
                    **dict(SPOOFED, **{'X-Auth-Token': self.token})).json
        self.assertEqual({'X-User-Id': self.user,
                          'X-Project-Id': self.project,
                          'X-Roles': self.roles,
                          'X-Identity-Status': 'Confirmed'}, seen)


class TestNoAuth2(testtools.TestCase):

    def test_no_token_is_401_whatever_the_headers_say(self):
        response = call(auth.NoAuth2Middleware(echo_identity), **SPOOFED)
        self.assertEqual(401, response.status_int)

    def test_unauthenticated_paths_get_no_identity(self):
        app = auth.NoAuth2Middleware(echo_identity,
                                     unauthenticated_paths=['/'])
        self.assertEqual({}, call(app, **SPOOFED).json)


class TestNoAuth(testtools.TestCase):

    def test_the_one_noauth_identity_replaces_the_client_s(self):
        seen = call(auth.NoAuthMiddleware(echo_identity), **SPOOFED).json
        self.assertEqual({'X-User-Id': 'noauth', 'X-Project-Id': 'noauth',
                          'X-Roles': 'admin,member,reader',
                          'X-Identity-Status': 'Confirmed'}, seen)
