"""The Compute API client against a scripted remote peer over a socket.

The peer stands in for a Compute API (and a Keystone) that misbehaves on
demand: 207s, 5xx, garbage, hangs, 401s. The same tests against the real
compute_ext application are in test_notifier_compute_api.
"""

import uuid

import fixtures
import testtools

from baremetal_notifier.notifier import compute
from powerbridge.stack import layout
from tests.fixtures import compute_peer as peer


class TestComputeClient(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.peer = self.useFixture(peer.ScriptedComputeAPI())
        self.conf = self.useFixture(peer.NotifierConf(
            **peer.admin_token_options(self.peer.endpoint))).conf
        self.client = compute.ComputeClient(self.conf)
        self.uuids = [str(uuid.uuid4()) for _ in range(4)]

    def kinds(self, delivery):
        return [o.kind for o in delivery.outcomes]

    def test_all_delivered_in_one_request_at_2_76(self):
        delivery = self.client.send(peer.events_for(*self.uuids))
        self.assertEqual([compute.DELIVERED] * 4, self.kinds(delivery))
        self.assertTrue(delivery.answered)
        (request,) = self.peer.requests
        self.assertEqual('compute 2.76',
                         request['headers']['Openstack-Api-Version'])
        self.assertEqual('admin:admin', request['headers']['X-Auth-Token'])
        self.assertRegex(request['headers']['X-Openstack-Request-Id'],
                         '^req-[0-9a-f-]{36}$')
        self.assertEqual({'name': 'power-update', 'tag': 'POWER_ON',
                          'server_uuid': self.uuids[0]},
                         request['body']['events'][0])

    def test_207_per_event_codes(self):
        self.peer.codes = {self.uuids[1]: 404, self.uuids[2]: 422,
                           self.uuids[3]: 400}
        delivery = self.client.send(peer.events_for(*self.uuids))
        self.assertEqual([compute.DELIVERED] + [compute.UNDELIVERABLE] * 3,
                         self.kinds(delivery))
        reasons = [o.reason for o in delivery.outcomes]
        self.assertIn('404', reasons[1])
        self.assertIn(self.uuids[1], reasons[1])
        self.assertIn('422', reasons[2])
        self.assertIn('no host', reasons[2])
        self.assertIn('400', reasons[3])

    def test_500_retries_every_event(self):
        self.peer.script = [lambda ev: peer.nova_fault(500, 'boom')]
        delivery = self.client.send(peer.events_for(*self.uuids))
        self.assertEqual([compute.RETRY] * 4, self.kinds(delivery))
        self.assertIn('500', delivery.outcomes[0].reason)
        self.assertFalse(delivery.answered)

    def test_503_is_unavailable(self):
        self.peer.script = [lambda ev: peer.nova_fault(503, 'down')]
        delivery = self.client.send(peer.events_for(self.uuids[0]))
        self.assertEqual([compute.RETRY], self.kinds(delivery))
        self.assertTrue(delivery.outcomes[0].reason.startswith(
            compute.UNAVAILABLE_PREFIX))

    def test_garbage_bodies_are_retried(self):
        one = peer.events_for(self.uuids[0])
        garbage = [
            lambda ev: (200, b'<html>proxy error</html>'),
            lambda ev: (200, {'events': []}),
            lambda ev: (207, {'events': [dict(ev[0], code='200')]}),
            lambda ev: (200, {'events': [dict(ev[0], code=200,
                                              server_uuid=self.uuids[1])]}),
            lambda ev: (200, ['not', 'a', 'dict']),
            lambda ev: (202, {'events': [dict(ev[0], code=200)]}),
        ]
        for answer in garbage:
            self.peer.script = [answer]
            delivery = self.client.send(one)
            self.assertEqual([compute.RETRY], self.kinds(delivery))
            self.assertFalse(delivery.answered)

    def test_unknown_per_event_code_retries_that_event_only(self):
        def answer(events):
            status, body = self.peer.echo(events)
            body['events'][0]['code'] = 503
            return 207, body
        self.peer.script = [answer]
        delivery = self.client.send(peer.events_for(*self.uuids[:2]))
        self.assertEqual([compute.RETRY, compute.DELIVERED],
                         self.kinds(delivery))

    def test_hang_respects_session_timeout(self):
        self.peer.script = [lambda ev: (200, 'hang')]
        conf = self.useFixture(peer.NotifierConf(**peer.admin_token_options(
            self.peer.endpoint, timeout=0.3))).conf
        delivery = compute.ComputeClient(conf).send(
            peer.events_for(self.uuids[0]))
        self.assertEqual([compute.RETRY], self.kinds(delivery))
        self.assertTrue(delivery.outcomes[0].reason.startswith(
            compute.UNAVAILABLE_PREFIX))

    def test_connection_refused(self):
        conf = self.useFixture(peer.NotifierConf(**peer.admin_token_options(
            'http://127.0.0.1:%d/v2.1' % layout.free_port()))).conf
        delivery = compute.ComputeClient(conf).send(
            peer.events_for(self.uuids[0]))
        self.assertEqual([compute.RETRY], self.kinds(delivery))
        self.assertTrue(delivery.outcomes[0].reason.startswith(
            compute.UNAVAILABLE_PREFIX))

    def test_bad_auth_options_cost_retries(self):
        conf = self.useFixture(peer.NotifierConf(auth_type='password')).conf
        delivery = compute.ComputeClient(conf).send(
            peer.events_for(self.uuids[0]))
        self.assertEqual([compute.RETRY], self.kinds(delivery))
        self.assertIn('[nova] adapter', delivery.outcomes[0].reason)

    def test_whole_request_400_is_split_to_find_the_bad_event(self):
        bad = self.uuids[2]

        def answer(events):
            if any(e['server_uuid'] == bad for e in events):
                return peer.nova_fault(
                    400, "Invalid input for field/attribute server_uuid. "
                    "Value: %s" % bad)
            return self.peer.echo(events)
        self.peer.default = answer
        delivery = self.client.send(peer.events_for(*self.uuids))
        self.assertEqual([compute.DELIVERED, compute.DELIVERED,
                          compute.UNDELIVERABLE, compute.DELIVERED],
                         self.kinds(delivery))
        self.assertIn('Invalid input', delivery.outcomes[2].reason)
        self.assertLessEqual(len(self.peer.requests), 5)

    def test_413_is_split(self):
        def answer(events):
            if len(events) > 1:
                return 413, {'overLimit': {'code': 413, 'message': 'big'}}
            return self.peer.echo(events)
        self.peer.default = answer
        delivery = self.client.send(peer.events_for(*self.uuids))
        self.assertEqual([compute.DELIVERED] * 4, self.kinds(delivery))

    def test_train_nova_404_when_no_event_was_accepted(self):
        self.peer.script = [lambda ev: peer.nova_fault(
            404, 'No instances found for any event')]
        delivery = self.client.send(peer.events_for(*self.uuids[:2]))
        self.assertEqual([compute.UNDELIVERABLE] * 2, self.kinds(delivery))

    def test_404_of_a_wrong_endpoint_is_retried(self):
        conf = self.useFixture(peer.NotifierConf(**peer.admin_token_options(
            self.peer.url + '/wrong'))).conf
        delivery = compute.ComputeClient(conf).send(
            peer.events_for(self.uuids[0]))
        self.assertEqual([compute.RETRY], self.kinds(delivery))

    def test_401_with_a_static_token_is_retried(self):
        self.peer.revoked.add('admin:admin')
        delivery = self.client.send(peer.events_for(self.uuids[0]))
        self.assertEqual([compute.RETRY], self.kinds(delivery))
        self.assertIn('401', delivery.outcomes[0].reason)
        self.assertNotIn('admin:admin', delivery.outcomes[0].reason)


class TestComputeClientKeystone(testtools.TestCase):
    """Password auth through a catalog, and one re-auth on a 401."""

    def setUp(self):
        super().setUp()
        self.peer = self.useFixture(peer.ScriptedComputeAPI(keystone=True))
        self.secret = 'S3cret-%s' % uuid.uuid4().hex
        self.conf = self.useFixture(peer.NotifierConf(
            auth_type='v3password', auth_url=self.peer.url + '/identity/v3',
            username='ironic', password=self.secret,
            user_domain_name='Default', project_name='service',
            project_domain_name='Default', timeout=10)).conf
        self.client = compute.ComputeClient(self.conf)
        self.log = self.useFixture(fixtures.FakeLogger(level='DEBUG'))

    def test_endpoint_from_the_catalog(self):
        delivery = self.client.send(peer.events_for(str(uuid.uuid4())))
        self.assertEqual([compute.DELIVERED],
                         [o.kind for o in delivery.outcomes])
        self.assertEqual('tok-1',
                         self.peer.requests[0]['headers']['X-Auth-Token'])

    def test_401_reauthenticates_once_then_delivers(self):
        self.client.send(peer.events_for(str(uuid.uuid4())))
        self.peer.revoked.add('tok-1')
        delivery = self.client.send(peer.events_for(str(uuid.uuid4())))
        self.assertEqual([compute.DELIVERED],
                         [o.kind for o in delivery.outcomes])
        self.assertEqual(2, self.peer.tokens_issued)
        self.assertEqual(['tok-1', 'tok-1', 'tok-2'],
                         [r['headers']['X-Auth-Token']
                          for r in self.peer.requests])
        self.assertNotIn(self.secret, self.log.output)

    def test_401_after_reauth_is_retried_not_undeliverable(self):
        self.peer.revoked.update({'tok-1', 'tok-2'})
        delivery = self.client.send(peer.events_for(str(uuid.uuid4())))
        self.assertEqual([compute.RETRY],
                         [o.kind for o in delivery.outcomes])
        self.assertEqual(2, self.peer.tokens_issued)
        self.assertNotIn(self.secret, self.log.output)
        self.assertNotIn(self.secret, delivery.outcomes[0].reason)
