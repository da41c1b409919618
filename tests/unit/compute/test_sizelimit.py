"""The request body limit: 413 overLimit, declared length or chunked.

The limiter is oslo.middleware's: a declared length over the limit never
reaches the application; a chunked body reaches it behind a reader that
refuses to read past the limit.
"""

import io
import json

import testtools
import webob
import webob.dec

from compute_ext import fault_wrap
from powerbridge import deploy

LIMIT = 114688  # Nova's default [api] max_request_body_size


class EchoLength:
    """The application behind the limiter: reports what it could read."""

    def __init__(self):
        self.calls = 0
        self.bodies = []

    @webob.dec.wsgify
    def __call__(self, req):
        self.calls += 1
        body = req.body
        self.bodies.append(body)
        return webob.Response(json_body={'read': len(body)})


class TestRequestBodySizeLimiter(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.inner = EchoLength()
        # The same order as the Compute API's middleware tuple.
        self.app = fault_wrap.FaultWrapper(
            deploy.body_size_limit(LIMIT)(self.inner))

    def _put(self, size, chunked=False, accept=None):
        req = webob.Request.blank('/v2.1/os-services/enable', method='PUT')
        req.body_file_raw = io.BytesIO(b'x' * size)
        if chunked:
            # What cheroot hands over for Transfer-Encoding: chunked.
            req.environ.pop('CONTENT_LENGTH', None)
            req.environ['wsgi.input_terminated'] = True
        else:
            req.content_length = size
        if accept:
            req.accept = accept
        return req.get_response(self.app)

    def assertOverLimit(self, response, chunked=False):
        self.assertEqual(413, response.status_int)
        self.assertEqual('application/json', response.content_type)
        body = json.loads(response.body)
        self.assertEqual(['overLimit'], list(body))
        self.assertEqual(413, body['overLimit']['code'])
        self.assertTrue(body['overLimit']['message'])
        # A chunked body's length is only known by reading it: the
        # application is called, but never gets the body.
        self.assertEqual(1 if chunked else 0, self.inner.calls)
        self.assertEqual([], self.inner.bodies)

    def test_120k_body_is_refused(self):
        self.assertOverLimit(self._put(120 * 1024))

    def test_refused_whatever_the_client_accepts(self):
        for accept in ('application/json', 'text/html'):
            self.assertOverLimit(self._put(120 * 1024, accept=accept))

    def test_chunked_120k_body_is_refused(self):
        self.assertOverLimit(self._put(120 * 1024, chunked=True),
                             chunked=True)

    def test_body_at_the_limit_passes(self):
        response = self._put(LIMIT)
        self.assertEqual({'read': LIMIT}, response.json_body)

    def test_one_byte_over_is_refused(self):
        self.assertOverLimit(self._put(LIMIT + 1, chunked=True),
                             chunked=True)

    def test_chunked_body_under_the_limit_is_handed_on_whole(self):
        response = self._put(1000, chunked=True)
        self.assertEqual({'read': 1000}, response.json_body)

    def test_bodyless_requests_pass(self):
        response = webob.Request.blank('/v2.1/os-services').get_response(
            self.app)
        self.assertEqual({'read': 0}, response.json_body)
