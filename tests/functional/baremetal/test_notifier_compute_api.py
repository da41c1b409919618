"""The notifier against the real Compute API (compute_ext) over a socket.

keystoneauth's admin_token plugin with the Compute API's noauth2 token, as
the demo and the e2e tests configure it, with version discovery from both
the root and the /v2.1 endpoint.
"""

import uuid

import testscenarios
import testtools

from baremetal_notifier.notifier import compute
from baremetal_notifier.notifier import outbox as sender_mod
from baremetal_notifier.notifier import status
from baremetal_notifier.objects import outbox as outbox_obj
from powerbridge import wsgi_server
from compute_ext.compute import states
from compute_ext.objects import instances as instance_obj
from tests.fixtures import compute as compute_fixtures
from tests.fixtures import compute_peer as peer
from tests.fixtures import dbfixture

load_tests = testscenarios.load_tests_apply_scenarios


class RealComputeAPI(testtools.TestCase):
    """A Compute API served by wsgi_server on a free port."""

    def setUp(self):
        super().setUp()
        self.api = self.useFixture(compute_fixtures.ComputeAPI())
        server = wsgi_server.ServerThread(self.api.app, '127.0.0.1', 0,
                                          threads=4)
        server.start()
        self.addCleanup(server.stop)
        self.root = 'http://127.0.0.1:%d' % server.port

    def instance(self, host='host1', vm_state=states.ACTIVE,
                 power_state=states.RUNNING):
        return instance_obj.create(
            self.api.ctx, host=host, node=str(uuid.uuid4()),
            vm_state=vm_state, power_state=power_state, project_id='p',
            user_id='u').uuid

    def get(self, instance_uuid):
        return instance_obj.get_by_uuid(self.api.ctx, instance_uuid)


class TestClientAgainstComputeAPI(RealComputeAPI):

    # NOTE: keystoneauth discovers versions only for endpoints from a
    # catalog: with admin_token (or none) the endpoint is used as given,
    # so it must be the versioned /v2.1 URL, as it must be in Ironic.
    scenarios = [('admin_token', {'keystone': False}),
                 ('catalog_root_discovery', {'keystone': True})]

    def setUp(self):
        super().setUp()
        if self.keystone:
            # A catalog listing the unversioned root, as some clouds do;
            # noauth2 reads the issued token as user:project.
            keystone = self.useFixture(peer.ScriptedComputeAPI(
                keystone=True, token_format='admin:project-%d'))
            keystone.endpoint = self.root
            options = dict(auth_type='v3password',
                           auth_url=keystone.url + '/identity/v3',
                           username='ironic', password='secret',
                           user_domain_name='Default', project_name='p',
                           project_domain_name='Default')
        else:
            options = peer.admin_token_options(self.root + '/v2.1')
        conf = self.useFixture(peer.NotifierConf(**options)).conf
        self.client = compute.ComputeClient(conf)

    def test_per_event_codes_and_the_event_applied(self):
        active = self.instance()
        no_host = self.instance(host=None)
        unknown = str(uuid.uuid4())
        delivery = self.client.send(
            peer.events_for(active, no_host, unknown, tag='POWER_OFF'))
        self.assertEqual(
            [compute.DELIVERED, compute.UNDELIVERABLE, compute.UNDELIVERABLE],
            [o.kind for o in delivery.outcomes])
        self.assertIn('422', delivery.outcomes[1].reason)
        self.assertIn('404', delivery.outcomes[2].reason)
        self.assertTrue(delivery.answered)
        instance = self.get(active)
        self.assertEqual(states.STOPPED, instance.vm_state)
        self.assertEqual(states.SHUTDOWN, instance.power_state)

    def test_an_event_the_schema_rejects_does_not_block_the_others(self):
        first, last = self.instance(), self.instance()
        delivery = self.client.send(
            peer.events_for(first, 'not-a-uuid', last, tag='POWER_OFF'))
        self.assertEqual(
            [compute.DELIVERED, compute.UNDELIVERABLE, compute.DELIVERED],
            [o.kind for o in delivery.outcomes])
        self.assertIn('400', delivery.outcomes[1].reason)
        self.assertEqual(states.STOPPED, self.get(last).vm_state)

    def test_event_matching_the_state_is_a_delivered_no_op(self):
        active = self.instance()
        delivery = self.client.send(peer.events_for(active, tag='POWER_ON'))
        self.assertEqual([compute.DELIVERED],
                         [o.kind for o in delivery.outcomes])
        self.assertEqual(states.ACTIVE, self.get(active).vm_state)


class TestSenderAgainstComputeAPI(RealComputeAPI):
    """The whole path: outbox rows -> sender -> Compute API -> instance."""

    scenarios = [(name, {'backend': name}) for name in dbfixture.BACKENDS]

    def setUp(self):
        super().setUp()
        database = self.useFixture(
            dbfixture.ServiceDatabase(self.backend, 'baremetal'))
        self.db = database.db
        conf = self.useFixture(peer.NotifierConf(
            **peer.admin_token_options(self.root + '/v2.1'))).conf
        self.sender = sender_mod.OutboxSender(conf, self.db)

    def enqueue(self, instance_uuid, power_state):
        with self.db.writer.using(outbox_obj.new_context()) as session:
            outbox_obj.enqueue_power_update(session, str(uuid.uuid4()),
                                            instance_uuid, power_state)

    def test_latest_state_wins_and_failures_are_recorded(self):
        flapping = self.instance()
        unknown = str(uuid.uuid4())
        self.enqueue(flapping, 'power off')
        self.enqueue(flapping, 'power on')
        self.enqueue(flapping, 'power off')
        self.enqueue(unknown, 'power on')
        summary = self.sender.drain_once()
        self.assertEqual((1, 1, 1, 0, 2), tuple(summary))
        instance = self.get(flapping)
        self.assertEqual(states.STOPPED, instance.vm_state)
        events = {e['instance_uuid']: e
                  for e in status.list_events(
                      self.db, status=outbox_obj.UNDELIVERABLE)}
        self.assertIn('404', events[unknown]['last_error'])
