"""Hardware changes behind the API's back reach the Compute API.

(a) a flipped vBMC: the instance follows within a sync interval plus
    delivery;
(f) the seed's race: hardware changes while the compute agents sync as
    often as they can; the hardware's state wins, nothing is forced back;
(g) 5 % packet loss and one hung BMC: no false power failures, the rest
    keep syncing.
"""

from tests.e2e import base

# Conductor sync interval of these tests, seconds.
INTERVAL = 1
# Delivery: the outbox sender, the Compute API, a loaded test machine.
DELIVERY = 10


class TestFlipBehindTheAPI(base.StackTestCase):
    """(a)"""

    def test_instance_follows_flipped_bmc(self):
        stack = self.start_stack(nodes=3, conductor_sync_interval=INTERVAL)
        node = stack.nodes[0]
        others = {n.instance_uuid: 'ACTIVE' for n in stack.nodes[1:]}
        for on, status, power in ((False, 'SHUTOFF', 4),
                                  (True, 'ACTIVE', 1)):
            stack.flip(node.index, on)
            took = self.wait_servers({node.instance_uuid: status},
                                     timeout=INTERVAL + DELIVERY,
                                     what='instance to follow its BMC')
            self.addDetail('lag-%s' % status,
                           base.content.text_content('%.3f s' % took))
            server = stack.compute.server(node.instance_uuid)
            self.assertEqual(power, server['OS-EXT-STS:power_state'])
            self.assertEqual('power on' if on else 'power off',
                             stack.baremetal.node(node.uuid)['power_state'])
        # Only the flipped node moved; its changes came as events.
        self.wait_servers(others, timeout=1)
        self.assertEqual(['stop', 'start'],
                         self.actions(node.instance_uuid)[-2:])
        box = self.wait_outbox_drained()
        self.assertEqual(2, box['delivered'])
        self.assert_no_undeliverable()


class TestRaceWithComputeSync(base.StackTestCase):
    """(f) hardware changes land while the agents sync every second."""

    def _off_commands(self, indexes):
        bmcs = {b['index']: b for b in self.stack.bmc.list()}
        return {i: bmcs[i]['counters'].get('off', 0)
                + bmcs[i]['counters'].get('soft', 0) for i in indexes}

    def _on_commands(self, indexes):
        bmcs = {b['index']: b for b in self.stack.bmc.list()}
        return {i: bmcs[i]['counters'].get('on', 0) for i in indexes}

    def test_hardware_state_wins(self):
        stack = self.start_stack(nodes=8, conductor_sync_interval=INTERVAL,
                                 compute_sync_interval=1)
        nodes = stack.nodes
        indexes = [n.index for n in nodes]
        # Stopped through the API first: the agents' sync then has a
        # stopped instance to "correct" if it forced anything.
        for node in nodes:
            stack.compute.action(node.instance_uuid, 'os-stop')
        self.wait_servers({n.instance_uuid: 'SHUTOFF' for n in nodes})
        self.wait_outbox_drained()
        offs = self._off_commands(indexes)
        ons = self._on_commands(indexes)

        # All at once, behind the API's back, while both agents sync.
        for node in nodes:
            stack.flip(node.index, True)
        self.wait_servers({n.instance_uuid: 'ACTIVE' for n in nodes},
                          what='instances to follow the powered-on BMCs')
        # Several conductor cycles and agent syncs later, nothing moved.
        self.wait_cycles(3)
        self.assert_all_agree(timeout=1)
        self.assertEqual(offs, self._off_commands(indexes),
                         'a power off was forced onto the hardware')
        self.assertTrue(all(stack.bmc.get_power(i) for i in indexes))

        for node in nodes:
            stack.flip(node.index, False)
        self.wait_servers({n.instance_uuid: 'SHUTOFF' for n in nodes},
                          what='instances to follow the powered-off BMCs')
        self.wait_cycles(3)
        self.assert_all_agree(timeout=1)
        self.assertEqual(ons, self._on_commands(indexes),
                         'a power on was forced onto the hardware')
        self.assertFalse(any(stack.bmc.get_power(i) for i in indexes))
        self.wait_outbox_drained()
        self.assert_no_undeliverable()


class TestLossyBmcs(base.StackTestCase):
    """(g) 5 % packet loss everywhere and one BMC that never answers."""

    def test_no_false_power_failures(self):
        stack = self.start_stack(nodes=8, conductor_sync_interval=2)
        hung = stack.nodes[-1]
        stack.set_fault(None, loss_pct=5)
        stack.set_fault(hung.index, hang=True)
        flipped = stack.nodes[:3]
        for node in flipped:
            stack.flip(node.index, False)
        self.wait_servers({n.instance_uuid: 'SHUTOFF' for n in flipped},
                          what='instances of flipped BMCs, under loss')
        # Long enough for a healthy node to reach 'power failure' if lost
        # packets counted against it (max retries + 1 failed cycles).
        self.wait_cycles(stack.settings.power_state_sync_max_retries + 2)
        # The hung BMC really cost its node a failed sync.
        stack.wait_for(
            lambda: stack.baremetal.node(hung.uuid)['last_error'],
            base.SOON, 0.5, 'a recorded failure of the hung BMC')
        for node in flipped:
            stack.flip(node.index, True)
        self.wait_servers({n.instance_uuid: 'ACTIVE' for n in flipped},
                          what='instances of flipped BMCs, under loss')

        nodes = self.node_states()
        healthy = [n.uuid for n in stack.nodes if n is not hung]
        self.assertEqual([], [u for u in healthy if nodes[u]['fault']],
                         'healthy nodes went to power failure')
        self.assertEqual([], [u for u in healthy
                              if nodes[u]['maintenance']])
        # The hung one is in trouble alone, and its instance untouched.
        self.assertEqual('ACTIVE',
                         stack.compute.server(hung.instance_uuid)['status'])
        self.assert_no_undeliverable()
