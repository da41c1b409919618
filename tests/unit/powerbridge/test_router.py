"""The declarative router: dispatch, routing args, 404 and 405."""

import testtools
import webob
import webob.dec

from powerbridge import router


def handler(name):
    @webob.dec.wsgify
    def handle(req):
        return webob.Response(json_body={
            'handler': name, 'args': req.environ['wsgiorg.routing_args'][1]})
    return handle


TABLE = {
    '/things': {'GET': handler('list'), 'POST': handler('create')},
    '/things/detail': {'GET': handler('detail')},
    '/things/{thing_id}': {'GET': handler('show')},
    '/{project_id}/things/{thing_id}': {'GET': handler('show')},
}


def error(code, message, headers=None):
    response = webob.Response(status=code, json_body={'error': message})
    response.headers.update(headers or {})
    return response


class TestRouter(testtools.TestCase):

    def call(self, path, method='GET', **kwargs):
        app = router.Router(TABLE, error, **kwargs)
        return webob.Request.blank(path, method=method).get_response(app)

    def test_dispatch_with_args(self):
        body = self.call('/things/abc').json_body
        self.assertEqual({'handler': 'show', 'args': {'thing_id': 'abc'}},
                         body)

    def test_declaration_order_wins(self):
        self.assertEqual('detail',
                         self.call('/things/detail').json_body['handler'])

    def test_method(self):
        self.assertEqual('create', self.call(
            '/things', 'POST').json_body['handler'])

    def test_unknown_path_is_404(self):
        response = self.call('/nothing')
        self.assertEqual(404, response.status_int)
        self.assertEqual({'error': router.NOT_FOUND}, response.json_body)

    def test_unknown_method_is_405_with_allow(self):
        response = self.call('/things', 'DELETE')
        self.assertEqual(405, response.status_int)
        self.assertEqual('GET, POST', response.headers['Allow'])
        self.assertEqual(
            {'error': 'The method DELETE is not allowed for this resource.'},
            response.json_body)

    def test_405_message_is_the_apis(self):
        response = self.call('/things', 'PUT', not_allowed='No %(method)s')
        self.assertEqual({'error': 'No PUT'}, response.json_body)

    def test_ignored_args_are_dropped(self):
        body = self.call('/p1/things/abc',
                         ignored_args=['project_id']).json_body
        self.assertEqual({'thing_id': 'abc'}, body['args'])

    def test_trailing_slash(self):
        self.assertEqual(404, self.call('/things/').status_int)
        self.assertEqual('list', self.call(
            '/things/', strip_trailing_slash=True).json_body['handler'])
