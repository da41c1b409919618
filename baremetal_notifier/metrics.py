"""Prometheus metrics of the Bare Metal side: conductor, outbox, API.

Names, units and labels are listed in README.rst ("Metrics"). Counters
and histograms are updated where things happen (the sync cycle, each BMC
reading, each power action, each outbox batch, each API request). Gauges
are computed when Prometheus scrapes, in the scrape's thread: fleet-wide
ones from one GROUP BY on the database (the same figures from every
process that serves them), this conductor's own from its memory. Label
values come from fixed sets (states, results, route templates) or are the
conductor's host name; never a node name, a path or a password.
"""

import time

from oslo_log import log as logging
from prometheus_client import core
import sqlalchemy as sa

from baremetal_notifier.db import models
from baremetal_notifier.objects import outbox as outbox_obj
from powerbridge import db as db_utils
from powerbridge import metrics

LOG = logging.getLogger(__name__)

PREFIX = 'baremetal'
NODES = models.Node.__table__
OUTBOX = outbox_obj.OUTBOX
POWER_FAILURE = 'power failure'
# Cycle times: warm 1,000 BMCs take ~0.1 s, a cycle waiting on a slow BMC
# up to its interval.
CYCLE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                 30.0, 60.0)
# One BMC reading: a warm read is milliseconds, a login tens of ms, a
# retransmit 0.1-1 s, a dead BMC its whole retry budget.
READ_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0, 30.0)
# Node change to the Compute API's answer: detection is the sender's
# poll interval away, an outage minutes.
LAG_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0,
               300.0, 1800.0)


class BaremetalMetrics(metrics.Metrics):
    """Every metric family of one baremetal-notifier process."""

    def __init__(self):
        super().__init__()
        self.request_duration = metrics.request_duration(self, PREFIX)
        self.cycle_duration = self.histogram(
            'baremetal_power_sync_cycle_duration_seconds',
            'Duration of one power sync cycle of this conductor.',
            buckets=CYCLE_BUCKETS)
        self.recorded = self.counter(
            'baremetal_power_sync_recorded_total',
            'Hardware power states the sync wrote to the database '
            '(changes found behind the API, and first observations).')
        self.read_duration = self.histogram(
            'baremetal_bmc_read_duration_seconds',
            'Time from asking a BMC for its power state to its answer '
            '(failed reads included).', buckets=READ_BUCKETS)
        self.read_failures = self.counter(
            'baremetal_bmc_read_failures_total',
            'BMC power state reads that failed (no answer by the '
            "driver's deadline, or an error answer).")
        self.power_actions = self.counter(
            'baremetal_power_actions_total',
            'Power actions on hardware, by target, origin (api: '
            'PUT .../states/power; sync: forced during the sync) and '
            'result (success, failure).', ('target', 'origin', 'result'))
        self.outbox_events = self.counter(
            'baremetal_outbox_events_total',
            'Power-update events leaving the outbox, by result: '
            'delivered, superseded (a newer event of the same instance '
            'went instead), undeliverable (refused for good), retried '
            '(an attempt failed; the event stays pending).', ('result',))
        self.delivery_lag = self.histogram(
            'baremetal_outbox_delivery_lag_seconds',
            "Time from a node's power change (its commit with the event) "
            "to the Compute API's answer accepting the event.",
            buckets=LAG_BUCKETS)
        self.conductor = None

    # -- hooks -----------------------------------------------------------

    def cycle(self, stats):
        self.cycle_duration.observe(stats.seconds)
        if stats.recorded:
            self.recorded.inc(stats.recorded)

    def bmc_read(self, seconds, failed):
        self.read_duration.observe(seconds)
        if failed:
            self.read_failures.inc()

    def power_action(self, target, origin, ok):
        self.power_actions.labels(target=target, origin=origin,
                                  result='success' if ok else 'failure'
                                  ).inc()

    def outbox_summary(self, summary):
        for result in ('delivered', 'superseded', 'undeliverable',
                       'retried'):
            count = getattr(summary, result)
            if count:
                self.outbox_events.labels(result=result).inc(count)

    def delivered(self, claims, answered_at):
        """Delivery lag of events the Compute API accepted at
        ``answered_at`` (UTC, the database's clock convention)."""
        for claim in claims:
            if claim.created_at is not None:
                self.delivery_lag.observe(max(0.0, (
                    answered_at - claim.created_at).total_seconds()))

    def watch_conductor(self, conductor):
        """Serve this conductor's own gauges (nodes, reads in flight)."""
        self.conductor = conductor
        self.add_collector(_ConductorCollector(conductor))

    def watch_database(self, db):
        """Serve the fleet-wide gauges read from ``db`` at scrape time."""
        self.add_collector(_DatabaseCollector(db))


class _ConductorCollector:
    def __init__(self, conductor):
        self.conductor = conductor

    def collect(self):
        nodes = core.GaugeMetricFamily(
            'baremetal_conductor_nodes',
            'Nodes the last power sync cycle of this conductor covered '
            '(its share of the fleet).', labels=('conductor',))
        nodes.add_metric((self.conductor.host,),
                         self.conductor.power_sync.last_nodes)
        owned = core.GaugeMetricFamily(
            'baremetal_conductor_nodes_owned',
            'Nodes this conductor owns by the hash ring of its conductor '
            'group at its last cycle (maintenance ones too).',
            labels=('conductor', 'conductor_group'))
        owned.add_metric((self.conductor.host,
                          self.conductor.conductor_group),
                         self.conductor.nodes_owned)
        reading = core.GaugeMetricFamily(
            'baremetal_bmc_reads_in_flight',
            'BMCs still answering a power state read of this conductor.',
            labels=('conductor',))
        reading.add_metric((self.conductor.host,),
                           self.conductor.power_sync.reader.still_reading())
        return [nodes, owned, reading]


class _DatabaseCollector:
    """Fleet gauges: one short read transaction per scrape."""

    def __init__(self, db):
        self.db = db

    def describe(self):
        # NOTE: no database read when the collector is registered.
        return []

    def collect(self):
        started = time.monotonic()
        try:
            figures = self._read()
        except Exception as exc:
            # A scrape must answer; the gauges are left out and the
            # error counted, never raised into the listener.
            LOG.warning('Metrics: cannot read the node and outbox gauges: '
                        '%s', str(exc).splitlines()[0] if str(exc) else
                        type(exc).__name__)
            figures = None
        if figures is not None:
            yield from self._families(*figures)
        took = core.GaugeMetricFamily(
            'baremetal_metrics_database_read_seconds',
            'Time the last scrape spent reading the database gauges.')
        took.add_metric((), time.monotonic() - started)
        yield took

    def _read(self):
        with self.db.reader.using(outbox_obj.new_context()) as session:
            power = session.execute(
                sa.select(NODES.c.power_state, sa.func.count())
                .group_by(NODES.c.power_state)).all()
            provision = session.execute(
                sa.select(NODES.c.provision_state, sa.func.count())
                .group_by(NODES.c.provision_state)).all()
            failed = session.execute(
                sa.select(sa.func.count()).where(
                    NODES.c.maintenance.is_(True),
                    NODES.c.fault == POWER_FAILURE)).scalar()
            pending, oldest = session.execute(
                sa.select(sa.func.count(), sa.func.min(OUTBOX.c.created_at))
                .where(OUTBOX.c.status == outbox_obj.PENDING)).one()
        age = 0.0
        if oldest is not None:
            age = max(0.0, (db_utils.utcnow() - oldest).total_seconds())
        return power, provision, failed, pending, age

    @staticmethod
    def _families(power, provision, failed, pending, age):
        by_power = core.GaugeMetricFamily(
            'baremetal_nodes_by_power_state',
            "Nodes by recorded power state ('none': never read).",
            labels=('power_state',))
        for state, count in power:
            by_power.add_metric((state or 'none',), count)
        by_provision = core.GaugeMetricFamily(
            'baremetal_nodes_by_provision_state',
            'Nodes by provision state.', labels=('provision_state',))
        for state, count in provision:
            by_provision.add_metric((state or 'none',), count)
        yield by_power
        yield by_provision
        yield core.GaugeMetricFamily(
            'baremetal_nodes_power_failure',
            "Nodes in maintenance with fault 'power failure'.",
            value=failed)
        yield core.GaugeMetricFamily(
            'baremetal_outbox_pending',
            'Power-update events not yet delivered (in flight and waiting '
            'to retry included).', value=pending)
        yield core.GaugeMetricFamily(
            'baremetal_outbox_oldest_pending_age_seconds',
            'Age of the oldest pending power-update event (0: none).',
            value=age)
