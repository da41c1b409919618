"""What a running Stack looks like: one consistent-enough snapshot of the
BMCs, the nodes, the instances, the compute services and the outbox.

Everything comes through the public interfaces: the two APIs, the vBMC
control API, the conductor's log, the services' Prometheus ``/metrics``
endpoints (``metric_figures``, what the demo's live view shows), and for
the outbox figures the operator's command ``baremetal-notifier-manage
outbox status --format json``. That command is a whole interpreter start
(about a second), so a snapshot reads the outbox only when asked, and may
reuse recent figures.
"""

import dataclasses
import json
import statistics
import threading
import time

from prometheus_client import parser
import requests

from powerbridge.stack.stack import COMPUTE_API
from powerbridge.stack.stack import NOTIFIER

# Nova's power_state integers for the two states a bare metal node has.
RUNNING = 1
SHUTDOWN = 4
POWER_OF_NODE = {'power on': RUNNING, 'power off': SHUTDOWN}
STATUS_OF_BMC = {True: 'ACTIVE', False: 'SHUTOFF'}
NODE_STATE_OF_BMC = {True: 'power on', False: 'power off'}
# Logged by the conductor once per power sync cycle (at DEBUG when the
# cycle changed nothing, which the stack's logging options let through).
CYCLE_LINE = 'Power sync: '


@dataclasses.dataclass
class Snapshot:
    taken_at: float
    bmcs: dict        # index -> True (on) / False
    nodes: dict       # node uuid -> node (detail)
    servers: dict     # instance uuid -> server (detail)
    services: dict    # host -> nova-compute service
    outbox: dict      # `outbox status --format json`; None: not read
    cycles: int

    def node_agrees(self, stack_node):
        """BMC, node record and instance all say the same power state."""
        bmc_on = self.bmcs.get(stack_node.index)
        node = self.nodes.get(stack_node.uuid, {})
        if node.get('power_state') != NODE_STATE_OF_BMC.get(bmc_on):
            return False
        if not stack_node.instance_uuid:
            return True
        server = self.servers.get(stack_node.instance_uuid, {})
        return (server.get('status') == STATUS_OF_BMC[bmc_on]
                and server.get('OS-EXT-STS:power_state')
                == POWER_OF_NODE[node['power_state']]
                and server.get('OS-EXT-STS:task_state') is None)

    def in_sync(self, stack_nodes):
        return sum(1 for n in stack_nodes if self.node_agrees(n))

    def power_failures(self):
        return sorted(u for u, n in self.nodes.items()
                      if n.get('fault') == 'power failure')

    def reserved(self):
        return sorted(u for u, n in self.nodes.items() if n.get('reservation'))

    def hosts_of_servers(self):
        """host -> number of instances it owns, as the Compute API says."""
        counts = {}
        for server in self.servers.values():
            host = server.get('OS-EXT-SRV-ATTR:host')
            counts[host] = counts.get(host, 0) + 1
        return counts


class Observer:
    """Takes Snapshots of a Stack; counts sync cycles from its log."""

    def __init__(self, stack):
        self.stack = stack
        self._cycles = 0
        self._log_offset = 0
        self._lock = threading.Lock()
        self._outbox_lock = threading.Lock()
        self._outbox = (None, None)     # (monotonic time read, figures)

    def close(self):
        """Nothing is held open between reads; kept for callers."""

    def cycles(self):
        """Power sync cycles the conductor has logged so far."""
        with self._lock:
            path = self.stack.layout.log_path('baremetal-notifier')
            try:
                with open(path, 'rb') as log:
                    log.seek(self._log_offset)
                    data = log.read()
            except FileNotFoundError:
                return self._cycles
            # Count only whole lines; the rest is read next time.
            whole = data.rfind(b'\n') + 1
            self._cycles += data[:whole].count(CYCLE_LINE.encode())
            self._log_offset += whole
            return self._cycles

    def outbox(self, max_age=0):
        """The outbox figures, as ``outbox status --format json`` prints.

        :param max_age: seconds; figures read at most this long ago are
            reused rather than starting the command again (0: read now).
        :raises StackError: when the command fails.
        """
        with self._outbox_lock:
            read_at, figures = self._outbox
            if figures is not None and max_age and \
                    time.monotonic() - read_at <= max_age:
                return figures
            read_at = time.monotonic()
            figures = json.loads(self.stack.manage(
                'baremetal-notifier-manage', NOTIFIER,
                'outbox', 'status', '--format', 'json', timeout=60))
            self._outbox = (read_at, figures)
            return figures

    def snapshot(self, outbox_max_age=None):
        """The stack now; the outbox too unless ``outbox_max_age`` is None
        (then ``Snapshot.outbox`` is None), see ``outbox()``."""
        stack = self.stack
        return Snapshot(
            taken_at=time.monotonic(),
            bmcs={b['index']: b['power'] == 'on' for b in stack.bmc.list()},
            nodes={n['uuid']: n for n in stack.baremetal.nodes()},
            servers={s['id']: s for s in stack.compute.servers()},
            services=stack.services(),
            outbox=(None if outbox_max_age is None
                    else self.outbox(outbox_max_age)),
            cycles=self.cycles())


def percentile(values, pct):
    """The pct-th percentile (nearest rank); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


class LagTracker:
    """Time from a flip (or an API call) to the Compute API showing it."""

    def __init__(self):
        self.waiting = {}   # instance uuid -> (expected status, t0)
        self.lags = []

    def expect(self, instance_uuid, status, t0=None):
        self.waiting[instance_uuid] = (status, t0 or time.monotonic())

    def observe(self, servers, now=None):
        """Record the lag of every awaited instance now showing its state."""
        now = now or time.monotonic()
        for uuid, (status, t0) in list(self.waiting.items()):
            server = servers.get(uuid)
            if server and server.get('status') == status and \
                    server.get('OS-EXT-STS:task_state') is None:
                self.lags.append(now - t0)
                del self.waiting[uuid]

    def summary(self):
        if not self.lags:
            return {'count': 0, 'p50': None, 'p99': None, 'mean': None}
        return {'count': len(self.lags), 'p50': percentile(self.lags, 50),
                'p99': percentile(self.lags, 99),
                'mean': statistics.fmean(self.lags)}


def scrape(url, timeout=2.0):
    """The samples of a /metrics page as {(name, labels): value}, labels
    a frozenset of pairs; {} when the endpoint does not answer (a
    process stopped)."""
    try:
        response = requests.get(url, timeout=timeout)
        response.raise_for_status()
    except requests.RequestException:
        return {}
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in parser.text_string_to_metric_families(
                response.text) for s in family.samples}


def total(samples, name, **labels):
    """Sum of the ``name`` samples whose labels include ``labels``; None
    when there is none."""
    wanted = set(labels.items())
    found = [v for (n, got), v in samples.items()
             if n == name and wanted <= got]
    return sum(found) if found else None


def bucket_quantile(q, samples, name):
    """Prometheus' histogram_quantile over the ``name_bucket`` samples:
    linear within the bucket the rank falls in; None without samples."""
    buckets = sorted(
        (float(dict(labels)['le']), value)
        for (n, labels), value in samples.items() if n == name + '_bucket')
    if not buckets or not buckets[-1][1]:
        return None
    rank = q * buckets[-1][1]
    lower, below = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float('inf'):
                return lower
            if count == below:
                return bound
            return lower + (bound - lower) * (rank - below) / (count - below)
        lower, below = bound, count
    return lower


def metric_figures(stack):
    """What the demo's live view shows, read from the services' /metrics
    endpoints. A figure is None while its process does not answer."""
    bm = scrape(stack.layout.metrics_url(NOTIFIER))
    api = scrape(stack.layout.metrics_url(COMPUTE_API))
    cycle = 'baremetal_power_sync_cycle_duration_seconds'
    cycles = total(bm, cycle + '_count')
    events = 'baremetal_outbox_events_total'
    lag = 'baremetal_outbox_delivery_lag_seconds'
    figures = {
        'cycles': cycles,
        'cycle_mean': (total(bm, cycle + '_sum') / cycles
                       if cycles else None),
        'power_failures': total(bm, 'baremetal_nodes_power_failure'),
        'pending': total(bm, 'baremetal_outbox_pending'),
        'oldest_pending_age': total(
            bm, 'baremetal_outbox_oldest_pending_age_seconds'),
        'delivery_lag_p50': bucket_quantile(0.5, bm, lag),
        'delivery_lag_p99': bucket_quantile(0.99, bm, lag),
        'applied': total(api, 'compute_power_updates_total',
                         result='applied'),
    }
    for result in ('delivered', 'undeliverable', 'superseded', 'retried'):
        figures[result] = (total(bm, events, result=result) or 0
                           if bm else None)
    for status in ('up', 'down', 'forced_down', 'disabled'):
        figures['services_' + status] = total(api, 'compute_services',
                                              status=status)
    return figures
