"""The virtual BMC fleet's JSON control API and fault settings."""

import io
import json

import testtools

from powerbridge.vbmc import control
from powerbridge.vbmc import server


class FakeFleet:
    count = 2

    def __init__(self):
        self.power = [False, True]
        self.faults = [server.Faults(), server.Faults()]

    def describe(self, index):
        return {'index': index, 'port': 6230 + index,
                'power': 'on' if self.power[index] else 'off',
                'fault': self.faults[index].as_dict()}

    def describe_all(self):
        return [self.describe(i) for i in range(self.count)]

    def get_power(self, index):
        return self.power[index]

    def set_power(self, index, on):
        self.power[index] = on

    def set_fault(self, index, **kwargs):
        for i in ([index] if index is not None else range(self.count)):
            self.faults[i].update(**kwargs)


class TestControlApp(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.fleet = FakeFleet()
        self.app = control.ControlApp(self.fleet)

    def call(self, method, path, body=None):
        if body is None or isinstance(body, bytes):
            raw = body or b''
        else:
            raw = json.dumps(body).encode()
        environ = {'REQUEST_METHOD': method, 'PATH_INFO': path,
                   'CONTENT_LENGTH': str(len(raw)),
                   'wsgi.input': io.BytesIO(raw)}
        status = []
        chunks = self.app(environ, lambda s, h: status.append((s, h)))
        (line, headers), = status
        self.assertIn(('Content-Type', 'application/json'), headers)
        return int(line.split()[0]), json.loads(b''.join(chunks))

    def test_list_and_show(self):
        code, body = self.call('GET', '/bmcs')
        self.assertEqual(200, code)
        self.assertEqual([0, 1], [b['index'] for b in body['bmcs']])
        code, body = self.call('GET', '/bmcs/1')
        self.assertEqual((200, 'on'), (code, body['power']))

    def test_power(self):
        self.assertEqual((200, {'power': 'off'}),
                         self.call('GET', '/bmcs/0/power'))
        self.assertEqual((200, {'power': 'on'}),
                         self.call('PUT', '/bmcs/0/power', {'power': 'on'}))
        self.assertTrue(self.fleet.power[0])
        code, body = self.call('PUT', '/bmcs/0/power', {'power': 'maybe'})
        self.assertEqual(400, code)
        self.assertIn('power', body['error'])

    def test_fault(self):
        code, body = self.call('PUT', '/bmcs/1/fault',
                               {'latency_ms': 20, 'hang': True})
        self.assertEqual(200, code)
        self.assertEqual({'latency_ms': 20.0, 'loss_pct': 0.0, 'hang': True},
                         body['fault'])
        code, _ = self.call('PUT', '/bmcs/fault', {'loss_pct': 5})
        self.assertEqual(200, code)
        self.assertEqual([5.0, 5.0],
                         [f.loss_pct for f in self.fleet.faults])

    def test_fault_validation(self):
        for body in ({'loss_pct': 101}, {'latency_ms': -1}, {'hang': 'yes'},
                     {'colour': 'red'}, [1]):
            code, _ = self.call('PUT', '/bmcs/0/fault', body)
            self.assertEqual(400, code, body)
        code, _ = self.call('PUT', '/bmcs/0/fault', b'{not json')
        self.assertEqual(400, code)
        self.assertEqual({'latency_ms': 0.0, 'loss_pct': 0.0, 'hang': False},
                         self.fleet.faults[0].as_dict())

    def test_errors(self):
        self.assertEqual(404, self.call('GET', '/bmcs/7')[0])
        self.assertEqual(404, self.call('GET', '/bmcs/x/power')[0])
        self.assertEqual(404, self.call('GET', '/nothing')[0])
        self.assertEqual(404, self.call('GET', '/bmcs/0/other')[0])
        self.assertEqual(405, self.call('DELETE', '/bmcs/0/power')[0])
        self.assertEqual(405, self.call('POST', '/bmcs')[0])
        self.assertEqual(400, self.call('PUT', '/bmcs/0/power')[0])


class TestFaultsAndCredentials(testtools.TestCase):

    def test_faults_drop(self):
        faults = server.Faults()
        self.assertFalse(any(faults.drops() for _ in range(100)))
        faults.update(loss_pct=100)
        self.assertTrue(all(faults.drops() for _ in range(100)))
        faults.update(loss_pct=0, hang=True)
        self.assertTrue(faults.drops())

    def test_faults_update_is_all_or_nothing(self):
        faults = server.Faults()
        self.assertRaises(ValueError, faults.update, latency_ms=5,
                          loss_pct=200)
        self.assertEqual(0.0, faults.latency_ms)

    def test_credentials_repr_hides_password(self):
        creds = server.Credentials('admin', 'S3cr3t')
        self.assertEqual('S3cr3t', creds.get('admin'))
        self.assertIsNone(creds.get('root'))
        self.assertNotIn('S3cr3t', repr(creds))
