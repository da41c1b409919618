"""The shared middleware and handler plumbing, assembled as an API would.

A made-up service with its own error shape runs through the real pieces:
oslo.middleware's request ids and body limit, the FaultWrapper, the
context middleware and the handler decorator.
"""

import io

from oslo_config import cfg
import fixtures
import testtools
import webob
import webob.dec
import webob.exc

from powerbridge import context
from powerbridge import deploy
from powerbridge import exception
from powerbridge import fault_wrap
from powerbridge import wsgi_wrapper

LIMIT = 64
SCHEMA = {'type': 'object', 'required': ['name'],
          'properties': {'name': {'type': 'string'}}}


def oops(code, message, headers=None):
    return wsgi_wrapper.respond(code, {'oops': message, 'status': code},
                                headers)


def is_oops(body):
    return isinstance(body, dict) and 'oops' in body


class Wsgify(wsgi_wrapper.JsonErrorWsgify):
    error_response = staticmethod(oops)


class Gone(exception.ServiceError):
    msg_fmt = 'Thing %(thing)s is gone.'
    code = 410


class Context(context.RequestContext):
    def forbidden(self, action):
        return exception.ServiceError('no %s' % action)


@Wsgify
def handle(req):
    """Behave as the path says."""
    if req.path_info == '/crash':
        raise RuntimeError('secret 1234')
    if req.path_info == '/gone':
        raise Gone(thing='x')
    if req.path_info == '/refuse':
        raise webob.exc.HTTPMethodNotAllowed(headers={'Allow': 'GET'})
    if req.path_info == '/body':
        body = wsgi_wrapper.read_json_body(req, SCHEMA)
        return wsgi_wrapper.respond(201, body)
    if req.path_info == '/empty':
        return wsgi_wrapper.respond(204)
    ctx = req.environ.get('test.context')
    return wsgi_wrapper.respond(200, {
        'state': req.environ['test.state'],
        'user': ctx and ctx.user_id, 'roles': ctx and ctx.roles,
        'request_id': ctx and ctx.request_id,
        'global_request_id': ctx and ctx.global_request_id})


@webob.dec.wsgify
def unauthorized(req):
    if req.path_info == '/deny':
        return webob.exc.HTTPUnauthorized(
            headers={'WWW-Authenticate': 'Keystone uri="x"'})
    return req.get_response(unauthorized.app)


class TestAssembled(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(
            name='powerbridge.fault_wrap'))
        conf = cfg.ConfigOpts()
        conf([], default_config_files=[])

        def deny(app):
            unauthorized.app = app
            return unauthorized

        self.app = deploy.wrap(handle, (
            deploy.proxy_headers(conf),
            deploy.request_ids(conf, ['x-test-request-id']),
            lambda app: fault_wrap.FaultWrapper(app, oops, is_oops, 'oh no'),
            deploy.body_size_limit(LIMIT),
            deny,
            lambda app: deploy.ContextMiddleware(
                app, Context, ('test.context', 'test.state'), 'S', None,
                None, skip_paths=['/public']),
        ))

    def request(self, path, method='GET', body=None, chunked=False,
                **headers):
        req = webob.Request.blank(path, method=method, headers=headers)
        if body is not None:
            req.body_file_raw = io.BytesIO(body)
            if chunked:
                req.environ.pop('CONTENT_LENGTH', None)
                req.environ['wsgi.input_terminated'] = True
            else:
                req.content_length = len(body)
        return req.get_response(self.app)

    def test_context_from_the_identity_headers(self):
        response = self.request('/', **{
            'X-User-Id': 'u1', 'X-Roles': 'reader, member',
            'X-OpenStack-Request-ID':
                'req-12345678-1234-1234-1234-123456789012'})
        body = response.json_body
        self.assertEqual('S', body['state'])
        self.assertEqual('u1', body['user'])
        self.assertEqual(['reader', 'member'], body['roles'])
        # One id for the context and both response headers.
        self.assertEqual(body['request_id'],
                         response.headers['x-openstack-request-id'])
        self.assertEqual(body['request_id'],
                         response.headers['x-test-request-id'])
        self.assertEqual('req-12345678-1234-1234-1234-123456789012',
                         body['global_request_id'])

    def test_malformed_global_request_id_is_dropped(self):
        body = self.request('/', **{'X-OpenStack-Request-ID': 'evil'})
        self.assertIsNone(body.json_body['global_request_id'])

    def test_no_context_on_public_paths(self):
        self.assertIsNone(self.request('/public').json_body['user'])

    def test_handler_errors_in_the_services_shape(self):
        self.assertEqual({'oops': 'Thing x is gone.', 'status': 410},
                         self.request('/gone').json_body)
        refused = self.request('/refuse')
        self.assertEqual(405, refused.status_int)
        self.assertEqual('GET', refused.headers['Allow'])
        invalid = self.request('/body', 'POST', b'{"name": 5}')
        self.assertEqual(400, invalid.status_int)
        self.assertIn('name', invalid.json_body['oops'])
        media = self.request('/body', 'POST', b'{}',
                             **{'Content-Type': 'text/plain'})
        self.assertEqual(415, media.status_int)

    def test_json_and_empty_responses(self):
        created = self.request('/body', 'POST', b'{"name": "a"}')
        self.assertEqual(201, created.status_int)
        self.assertEqual('application/json; charset=UTF-8',
                         created.headers['Content-Type'])
        self.assertEqual({'name': 'a'}, created.json_body)
        empty = self.request('/empty')
        self.assertEqual(204, empty.status_int)
        self.assertNotIn('Content-Type', empty.headers)

    def test_middleware_error_is_reshaped_and_keeps_its_headers(self):
        response = self.request('/deny', Accept='application/json')
        self.assertEqual(401, response.status_int)
        self.assertEqual({'oops': 'Unauthorized', 'status': 401},
                         response.json_body)
        self.assertEqual('Keystone uri="x"',
                         response.headers['WWW-Authenticate'])
        self.assertIn('x-openstack-request-id', response.headers)

    def test_crash_is_a_500_without_internals(self):
        response = self.request('/crash')
        self.assertEqual(500, response.status_int)
        self.assertEqual({'oops': 'oh no', 'status': 500},
                         response.json_body)
        self.assertNotIn(b'1234', response.body)
        self.assertIn('secret 1234', self.log.output)
        self.assertIn('x-openstack-request-id', response.headers)

    def test_declared_length_over_the_limit(self):
        response = self.request('/body', 'POST', b'x' * (LIMIT + 1))
        self.assertEqual(413, response.status_int)
        self.assertEqual(413, response.json_body['status'])

    def test_chunked_body_over_the_limit(self):
        response = self.request('/body', 'POST', b' ' * (LIMIT + 1),
                                chunked=True)
        self.assertEqual(413, response.status_int)
        self.assertEqual(413, response.json_body['status'])

    def test_chunked_body_under_the_limit(self):
        body = b'{"name": "%s"}' % (b'a' * (LIMIT - 20))
        response = self.request('/body', 'POST', body, chunked=True)
        self.assertEqual(201, response.status_int)

    def test_proxy_headers_are_off_by_default(self):
        # HTTPProxyToWSGI is in the tuple but leaves the scheme alone
        # unless [oslo_middleware] enable_proxy_headers_parsing is set.
        response = self.request('/', **{'X-Forwarded-Proto': 'https'})
        self.assertEqual(200, response.status_int)
