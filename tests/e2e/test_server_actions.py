"""The real openstack CLI against the running services.

(b) `openstack server stop` / `start`: the node follows, and the
    notifier's resulting event is a no-op on the compute side (no loop,
    no flapping);
(e) `openstack compute service set --down`: the other agent owns all
    nodes on its next pass, and start/stop keeps working.
"""

import itertools

from tests.e2e import base


def collapse(actions):
    """['stop', 'stop', 'start'] -> ['stop', 'start']: a power-update event
    that confirms an action is recorded as the same action."""
    return [name for name, _ in itertools.groupby(actions)]


class TestServerStopStart(base.StackTestCase):
    """(b)"""

    def _commands(self, index):
        counters = self.stack.bmc.describe(index)['counters']
        return {name: counters.get(name, 0) for name in ('on', 'off', 'soft')}

    def test_stop_start_no_loop(self):
        stack = self.start_stack(nodes=2, conductor_sync_interval=1,
                                 compute_sync_interval=2)
        node = stack.nodes[0]
        before = self._commands(node.index)
        steps = (('stop', 'SHUTOFF', 'power off', False),
                 ('start', 'ACTIVE', 'power on', True))
        for verb, status, power, bmc_on in steps:
            stack.openstack('server', verb, node.instance_uuid)
            self.wait_servers({node.instance_uuid: status},
                              what='server %s' % verb)
            self.wait_nodes({node.uuid: power}, what='node %s' % power)
            self.assertEqual(bmc_on, stack.bmc.get_power(node.index))
            # The node's change reaches the Compute API as an event too;
            # wait for it, then for a few more cycles of both syncs.
            self.wait_outbox_drained()
            self.wait_cycles(3)
            server = stack.compute.server(node.instance_uuid)
            self.assertEqual(status, server['status'])
            self.assertIsNone(server['OS-EXT-STS:task_state'])
            self.assertEqual(power, stack.baremetal.node(node.uuid)[
                'power_state'])
        # One power command each way reached the BMC: nothing bounced.
        after = self._commands(node.index)
        self.assertEqual(before['on'] + 1, after['on'])
        self.assertEqual(before['off'] + before['soft'] + 1,
                         after['off'] + after['soft'])
        self.assertEqual(['create', 'stop', 'start'],
                         collapse(self.actions(node.instance_uuid)))
        self.assert_no_undeliverable()
        # The CLI shows the operator who changed the power state.
        events = stack.openstack('server', 'event', 'list',
                                 node.instance_uuid, '-f', 'value',
                                 '-c', 'Action').stdout.split()
        self.assertIn('stop', events)
        self.assertIn('start', events)


class TestComputeHostForcedDown(base.StackTestCase):
    """(e)"""

    def owners(self):
        return {u: s['OS-EXT-SRV-ATTR:host']
                for u, s in self.servers().items()}

    def test_peer_takes_over(self):
        stack = self.start_stack(nodes=6, conductor_sync_interval=1)
        down, peer = stack.settings.compute_hosts
        # Both agents own some nodes before.
        stack.wait_for(lambda: set(self.owners().values()) == {down, peer},
                       base.SOON, 0.2, 'nodes spread over both hosts')
        formerly = [n for n in stack.nodes
                    if self.owners()[n.instance_uuid] == down]

        stack.openstack('compute', 'service', 'set', '--down', down,
                        'nova-compute')
        service = stack.services()[down]
        self.assertEqual(('down', True),
                         (service['state'], service['forced_down']))
        # The next ring pass of the peer takes every node, long before
        # service_down_time could have.
        stack.wait_for(lambda: set(self.owners().values()) == {peer},
                       stack.settings.ring_refresh_interval + 15, 0.2,
                       'every instance owned by %s' % peer)

        node = formerly[0]
        for action, status, power in (('os-stop', 'SHUTOFF', 'power off'),
                                      ('os-start', 'ACTIVE', 'power on')):
            stack.compute.action(node.instance_uuid, action)
            self.wait_servers({node.instance_uuid: status},
                              what='%s on %s' % (action, peer))
            self.wait_nodes({node.uuid: power})
        # The forced-down agent is alive and heartbeating, yet down.
        self.assertTrue(stack.processes[down].alive())
        self.assertEqual('down', stack.services()[down]['state'])

        stack.openstack('compute', 'service', 'set', '--up', down,
                        'nova-compute')
        stack.wait_for(lambda: down in set(self.owners().values()),
                       base.SOON, 0.2, '%s to own nodes again' % down)
        self.assert_all_agree()
        self.assert_no_undeliverable()
