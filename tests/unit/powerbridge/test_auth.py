"""The no-auth modes: identity comes from the token (or is fixed), never
from identity headers the client sent."""

import socket
import time

from keystoneauth1 import loading as ks_loading
from keystonemiddleware.auth_token import _opts as ksm_opts
from keystonemiddleware.auth_token import _request as ksm_request
from oslo_config import cfg
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


class TestKeystoneUnreachable(testtools.TestCase):
    """keystonemiddleware against a Keystone that accepts connections and
    never answers: a 503 within its timeout, never an exception."""

    def test_a_hung_keystone_is_a_quick_503(self):
        listener = socket.socket()
        self.addCleanup(listener.close)
        listener.bind(('127.0.0.1', 0))
        listener.listen(8)  # accepted by the kernel, never answered
        url = 'http://127.0.0.1:%d/v3' % listener.getsockname()[1]
        conf = cfg.ConfigOpts()
        conf([], default_config_files=[])
        conf.register_opts(ksm_opts._OPTS, group='keystone_authtoken')
        ks_loading.register_auth_conf_options(conf, 'keystone_authtoken')
        conf.set_override('auth_type', 'password', 'keystone_authtoken')
        conf.register_opts(ks_loading.get_auth_plugin_conf_options(
            'password'), group='keystone_authtoken')
        for name, value in (('auth_url', url), ('username', 'nova'),
                            ('password', 'secret'),
                            ('user_domain_name', 'Default'),
                            ('project_name', 'service'),
                            ('project_domain_name', 'Default'),
                            ('www_authenticate_uri', url),
                            ('http_connect_timeout', 1),
                            ('http_request_max_retries', 0)):
            conf.set_override(name, value, 'keystone_authtoken')
        middleware = auth.auth_middleware('keystone', conf)(echo_identity)
        started = time.monotonic()
        response = call(middleware, '/v2.1/servers',
                        **{'X-Auth-Token': 'a-token'})
        self.assertEqual(503, response.status_int)
        self.assertLess(time.monotonic() - started, 10)
        self.assertNotIn('a-token', response.text)
