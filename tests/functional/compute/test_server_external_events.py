"""os-server-external-events with batches too large to write in YAML:
the body size limit, and big batches answered and applied in order."""

import json

import testtools
import webob

from compute_ext.compute import states
from compute_ext.objects import instance_actions as action_obj
from compute_ext.objects import instances as instance_obj
from tests.fixtures import compute as compute_fixtures

URL = '/v2.1/os-server-external-events'


class TestBatches(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.api = self.useFixture(compute_fixtures.ComputeAPI())
        self.servers = [instance_obj.create(
            self.api.ctx, name='bm-%d' % n, host='host1', node='n%d' % n,
            vm_state=states.ACTIVE, power_state=states.RUNNING,
            project_id='p', user_id='u') for n in range(10)]

    def post(self, events=None, raw=None):
        req = webob.Request.blank(URL, method='POST', headers={
            'X-Auth-Token': 'ironic:service:service',
            'OpenStack-API-Version': 'compute 2.76',
            'Content-Type': 'application/json'})
        req.body = raw if raw is not None else json.dumps(
            {'events': events}).encode()
        response = req.get_response(self.api.app)
        return response.status_int, response.json_body

    def event(self, server, tag):
        return {'name': 'power-update', 'server_uuid': server.uuid,
                'tag': tag}

    def state(self, server):
        current = instance_obj.get_by_uuid(self.api.ctx, server.uuid)
        return current.vm_state, current.power_state

    def test_a_body_over_the_limit_is_413_and_applies_nothing(self):
        events = [self.event(s, 'POWER_OFF') for s in self.servers] * 200
        raw = json.dumps({'events': events}).encode()
        limit = self.api.conf.api.max_request_body_size
        self.assertGreater(len(raw), limit)
        status, body = self.post(raw=raw)
        self.assertEqual(413, status)
        self.assertEqual(413, body['overLimit']['code'])
        for server in self.servers:
            self.assertEqual((states.ACTIVE, states.RUNNING),
                             self.state(server))
            self.assertEqual([], action_obj.get_all(self.api.ctx,
                                                    server.uuid))

    def test_a_big_batch_is_answered_event_by_event_in_order(self):
        unknown = {'name': 'power-update', 'tag': 'POWER_OFF',
                   'server_uuid': 'f0000000-0000-4000-8000-000000000000'}
        events = []
        for round_ in range(40):
            tag = 'POWER_OFF' if round_ % 2 == 0 else 'POWER_ON'
            events.extend(self.event(s, tag) for s in self.servers)
        events.insert(123, unknown)
        self.assertLess(len(json.dumps({'events': events})),
                        self.api.conf.api.max_request_body_size)
        status, body = self.post(events)
        self.assertEqual(207, status)
        codes = [e['code'] for e in body['events']]
        self.assertEqual([200] * 123 + [404] + [200] * 277, codes)
        self.assertEqual(unknown['server_uuid'],
                         body['events'][123]['server_uuid'])
        for server in self.servers:
            # 40 alternating events, the last one POWER_ON; each counted.
            self.assertEqual((states.ACTIVE, states.RUNNING),
                             self.state(server))
            self.assertEqual(40, instance_obj.get_by_uuid(
                self.api.ctx, server.uuid).power_generation)
            self.assertEqual(40, len(action_obj.get_all(self.api.ctx,
                                                        server.uuid)))
