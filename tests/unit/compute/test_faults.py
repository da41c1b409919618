"""Nova's fault bodies: handler errors, middleware errors and crashes."""

import json

import fixtures
import testscenarios
import testtools
import webob
import webob.dec
import webob.exc

from powerbridge import validation
from compute_ext import exception
from compute_ext import fault_wrap
from compute_ext import wsgi_wrapper


def body_of(response):
    return json.loads(response.body)


class TestFaultNames(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = [
        ('400', {'code': 400, 'name': 'badRequest'}),
        ('401', {'code': 401, 'name': 'unauthorized'}),
        ('403', {'code': 403, 'name': 'forbidden'}),
        ('404', {'code': 404, 'name': 'itemNotFound'}),
        ('405', {'code': 405, 'name': 'badMethod'}),
        ('406', {'code': 406, 'name': 'computeFault'}),
        ('409', {'code': 409, 'name': 'conflictingRequest'}),
        ('413', {'code': 413, 'name': 'overLimit'}),
        ('415', {'code': 415, 'name': 'badMediaType'}),
        ('429', {'code': 429, 'name': 'overLimit'}),
        ('500', {'code': 500, 'name': 'computeFault'}),
        ('501', {'code': 501, 'name': 'notImplemented'}),
        ('503', {'code': 503, 'name': 'serviceUnavailable'}),
    ]

    def test_body(self):
        response = wsgi_wrapper.fault_response(self.code, 'why')
        self.assertEqual(self.code, response.status_int)
        self.assertEqual('application/json', response.content_type)
        self.assertEqual({self.name: {'code': self.code, 'message': 'why'}},
                         body_of(response))


def _raising(error):
    @wsgi_wrapper.ComputeWsgify
    def handler(req):
        raise error
    return handler


class TestHandlerErrors(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = [
        ('validation', {'error': validation.ValidationError('bad field'),
                        'code': 400, 'message': 'bad field'}),
        ('not found', {'error': exception.ServiceNotFound(service_id='x'),
                       'code': 404,
                       'message': 'Service x could not be found.'}),
        ('policy', {'error': exception.PolicyNotAuthorized(action='a:b'),
                    'code': 403,
                    'message': "Policy doesn't allow a:b to be performed."}),
        ('in use', {'error': exception.ServiceInUse(), 'code': 409,
                    'message': 'Unable to delete compute service that is '
                               'hosting instances. Migrate or delete the '
                               'instances first.'}),
        ('webob with detail', {'error': webob.exc.HTTPBadRequest('detail'),
                               'code': 400, 'message': 'detail'}),
        ('webob without detail', {
            'error': webob.exc.HTTPNotFound(), 'code': 404,
            'message': webob.exc.HTTPNotFound.explanation}),
    ]

    def test_fault(self):
        response = webob.Request.blank('/').get_response(_raising(self.error))
        self.assertEqual(self.code, response.status_int)
        (fault,) = body_of(response).values()
        self.assertEqual({'code': self.code, 'message': self.message}, fault)


class TestAllowHeader(testtools.TestCase):

    def test_405_keeps_allow(self):
        error = webob.exc.HTTPMethodNotAllowed(headers={'Allow': 'GET'})
        response = webob.Request.blank('/').get_response(_raising(error))
        self.assertEqual('GET', response.headers['Allow'])
        self.assertIn('badMethod', body_of(response))


class TestFaultWrapper(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(
            name='powerbridge.fault_wrap'))

    def _get(self, app, **headers):
        return webob.Request.blank('/v2.1/x', headers=headers).get_response(
            fault_wrap.FaultWrapper(app))

    def test_crash_is_a_500_without_internals(self):
        @webob.dec.wsgify
        def crashing(req):
            raise RuntimeError('db password is hunter2')

        response = self._get(crashing)
        self.assertEqual(500, response.status_int)
        self.assertEqual({'computeFault': {'code': 500,
                                           'message': fault_wrap.UNEXPECTED}},
                         body_of(response))
        for leak in (b'Traceback', b'hunter2', b'RuntimeError', b'File "'):
            self.assertNotIn(leak, response.body)
        # The operator still gets the traceback, in the log.
        self.assertIn('Traceback', self.log.output)
        self.assertIn('GET /v2.1/x', self.log.output)

    def test_plain_middleware_error_gets_novas_body(self):
        @webob.dec.wsgify
        def refusing(req):
            return webob.exc.HTTPUnauthorized(
                headers={'WWW-Authenticate': 'Keystone uri="x"'})

        for accept in ('text/plain', 'text/html', 'application/json', '*/*'):
            response = self._get(refusing, Accept=accept)
            self.assertEqual(401, response.status_int)
            self.assertEqual(
                {'unauthorized': {'code': 401, 'message': 'Unauthorized'}},
                body_of(response), 'Accept: %s' % accept)
            self.assertEqual('Keystone uri="x"',
                             response.headers['WWW-Authenticate'])

    def test_nova_fault_passes_unchanged(self):
        fault = wsgi_wrapper.fault_response(404, 'Service 9 not found.',
                                            {'X-Compute-Request-Id': 'req-1'})

        response = self._get(lambda environ, start: fault(environ, start))
        self.assertEqual({'itemNotFound': {'code': 404,
                                           'message': 'Service 9 not found.'}},
                         body_of(response))
        self.assertEqual('req-1', response.headers['X-Compute-Request-Id'])

    def test_other_json_errors_are_rewritten(self):
        @webob.dec.wsgify
        def foreign(req):
            return webob.Response(status=409, json_body={'error': 'x'})

        self.assertEqual(
            {'conflictingRequest': {'code': 409, 'message': 'Conflict'}},
            body_of(self._get(foreign)))

    def test_success_is_untouched(self):
        @webob.dec.wsgify
        def fine(req):
            return webob.Response(status=204)

        response = self._get(fine)
        self.assertEqual(204, response.status_int)
        self.assertEqual(b'', response.body)
