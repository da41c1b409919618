"""Prometheus metrics of the Compute side: API, events, agent.

Names, units and labels are listed in README.rst ("Metrics"). Counters
and histograms are updated where things happen; the services gauges are
computed when Prometheus scrapes, in the scrape's thread, from one read
of the services table and Nova's ``is_up`` rule. Label values come from
fixed sets (event names, tags, codes, outcomes, route templates) or the
services' binaries; never an instance, a host name or a raw path.
"""

from oslo_log import log as logging
from prometheus_client import core

from compute_ext.compute import power_update
from compute_ext import context as compute_context
from compute_ext.objects import services as service_obj
from compute_ext import servicegroup
from powerbridge import metrics

LOG = logging.getLogger(__name__)

PREFIX = 'compute'
# Tags a label may carry: the power-update ones. Other events' tags are
# port or volume ids (unbounded), labelled 'other'.
KNOWN_TAGS = frozenset(power_update.TRANSITIONS)


class ComputeMetrics(metrics.Metrics):
    """Every metric family of one compute_ext process (API or agent)."""

    def __init__(self):
        super().__init__()
        self.request_duration = metrics.request_duration(self, PREFIX)
        self.external_events = self.counter(
            'compute_external_events_total',
            'Server external events received, by event name, tag '
            "(power-update's POWER_ON/POWER_OFF; 'other' for any other "
            "tag, 'none' without one) and per-event code (200, 400, 404, "
            '422).', ('name', 'tag', 'code'))
        self.power_updates = self.counter(
            'compute_power_updates_total',
            'Accepted power-update events by tag and result: applied '
            "(the instance's states changed), noop (Nova's rules left it "
            'as it was) or invalid (an unknown tag).', ('tag', 'result'))
        self.sync_outcomes = self.counter(
            'compute_power_sync_instances_total',
            "The compute agent's periodic power sync, per instance "
            'visited, by outcome (in-sync, recorded, forced, busy, lost, '
            'not-mine, gone, force-failed, error, aborted).', ('outcome',))

    def event(self, name, tag, code):
        if tag is None:
            tag = 'none'
        elif tag not in KNOWN_TAGS:
            tag = 'other'
        self.external_events.labels(name=name, tag=tag, code=str(code)).inc()

    def power_update(self, tag, result):
        self.power_updates.labels(
            tag=tag if tag in KNOWN_TAGS else 'other', result=result).inc()

    def sync_done(self, outcomes):
        for outcome in outcomes.values():
            self.sync_outcomes.labels(outcome=outcome).inc()

    def watch_services(self, conf, db):
        """Serve the services gauges, read from ``db`` at scrape time."""
        self.add_collector(_ServicesCollector(conf, db))


class _ServicesCollector:
    def __init__(self, conf, db):
        self.ctx = compute_context.admin_context(db)
        self.servicegroup = servicegroup.ServiceGroup(conf)

    def describe(self):
        return []

    def collect(self):
        family = core.GaugeMetricFamily(
            'compute_services',
            "Services by binary and status: 'up' and 'down' by Nova's "
            "is_up rule (they add up to all services); 'forced_down' and "
            "'disabled' count those flags (a forced-down service is also "
            'down).', labels=('binary', 'status'))
        try:
            services = service_obj.get_all(self.ctx)
        except Exception as exc:
            # A scrape must answer: the gauges are left out, once logged.
            LOG.warning('Metrics: cannot read the services: %s',
                        str(exc).splitlines()[0] if str(exc) else
                        type(exc).__name__)
            return [family]
        counts = {}
        for service in services:
            up = self.servicegroup.is_up(service)
            statuses = ['up' if up else 'down']
            if service.forced_down:
                statuses.append('forced_down')
            if service.disabled:
                statuses.append('disabled')
            for status in ('up', 'down', 'forced_down', 'disabled'):
                key = (service.binary, status)
                counts[key] = counts.get(key, 0) + (status in statuses)
        for key, count in sorted(counts.items()):
            family.add_metric(key, count)
        return [family]
