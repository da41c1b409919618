"""powerbridge.metrics: request labels, the listener, a taken port."""

import socket

import requests
import testtools
import webob

from powerbridge import metrics
from powerbridge import router
from tests.fixtures import metrics as metrics_fixture


def _ok(req):
    return webob.Response(json_body={'ok': True})


def _boom(req):
    raise RuntimeError('handler failed')


def _error(code, message, headers):
    return webob.Response(status=code, json_body={'error': message},
                          headerlist=list((headers or {}).items()))


class TestRequestTimer(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.metrics = metrics.Metrics()
        self.histogram = metrics.request_duration(self.metrics, 'test')
        table = {'/nodes': {'GET': _ok},
                 '/nodes/{node_ident}': {'GET': _ok, 'DELETE': _boom}}
        app = router.Router(table, _error, strip_trailing_slash=True)
        self.app = metrics.request_timer(self.histogram, app.template)(app)

    def count(self, **labels):
        return metrics_fixture.value(
            self.metrics.text(), 'test_api_request_duration_seconds_count',
            **labels)

    def test_route_template_not_raw_path(self):
        for name in ('node-1', 'node-2', 'node-3/'):
            webob.Request.blank('/nodes/' + name).get_response(self.app)
        self.assertEqual(3, self.count(route='/nodes/{node_ident}',
                                       method='GET', status='200'))
        self.assertNotIn('node-1', self.metrics.text())

    def test_unmatched_and_odd_methods_are_bounded(self):
        webob.Request.blank('/secret/password123').get_response(self.app)
        webob.Request.blank('/nodes', method='BREW').get_response(self.app)
        self.assertEqual(1, self.count(route=metrics.UNMATCHED,
                                       status='404'))
        self.assertEqual(1, self.count(route='/nodes', method='other',
                                       status='405'))
        self.assertNotIn('password123', self.metrics.text())
        self.assertNotIn('BREW', self.metrics.text())

    def test_an_exception_is_counted_as_500(self):
        request = webob.Request.blank('/nodes/x', method='DELETE')
        self.assertRaises(RuntimeError, request.get_response, self.app)
        self.assertEqual(1, self.count(route='/nodes/{node_ident}',
                                       method='DELETE', status='500'))


class TestListener(testtools.TestCase):

    def test_serves_metrics_only_at_metrics(self):
        served = metrics.Metrics()
        served.counter('test_things_total', 'Things.').inc(3)
        listener = metrics.Listener(served, '127.0.0.1', 0).start()
        self.addCleanup(listener.stop)
        base = 'http://127.0.0.1:%d' % listener.port
        response = requests.get(base + '/metrics', timeout=5)
        self.assertEqual(200, response.status_code)
        self.assertEqual(3, metrics_fixture.value(response.text,
                                                  'test_things_total'))
        self.assertEqual(404, requests.get(base + '/', timeout=5).status_code)

    def test_a_taken_port_is_one_clear_error(self):
        holder = socket.socket()
        self.addCleanup(holder.close)
        holder.bind(('127.0.0.1', 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        exc = self.assertRaises(metrics.StartupError, metrics.Listener,
                                metrics.Metrics(), '127.0.0.1', port)
        self.assertEqual('cannot serve metrics on 127.0.0.1:%d: Address '
                         'already in use' % port, str(exc))
