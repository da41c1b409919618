"""The Bare Metal API client against a recording Ironic double."""

import testtools

from compute_ext.compute import baremetal
from tests.fixtures import ironic as fake

LOCKED = ('Node %s is locked by host other-conductor, please retry after '
          'the current operation is completed.')


class ClientTestCase(testtools.TestCase):

    def make(self, **fake_kwargs):
        self.ironic = self.useFixture(fake.FakeIronic(**fake_kwargs))
        conf = fake.client_conf(self.ironic.endpoint)
        self.client = baremetal.BaremetalClient.from_conf(conf)
        self.addCleanup(self.client.stop)
        return self.client


class TestNegotiation(ClientTestCase):

    def test_wanted_version_sent_when_supported(self):
        client = self.make()
        node = self.ironic.add_node()
        client.get_node(node)
        self.assertEqual([(1, 46)], [r.version for r in self.ironic.requests])
        self.assertEqual((1, 46), client.version)

    def test_406_negotiates_down_to_server_maximum(self):
        client = self.make(max_version='1.31')
        node = self.ironic.add_node()
        client.get_node(node)
        self.assertEqual([(1, 46), (1, 31)],
                         [r.version for r in self.ironic.requests])
        # Later requests start at the negotiated version.
        client.get_node(node)
        self.assertEqual((1, 31), self.ironic.requests[-1].version)

    def test_406_without_headers_reads_v1_root(self):
        client = self.make(max_version='1.20', version_headers='root')
        node = self.ironic.add_node()
        client.get_node(node)
        paths = [r.path for r in self.ironic.requests]
        self.assertEqual(['/v1/nodes/' + node, '/v1', '/v1/nodes/' + node],
                         paths)
        self.assertEqual((1, 20), client.version)

    def test_no_version_range_anywhere_is_a_clear_error(self):
        client = self.make(max_version='1.20', version_headers=False)
        node = self.ironic.add_node()
        error = self.assertRaises(baremetal.VersionNotSupported,
                                  client.get_node, node)
        self.assertIn('could not determine', str(error))

    def test_fields_left_out_below_1_8(self):
        client = self.make(max_version='1.6')
        node = self.ironic.add_node(power_state='power on')
        result = client.get_node(node, fields=['uuid', 'power_state'])
        self.assertEqual('power on', result['power_state'])
        self.assertNotIn('fields', self.ironic.requests[-1].query)

    def test_power_timeout_sent_only_from_1_27(self):
        client = self.make(max_version='1.26')
        node = self.ironic.add_node()
        client.set_power_state(node, baremetal.POWER_ON, timeout=30)
        self.assertEqual({'target': 'power on'},
                         self.ironic.requests_to('PUT')[-1].body)

    def test_power_timeout_sent_when_supported(self):
        client = self.make()
        node = self.ironic.add_node()
        client.set_power_state(node, baremetal.POWER_ON, timeout=30)
        self.assertEqual({'target': 'power on', 'timeout': 30},
                         self.ironic.requests_to('PUT')[-1].body)


class TestErrors(ClientTestCase):

    def test_ironic_error_body_is_decoded(self):
        client = self.make()
        missing = '1be26c0b-03f2-4d2e-ae87-c02d7f33c123'
        error = self.assertRaises(baremetal.NodeNotFound, client.get_node,
                                  missing)
        self.assertEqual(404, error.status_code)
        self.assertIn('Node %s could not be found.' % missing, str(error))
        self.assertNotIn('faultstring', str(error))

    def test_node_locked_is_retried(self):
        client = self.make()
        node = self.ironic.add_node()
        self.ironic.script('PUT', '/states/power', 409, LOCKED % node,
                           times=2)
        client.set_power_state(node, baremetal.POWER_ON)
        self.assertEqual(3, len(self.ironic.requests_to('PUT')))
        self.assertEqual('power on', self.ironic.power_state(node))

    def test_retries_are_bounded(self):
        client = self.make()
        node = self.ironic.add_node()
        self.ironic.script('PUT', '/states/power', 503, 'No free conductor '
                           'workers available', times=10)
        error = self.assertRaises(baremetal.Unavailable,
                                  client.set_power_state, node,
                                  baremetal.POWER_OFF)
        self.assertEqual(503, error.status_code)
        # One try and api_max_retries (3) retries.
        self.assertEqual(4, len(self.ironic.requests_to('PUT')))

    def test_other_conflicts_are_not_retried(self):
        client = self.make()
        node = self.ironic.add_node(instance_uuid='i-1')
        error = self.assertRaises(baremetal.Conflict,
                                  client.set_instance_uuid, node, 'i-2')
        self.assertIn('is associated with instance i-1', str(error))
        self.assertEqual(1, len(self.ironic.requests_to('PATCH')))

    def test_bad_target_is_a_client_error(self):
        client = self.make()
        node = self.ironic.add_node()
        error = self.assertRaises(baremetal.BaremetalAPIError,
                                  client.set_power_state, node, 'power up')
        self.assertEqual(400, error.status_code)

    def test_unreachable_server(self):
        # Port 1 is privileged: nothing of ours listens there.
        conf = fake.client_conf('http://127.0.0.1:1')
        client = baremetal.BaremetalClient.from_conf(conf)
        error = self.assertRaises(baremetal.Unavailable, client.get_node, 'x')
        self.assertIn('unreachable', str(error))

    def test_stop_ends_retries(self):
        client = self.make()
        node = self.ironic.add_node()
        client.retry_interval = 30
        self.ironic.script('PUT', '/states/power', 503, 'busy')
        client.stop()
        self.assertRaises(baremetal.Aborted, client.set_power_state, node,
                          baremetal.POWER_ON)


class TestNodes(ClientTestCase):

    def test_list_follows_next_links_on_the_configured_host(self):
        client = self.make(page_size=2)
        created = sorted(self.ironic.add_node() for _ in range(5))
        nodes = client.list_nodes(fields=['uuid', 'power_state'])
        self.assertEqual(created, [n['uuid'] for n in nodes])
        self.assertEqual(3, len(self.ironic.requests_to('GET', '/nodes')))
        # The link pointed at proxy.invalid; the fields survived paging.
        for request in self.ironic.requests_to('GET', '/nodes'):
            self.assertEqual('uuid,power_state', request.query['fields'])
        self.assertEqual({'uuid', 'power_state'}, set(nodes[0]))

    def test_list_passes_filters(self):
        client = self.make()
        self.ironic.add_node()
        client.list_nodes(associated='True')
        query = self.ironic.requests_to('GET')[-1].query
        self.assertEqual('True', query['associated'])

    def test_set_and_clear_instance_uuid(self):
        client = self.make()
        node = self.ironic.add_node()
        result = client.set_instance_uuid(node, 'inst-1')
        self.assertEqual('inst-1', result['instance_uuid'])
        self.assertEqual([{'op': 'add', 'path': '/instance_uuid',
                           'value': 'inst-1'}],
                         self.ironic.requests_to('PATCH')[-1].body)
        client.set_instance_uuid(node, None)
        self.assertIsNone(self.ironic.nodes[node]['instance_uuid'])


class TestWaitForPowerState(ClientTestCase):

    def test_returns_when_target_cleared_and_state_reached(self):
        client = self.make(power_mode='async')
        node = self.ironic.add_node()
        client.set_power_state(node, baremetal.POWER_ON)
        result = client.wait_for_power_state(node, baremetal.POWER_ON, 10)
        self.assertEqual('power on', result['power_state'])
        self.assertIsNone(result['target_power_state'])
        # It polled while the action was still running.
        self.assertGreater(len(self.ironic.requests_to('GET', node)), 1)

    def test_last_error_fails(self):
        client = self.make(power_mode='fail')
        node = self.ironic.add_node()
        client.set_power_state(node, baremetal.POWER_ON)
        error = self.assertRaises(baremetal.PowerActionFailed,
                                  client.wait_for_power_state, node,
                                  baremetal.POWER_ON, 10)
        self.assertIn('BMC did not answer', str(error))

    def test_timeout(self):
        client = self.make(power_mode='stuck')
        node = self.ironic.add_node()
        client.set_power_state(node, baremetal.POWER_ON)
        error = self.assertRaises(baremetal.PowerActionTimeout,
                                  client.wait_for_power_state, node,
                                  baremetal.POWER_ON, 0.05)
        self.assertIn("target_power_state 'power on'", str(error))
