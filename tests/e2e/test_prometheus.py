"""A real Prometheus scrapes both services while the stack works.

Each step does something to the stack and then asks Prometheus (PromQL
over its HTTP API) until the series show it: flips recorded and their
events delivered and applied, a compute host forced down, and a Compute
API outage whose pending events rise and then drain.
"""

import os
import time

from testtools import content

from powerbridge import stack as pb_stack
from tests.e2e import base
from tests.fixtures import prometheus

NODES = 4


class TestPrometheusScrapes(base.StackTestCase):

    scenarios = [('sqlite', {'backend': 'sqlite'})]

    def setUp(self):
        super().setUp()
        try:
            prometheus.find_or_install()
        except prometheus.Unavailable as exc:
            self.skipTest(str(exc))

    def until(self, promql, check, what, timeout=base.SOON):
        """Poll ``promql`` until ``check(value)``; returns the value."""
        end = time.monotonic() + timeout
        value = None
        while time.monotonic() < end:
            value = self.prom.scalar(promql)
            if value is not None and check(value):
                return value
            time.sleep(0.25)
        self.fail('%s: %s stayed at %r' % (what, promql, value))

    def test_series_follow_the_scenario(self):
        stack = self.start_stack(nodes=NODES, conductor_sync_interval=1)
        lay = stack.layout
        targets = {
            'baremetal': ['127.0.0.1:%d' % lay.metrics_ports[
                pb_stack.NOTIFIER]],
            'compute': ['127.0.0.1:%d' % lay.metrics_ports[name]
                        for name in [pb_stack.COMPUTE_API]
                        + list(stack.settings.compute_hosts)]}
        self.prom = self.useFixture(prometheus.Prometheus(
            targets, os.path.join(stack.root, 'prometheus')))
        self.addOnException(lambda exc_info: self.addDetail(
            'log-prometheus', content.text_content(self.prom.log())))
        self.until('sum(up)', lambda v: v == 4, 'every target scraped')
        self.until('baremetal_nodes_by_power_state{power_state="power on"}',
                   lambda v: v == NODES, 'the enrolled nodes on')
        recorded = self.prom.scalar('baremetal_power_sync_recorded_total')
        delivered = self.prom.scalar(
            'sum(baremetal_outbox_events_total{result="delivered"}) or '
            'vector(0)')

        # Two flips behind the API's back.
        flipped = stack.nodes[:2]
        for node in flipped:
            stack.flip(node.index, False)
        self.wait_servers({n.instance_uuid: 'SHUTOFF' for n in flipped})
        self.until('baremetal_power_sync_recorded_total',
                   lambda v: v >= recorded + 2, 'the flips recorded')
        self.until('baremetal_nodes_by_power_state{power_state="power off"}',
                   lambda v: v == 2, 'two nodes off')
        self.until('sum(baremetal_outbox_events_total{result="delivered"})',
                   lambda v: v >= delivered + 2, 'the events delivered')
        self.until('sum(compute_power_updates_total{tag="POWER_OFF",'
                   'result="applied"})', lambda v: v >= 2,
                   'the events applied by the Compute API')
        self.until('sum(compute_external_events_total{name="power-update",'
                   'code="200"})', lambda v: v >= 2, 'events accepted')
        self.until('baremetal_outbox_delivery_lag_seconds_count',
                   lambda v: v >= 2, 'delivery lags observed')
        self.until('sum(compute_api_request_duration_seconds_count{route='
                   '"/v2.1/os-server-external-events",method="POST"})',
                   lambda v: v >= 1, 'the events request timed')
        self.until('baremetal_power_sync_cycle_duration_seconds_count',
                   lambda v: v >= 3, 'sync cycles')

        # A compute host forced down.
        host = stack.settings.compute_hosts[0]
        stack.compute.set_forced_down(host, True)
        self.until('compute_services{status="forced_down"}',
                   lambda v: v == 1, 'the host forced down')
        self.until('compute_services{status="down"}', lambda v: v == 1,
                   'the forced host counted down')
        stack.compute.set_forced_down(host, False)
        self.until('compute_services{status="up"}', lambda v: v == 2,
                   'the host up again')

        # An outage of the Compute API: the events wait, then drain.
        stack.terminate(pb_stack.COMPUTE_API)
        for node in flipped:
            stack.flip(node.index, True)
        self.until('baremetal_outbox_pending', lambda v: v == 2,
                   'the pending count rising during the outage')
        self.until('sum(baremetal_outbox_events_total{result="retried"})',
                   lambda v: v >= 1, 'failed attempts counted')
        self.until('baremetal_outbox_oldest_pending_age_seconds',
                   lambda v: v > 0, 'the oldest pending event ageing')
        stack.restart(pb_stack.COMPUTE_API)
        self.wait_servers({n.instance_uuid: 'ACTIVE' for n in flipped})
        self.until('baremetal_outbox_pending', lambda v: v == 0,
                   'the outbox drained')
        self.until('max_over_time(baremetal_outbox_pending[2m])',
                   lambda v: v == 2, 'the outage visible in the history')
