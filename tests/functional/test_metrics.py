"""The metrics move with what the conductor, the outbox and the Compute
API do: real parts on SQLite, read through the text exposition."""

import time
import uuid

import testtools
import webob

from baremetal_notifier.conductor import action_api
from baremetal_notifier.drivers import base
from baremetal_notifier.notifier import outbox as sender_mod
from baremetal_notifier.objects import outbox as outbox_obj
from compute_ext import deploy
from compute_ext import metrics as compute_metrics
from tests.fixtures import compute as compute_fixture
from tests.fixtures import compute_peer as peer
from tests.fixtures import conductor as conductor_fixture
from tests.fixtures import metrics as read


class TestConductorMetrics(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.fx = self.useFixture(conductor_fixture.ConductorFixture())
        self.metrics = self.fx.manager.metrics
        self.metrics.watch_database(self.fx.db)

    def value(self, metric, **labels):
        return read.value(self.metrics.text(), metric, **labels)

    def test_cycles_flips_reads_and_node_gauges(self):
        nodes = [self.fx.add_node(instance_uuid=str(uuid.uuid4()),
                                  provision_state='active')
                 for _ in range(3)]
        self.fx.add_node(maintenance=True)
        self.fx.manager.sync_power_states()
        self.assertEqual(1, self.value(
            'baremetal_power_sync_cycle_duration_seconds_count'))
        self.assertEqual(3, self.value('baremetal_power_sync_recorded_total'))
        self.assertEqual(3, self.value(
            'baremetal_bmc_read_duration_seconds_count'))
        self.assertEqual(3, self.value('baremetal_conductor_nodes',
                                       conductor=conductor_fixture.HOST))
        # Owned: the maintenance node too (it is this conductor's alone).
        self.assertEqual(4, self.value('baremetal_conductor_nodes_owned',
                                       conductor=conductor_fixture.HOST,
                                       conductor_group=''))
        self.assertEqual(3, self.value('baremetal_nodes_by_power_state',
                                       power_state='power off'))
        self.assertEqual(1, self.value('baremetal_nodes_by_power_state',
                                       power_state='none'))
        self.assertEqual(3, self.value('baremetal_nodes_by_provision_state',
                                       provision_state='active'))
        # First observations of nodes with an instance are events too.
        self.assertEqual(3, self.value('baremetal_outbox_pending'))
        # A flip behind the API's back: recorded, and one event pending.
        self.fx.driver.set_state(nodes[0], base.POWER_ON)
        self.fx.driver.fail_reads(nodes[1])
        self.fx.manager.sync_power_states()
        self.assertEqual(4, self.value('baremetal_power_sync_recorded_total'))
        self.assertEqual(1, self.value('baremetal_bmc_read_failures_total'))
        self.assertEqual(4, self.value('baremetal_outbox_pending'))
        self.assertGreaterEqual(self.value(
            'baremetal_outbox_oldest_pending_age_seconds'), 0)
        self.assertEqual(0, self.value('baremetal_nodes_power_failure'))

    def test_power_actions_by_result(self):
        good = self.fx.add_node(power_state='power off')
        bad = self.fx.add_node(power_state='power off')
        self.fx.driver.fail_actions(bad)
        actions = action_api.in_process(self.fx.manager)
        for node in (good, bad):
            actions.change_node_power_state(self.fx.ctx, node, 'power on')
        self.fx.manager.actions.wait(10)
        self.assertEqual(1, self.value('baremetal_power_actions_total',
                                       target='power on', origin='api',
                                       result='success'))
        self.assertEqual(1, self.value('baremetal_power_actions_total',
                                       target='power on', origin='api',
                                       result='failure'))


class TestOutboxMetrics(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.fx = self.useFixture(conductor_fixture.ConductorFixture())
        self.peer = self.useFixture(peer.ScriptedComputeAPI())
        conf = self.useFixture(peer.NotifierConf(
            **peer.admin_token_options(self.peer.endpoint))).conf
        self.sender = sender_mod.OutboxSender(conf, self.fx.db)

    def enqueue(self, instance, state):
        with self.fx.db.writer.using(outbox_obj.new_context()) as session:
            outbox_obj.enqueue_power_update(session, str(uuid.uuid4()),
                                            instance, state)

    def test_results_and_delivery_lag(self):
        gone, kept, twice = (str(uuid.uuid4()) for _ in range(3))
        self.peer.codes[gone] = 404
        self.enqueue(gone, 'power on')
        self.enqueue(kept, 'power on')
        self.enqueue(twice, 'power on')
        self.enqueue(twice, 'power off')
        self.sender.drain_once()
        text = self.sender.metrics.text()
        for result, count in (('delivered', 2), ('undeliverable', 1),
                              ('superseded', 1)):
            self.assertEqual(count, read.value(
                text, 'baremetal_outbox_events_total', result=result))
        self.assertEqual(2, read.value(
            text, 'baremetal_outbox_delivery_lag_seconds_count'))
        self.peer.script.append(lambda events: (503, {}))
        self.enqueue(kept, 'power off')
        self.sender.drain_once()
        self.assertEqual(1, read.value(self.sender.metrics.text(),
                                       'baremetal_outbox_events_total',
                                       result='retried'))


class TestSenderWake(testtools.TestCase):
    """The conductor wakes the sender: no idle poll between a flip and
    its delivery."""

    def test_a_flip_is_sent_without_waiting_for_the_poll(self):
        fx = self.useFixture(conductor_fixture.ConductorFixture())
        compute = self.useFixture(peer.ScriptedComputeAPI())
        conf = self.useFixture(peer.NotifierConf(
            outbox_poll_interval=600,
            **peer.admin_token_options(compute.endpoint))).conf
        sender = sender_mod.OutboxSender(conf, fx.db).start()
        self.addCleanup(sender.stop)
        fx.manager.on_events = sender.wake
        node = fx.add_node(instance_uuid=str(uuid.uuid4()),
                           power_state='power off')
        fx.driver.set_state(node, base.POWER_ON)
        fx.manager.sync_power_states()
        for _ in range(100):
            if compute.sent_events():
                break
            time.sleep(0.05)
        self.assertEqual(['POWER_ON'],
                         [e['tag'] for e in compute.sent_events()])


class TestComputeMetrics(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.api = self.useFixture(compute_fixture.ComputeAPI())
        self.metrics = compute_metrics.ComputeMetrics()
        self.metrics.watch_services(self.api.conf, self.api.db)
        self.app = deploy.deploy(self.api.conf, self.api.db,
                                 self.api.enforcer, metrics=self.metrics)

    def value(self, metric, **labels):
        return read.value(self.metrics.text(), metric, **labels)

    def test_services_gauges(self):
        ctx = self.api.ctx
        compute_fixture.add_service(ctx, 'up-1')
        compute_fixture.add_service(ctx, 'late-1', seen_ago=3600)
        compute_fixture.add_service(ctx, 'forced-1', forced_down=True)
        compute_fixture.add_service(ctx, 'off-1', disabled=True)
        for status, count in (('up', 2), ('down', 2), ('forced_down', 1),
                              ('disabled', 1)):
            self.assertEqual(count, self.value(
                'compute_services', binary='nova-compute', status=status))

    def test_events_by_name_tag_code_and_power_updates(self):
        unknown = str(uuid.uuid4())
        body = {'events': [
            {'name': 'power-update', 'tag': 'POWER_ON',
             'server_uuid': unknown},
            {'name': 'network-vif-plugged', 'tag': 'port-' + unknown,
             'server_uuid': unknown}]}
        request = webob.Request.blank(
            '/v2.1/os-server-external-events', method='POST', json=body,
            headers={'X-Auth-Token': 'admin:admin',
                     'OpenStack-API-Version': 'compute 2.76'})
        response = request.get_response(self.app)
        self.assertEqual(207, response.status_int)
        self.assertEqual(1, self.value(
            'compute_external_events_total', name='power-update',
            tag='POWER_ON', code=404))
        self.assertEqual(1, self.value(
            'compute_external_events_total', name='network-vif-plugged',
            tag='other', code=404))
        self.assertNotIn(unknown, self.metrics.text())
        self.assertEqual(1, self.value(
            'compute_api_request_duration_seconds_count',
            route='/v2.1/os-server-external-events', method='POST',
            status=207))
