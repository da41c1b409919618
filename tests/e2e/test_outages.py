"""Failures of the processes themselves.

(c) the Compute API down for 30 s while 100 vBMCs flip: nothing lost,
    everything applied soon after it returns;
(d) baremetal-notifier killed with SIGKILL mid-cycle and restarted: no
    lost events, no stale locks.
"""

import signal
import time

from powerbridge import stack as pb_stack
from tests.e2e import base

# The outage; POWERBRIDGE_TEST_E2E_OUTAGE shortens it locally.
OUTAGE = base.env_seconds('E2E_OUTAGE', 30.0)
FLIPS = 100


class TestComputeAPIOutage(base.StackTestCase):
    """(c)"""

    def test_nothing_lost(self):
        stack = self.start_stack(nodes=FLIPS, conductor_sync_interval=1)
        went_down = time.monotonic()
        stack.terminate(pb_stack.COMPUTE_API)
        for node in stack.nodes:
            stack.flip(node.index, False)
        # The conductor keeps recording; the events wait in the outbox.
        self.wait_nodes({n.uuid: 'power off' for n in stack.nodes},
                        what='the conductor to record every flip')
        stack.wait_for(
            lambda: self.observer.outbox()['pending'] == FLIPS,
            base.SOON, 0.2, '%d pending events' % FLIPS)
        # Retries go on meanwhile, and fail without losing anything.
        time.sleep(max(0.0, went_down + OUTAGE - time.monotonic()))
        box = self.observer.outbox()
        self.assertEqual(FLIPS, box['pending'])
        self.assertEqual(0, box['undeliverable'])

        stack.restart(pb_stack.COMPUTE_API)
        took = self.wait_servers(
            {n.instance_uuid: 'SHUTOFF' for n in stack.nodes},
            timeout=stack.settings.retry_max_delay + 30,
            what='every event applied after the outage')
        self.addDetail('recovery', base.content.text_content(
            '%.2f s after the Compute API answered again' % took))
        box = self.wait_outbox_drained()
        self.assertEqual(FLIPS, box['delivered'])
        self.assertEqual(0, box['undeliverable'])


class TestNotifierKilled(base.StackTestCase):
    """(d)"""

    def test_no_lost_events_no_stale_locks(self):
        # A short request timeout: a claim the killed sender held comes
        # due again after its lease (3 timeouts).
        stack = self.start_stack(nodes=12, conductor_sync_interval=1,
                                 overrides={'baremetal': {
                                     'nova': {'timeout': 3}}})
        delivered_first = stack.nodes[:4]      # flipped, recorded, pending
        unseen = stack.nodes[4:8]              # flipped just before the kill
        acted = stack.nodes[8]                 # a power action in flight
        # A frozen Compute API: the sender's POST hangs, events stay
        # pending or in flight.
        stack.processes[pb_stack.COMPUTE_API].pause()
        self.addCleanup(stack.processes[pb_stack.COMPUTE_API].resume)
        for node in delivered_first:
            stack.flip(node.index, False)
        self.wait_nodes({n.uuid: 'power off' for n in delivered_first},
                        what='the first flips recorded')
        # A slow BMC keeps the power action (and its lock) going.
        stack.set_fault(acted.index, latency_ms=3000)
        stack.baremetal.set_power(acted.uuid, 'power off')
        stack.wait_for(
            lambda: stack.baremetal.node(acted.uuid)['reservation'],
            base.SOON, 0.05, 'the power action to hold its lock')
        for node in unseen:
            stack.flip(node.index, False)
        self.assertTrue(self.observer.outbox()['pending'] >= 4)

        stack.kill(pb_stack.NOTIFIER)
        self.assertEqual(-signal.SIGKILL,
                         stack.processes[pb_stack.NOTIFIER].returncode)
        stack.set_fault(acted.index, latency_ms=0)
        stack.processes[pb_stack.COMPUTE_API].resume()
        stack.restart(pb_stack.NOTIFIER)

        # No stale lock: the restarted conductor cleared its own.
        nodes = self.node_states()
        self.assertEqual([], [u for u, n in nodes.items()
                              if n['reservation']])
        self.assertEqual([], [u for u, n in nodes.items()
                              if n['target_power_state']])
        # No lost event: every flip reaches its instance.
        off = delivered_first + unseen
        self.wait_servers({n.instance_uuid: 'SHUTOFF' for n in off},
                          what='every flip applied after the restart')
        self.assert_all_agree()
        self.wait_outbox_drained()
        self.assert_no_undeliverable()
