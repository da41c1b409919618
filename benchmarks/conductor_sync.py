"""Full conductor power sync cycles next to Ironic's ipmitool way.

    python benchmarks/conductor_sync.py [--quick]

Each cycle is ``ConductorManager.sync_power_states()``: the candidate
SELECT on SQLite, one batched query of every BMC through the pyghmi driver,
and the state writes (batch lock, re-read, node rows and outbox events).
The virtual BMC fleet runs in its own process (baremetal-notifier-vbmc).

* cold: a new conductor (no IPMI session) over freshly enrolled nodes, so
  every node logs in and has its first observation written with an event;
* warm: the next cycles, sessions reused, nothing to write (median of 5);
* a cycle after 10 % of the BMCs flipped behind the API's back;
* Ironic's way in the same run: one ``ipmitool -I lanplus ... power status``
  process per node, 8 worker threads, the password in IPMI_PASSWORD (-E);
* a warm cycle with 5 % packet loss on every BMC, and one with a hung BMC
  that waits 1 s for readings, as with a 1 s sync interval;
* the conductor's RSS with 10,000 nodes on these 1,000 BMCs (see
  measure_rss(); node_scale.py measures 10,000 BMCs, one per node).

One line per figure, ``NAME: VALUE UNIT (goal GOAL)``; exit status 1 when
a goal is missed. ``--quick``: 200 nodes, ipmitool on 100, no RSS figure
for one live BMC per node.
"""

import argparse
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _proc  # noqa: E402

# NOTE: only what a conductor process imports is imported here; the
# parent's tools (migrations, the fleet, ipmitool) are imported in main(),
# so the RSS child measures a conductor and not the benchmark.
from oslo_config import cfg  # noqa: E402

from baremetal_notifier import conf as baremetal_conf  # noqa: E402
from baremetal_notifier.conductor import manager  # noqa: E402
from baremetal_notifier.drivers import ipmi  # noqa: E402
from powerbridge import db  # noqa: E402
from powerbridge import service  # noqa: E402

SYNC_DEADLINE = 30.0
HUNG_WAIT = 1.0
HUNG_DEADLINE = 6.0
# Seconds Ironic's way may run; beyond, its figures are scaled from the
# nodes it reached (ipmi_sync.ipmitool_pass), to bound the whole run.
IPMITOOL_BUDGET = 45.0
WARM_CYCLES = 5
RSS_NODES = 10000
RSS_GOAL_MB = 150
RUN_GOAL_SECONDS = 240.0


def enroll(workdir, name, base_port, count, bmcs=None):
    """An SQLite file with ``count`` freshly enrolled nodes (each with an
    instance), node i on BMC port base_port + i % bmcs; returns its URL."""
    from oslo_utils import uuidutils
    import sqlalchemy as sa

    import db_migrations
    import ipmi_sync
    from baremetal_notifier.db import models

    bmcs = bmcs or count
    url = 'sqlite:///' + os.path.join(workdir, name + '.sqlite')
    engine = sa.create_engine(url)
    db_migrations.upgrade('baremetal', engine)
    rows = [dict(uuid=uuidutils.generate_uuid(), driver='ipmi',
                 instance_uuid=uuidutils.generate_uuid(),
                 provision_state='active', maintenance=False,
                 power_sync_failures=0, driver_info=json.dumps({
                     'ipmi_address': '127.0.0.1',
                     'ipmi_port': base_port + i % bmcs,
                     'ipmi_username': ipmi_sync.USERNAME,
                     'ipmi_password': ipmi_sync.PASSWORD}))
            for i in range(count)]
    with engine.begin() as conn:
        conn.execute(models.Node.__table__.insert(), rows)
    engine.dispose()
    return url


class Conductor:
    """A started ConductorManager (no periodic loops) on database ``url``."""

    def __init__(self, url):
        conf = cfg.ConfigOpts()
        baremetal_conf.register_opts(conf)
        conf([], project='baremetal-notifier', default_config_files=[])
        conf.set_override('host', 'bench-conductor')
        conf.set_override('connection', url, group='database')
        for name, value in (('sync_power_state_interval', 0),
                            ('power_failure_recovery_interval', 0)):
            conf.set_override(name, value, group='conductor')
        self.db = db.Database(url)
        self.manager = manager.ConductorManager(
            conf, self.db, ipmi.IPMIPowerDriver(), sync_deadline=SYNC_DEADLINE)
        self.manager.start()
        # As the conductor's console scripts do once started.
        service.tune_gc()

    def cycle(self):
        return self.manager.sync_power_states()

    def stop(self):
        self.manager.stop(timeout=5)
        self.db.dispose()


def measure_conductor(figs, workdir, fleet, count):
    """Cold cycle then warm cycles; returns (conductor, cold s, warm s)."""
    conductor = Conductor(enroll(workdir, 'sync-%d' % count,
                                 fleet.base_port, count))
    stats = conductor.cycle()
    cold = stats.seconds
    figs.add('conductor_cold_%d_seconds' % count, cold, 's',
             *(('<=', 2.0) if count >= 1000 else ()))
    figs.add('conductor_cold_%d_nodes_per_second' % count, count / cold,
             'nodes/s', fmt='%.0f')
    figs.add('conductor_cold_%d_recorded' % count, stats.recorded, 'nodes',
             '==', count, fmt='%d')
    figs.add('conductor_cold_%d_events' % count, stats.events, 'events',
             '==', count, fmt='%d')
    walls, failures = [], 0
    for _ in range(WARM_CYCLES):
        stats = conductor.cycle()
        walls.append(stats.seconds)
        failures += stats.failures + stats.recorded
    warm = statistics.median(walls)
    figs.add('conductor_warm_%d_seconds' % count, warm, 's',
             *(('<=', 0.5) if count >= 1000 else ()))
    figs.add('conductor_warm_%d_max_seconds' % count, max(walls), 's')
    figs.add('conductor_warm_%d_nodes_per_second' % count, count / warm,
             'nodes/s', fmt='%.0f')
    figs.add('conductor_warm_%d_failures' % count, failures, 'nodes', '==',
             0, fmt='%d')
    return conductor, cold, warm


def measure_changes(figs, client, conductor, count):
    """A warm cycle that records a tenth of the nodes (flipped BMCs)."""
    flipped = range(0, count, 10)
    for index in flipped:
        client.set_power(index, True)
    stats = conductor.cycle()
    figs.add('conductor_warm_%d_flip%d_seconds' % (count, len(flipped)),
             stats.seconds, 's')
    figs.add('conductor_warm_%d_flip%d_recorded' % (count, len(flipped)),
             stats.recorded, 'nodes', '==', len(flipped), fmt='%d')


def measure_faults(figs, client, conductor, count):
    client.set_fault(None, loss_pct=5)
    try:
        stats = conductor.cycle()
    finally:
        client.set_fault(None, loss_pct=0)
    figs.add('conductor_warm_%d_loss5_seconds' % count, stats.seconds, 's',
             '<=', 10.0)
    figs.add('conductor_warm_%d_loss5_failures' % count, stats.failures,
             'nodes', '==', 0, fmt='%d')
    conductor.cycle()  # sessions broken by the loss log in again
    hung = count // 2
    client.set_fault(hung, hang=True)
    sync = conductor.manager.power_sync
    # As with a 1 s sync interval: the cycle waits HUNG_WAIT for readings;
    # the hung BMC's read goes on under its own deadline and its failure
    # is counted by the cycle after it ends.
    sync.wait, sync.reader.deadline = HUNG_WAIT, HUNG_DEADLINE
    try:
        stats = conductor.cycle()
        sync.reader.wait_idle(HUNG_DEADLINE + 5)
        after = conductor.cycle()
    finally:
        client.set_fault(hung, hang=False)
        sync.wait = sync.reader.deadline = SYNC_DEADLINE
    figs.add('conductor_warm_%d_one_hung_seconds' % count, stats.seconds,
             's', '<=', HUNG_WAIT + 0.5)
    figs.add('conductor_warm_%d_one_hung_unread' % count, stats.unread,
             'nodes', '==', 1, fmt='%d')
    figs.add('conductor_warm_%d_one_hung_failures' % count, stats.failures,
             'nodes', '==', 0, fmt='%d')
    figs.add('conductor_warm_%d_one_hung_next_cycle_failures' % count,
             after.failures, 'nodes', '==', 1, fmt='%d')


def measure_ipmitool(figs, ipmi_sync, fleet, count, workers, cold, warm,
                     ours):
    wall, _cpu, errors = ipmi_sync.ipmitool_pass(
        ipmi_sync.targets(fleet, count), workers, IPMITOOL_BUDGET)
    figs.add('ipmitool_%d_seconds' % count, wall, 's')
    figs.add('ipmitool_%d_nodes_per_second' % count, count / wall,
             'nodes/s', fmt='%.0f')
    figs.add('ipmitool_%d_errors' % count, errors, 'nodes', '==', 0,
             fmt='%d')
    # NOTE: per node, so a smaller ipmitool run (--quick) compares too.
    per_node = wall / count
    figs.add('conductor_warm_%d_vs_ipmitool_ratio' % ours,
             per_node / (warm / ours), 'x', '>=', 25, fmt='%.0f')
    figs.add('conductor_cold_%d_vs_ipmitool_ratio' % ours,
             per_node / (cold / ours), 'x', fmt='%.1f')


def rss_child(url):
    """In a child process: a conductor alone runs a cold and a warm cycle
    over the nodes of ``url``; prints its VmRSS and the cycle figures."""
    logging.basicConfig(level=logging.CRITICAL)
    conductor = Conductor(url)
    cold = conductor.cycle()
    warm = conductor.cycle()
    print(json.dumps({'rss_mb': _proc.own_memory_mb(), 'cold': cold.seconds,
                      'warm': warm.seconds,
                      'failures': cold.failures + warm.failures}))
    conductor.stop()


def measure_rss(figs, workdir, fleet, count, name, goal=None):
    """The RSS of a conductor process with ``count`` nodes on ``fleet``.

    Method: the database is built by this process; a child process that
    imports and runs only the conductor syncs it twice (cold, warm) and
    reports VmRSS. With a fleet smaller than ``count`` (the goal figure:
    10,000 nodes on the 1000 BMCs of the main fleet, 10 nodes per BMC),
    pyghmi shares one session among the nodes of a BMC, so the figure is
    the conductor's own cost per node (rows, targets, readings, the IPMI
    engine's per-node state) plus one session per BMC.
    """
    url = enroll(workdir, 'rss-' + name, fleet.base_port, count, fleet.count)
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), '--rss-child', url],
        capture_output=True, text=True, timeout=150, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    prefix = 'conductor_%d_nodes_%s' % (count, name)
    figs.add(prefix + '_rss', result['rss_mb'], 'MB',
             *(('<=', goal) if goal else ()), fmt='%.1f')
    figs.add(prefix + '_cold_seconds', result['cold'], 's')
    figs.add(prefix + '_warm_seconds', result['warm'], 's')
    figs.add(prefix + '_failures', result['failures'], 'nodes', '==', 0,
             fmt='%d')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='200 nodes, ipmitool on 100, one RSS figure')
    parser.add_argument('--workers', type=int, default=8,
                        help='ipmitool worker threads (Ironic default 8)')
    parser.add_argument('--rss-child', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        rss_child(args.rss_child)
        return 0
    import ipmi_sync
    from powerbridge.vbmc import control

    # NOTE: the figures are the output; expected failures (the hung BMC)
    # would otherwise be logged in the middle of them.
    logging.basicConfig(level=logging.CRITICAL)
    if shutil.which('ipmitool') is None:
        print('ipmitool is not installed', file=sys.stderr)
        return 2
    sizes = [200] if args.quick else [200, 1000]
    tool_count = 100 if args.quick else 1000
    figs = ipmi_sync.Figures()
    workdir = tempfile.mkdtemp(prefix='conductor-bench-')
    started = time.monotonic()
    fleet = ipmi_sync.FleetProcess(max(sizes), workdir)
    try:
        fleet.start()
        client = control.ControlClient(fleet.url)
        results = {}
        for count in sizes:
            results[count] = measure_conductor(figs, workdir, fleet, count)
            if count != max(sizes):
                results[count][0].stop()
        conductor, cold, warm = results[max(sizes)]
        measure_ipmitool(figs, ipmi_sync, fleet, tool_count, args.workers,
                         cold, warm, max(sizes))
        measure_changes(figs, client, conductor, max(sizes))
        measure_faults(figs, client, conductor, max(sizes))
        conductor.stop()
        measure_rss(figs, workdir, fleet, RSS_NODES, 'shared_bmcs',
                    RSS_GOAL_MB)
    finally:
        fleet.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return figs.finish(started, RUN_GOAL_SECONDS)


if __name__ == '__main__':
    sys.exit(main())
