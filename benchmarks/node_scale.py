"""Conductor cost from 1,000 to 10,000 BMCs, one BMC per node.

    python benchmarks/node_scale.py [--quick] [--plot DIR]

The virtual BMC fleet runs in FLEETS processes of its own (one Python
process cannot answer 10,000 BMCs on time on two cores; the figures here
are the conductor's, measured in its own process). For every size a new
conductor process (``--child``: a started ConductorManager, as
baremetal-notifier-conductor runs one) syncs freshly enrolled nodes on an
SQLite file: one cold cycle (every node logs in and has its first
observation written, with an event), then WARM_CYCLES warm ones (sessions
reused, nothing to write). Per size: cold seconds, warm seconds (median)
and the conductor's CPU seconds per warm cycle (process time, every
thread), its RSS after the cycles, and Ironic's way for comparison: one
``ipmitool ... power status`` process per node, 8 threads, timed on a
sample of IPMITOOL_SAMPLE nodes and drawn per node count from that
sample's cost per node.

Goals, against the same run's 1,000-node pass: warm 10,000 <= 1.5 s and
its cost per node within 1.5x of 1,000's; cold 10,000 <= 8 s with every
node read; RSS <= 150 MB with 10,000 nodes. ``--plot DIR`` writes
node_scale_cycle.png and node_scale_rss.png there. ``--quick``: 200 and
1,000 nodes, no goals judged at 10,000.
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

SIZES = (1000, 2500, 5000, 10000)
QUICK_SIZES = (200, 1000)
FLEETS = 4
WARM_CYCLES = 5
IPMITOOL_SAMPLE = 200
IPMITOOL_WORKERS = 8
BASE = 1000
WARM_GOAL_S = 1.5
PER_NODE_RATIO_GOAL = 1.5
COLD_GOAL_S = 8.0
RSS_GOAL_MB = 150.0
RUN_GOAL_SECONDS = 420.0


def fleet_cpu(pids):
    """User + system CPU seconds of the fleet processes."""
    return sum(_proc.cpu_seconds(pid) for pid in pids)


def child(url, cycles, pids):
    """In the conductor process: cold then ``cycles`` warm cycles; prints
    one JSON line of figures."""
    # NOTE: only the conductor's own imports, so the RSS is a conductor's.
    import conductor_sync

    logging.basicConfig(level=logging.CRITICAL)
    conductor = conductor_sync.Conductor(url)

    def timed():
        cpu, fleet = time.process_time(), fleet_cpu(pids)
        stats = conductor.cycle()
        return stats, (time.process_time() - cpu, fleet_cpu(pids) - fleet)

    cold, (cold_cpu, cold_fleet) = timed()
    warm = [timed() for _ in range(cycles)]
    print(json.dumps({
        'nodes': cold.nodes, 'cold': cold.seconds, 'cold_cpu': cold_cpu,
        'cold_fleet_cpu': cold_fleet,
        'cold_recorded': cold.recorded + warm[0][0].recorded,
        'cold_failures': cold.failures,
        'warm': [s.seconds for s, _ in warm],
        'warm_cpu': [cpu for _, (cpu, _) in warm],
        'warm_fleet_cpu': [fleet for _, (_, fleet) in warm],
        'warm_failures': sum(s.failures for s, _ in warm),
        'rss_mb': _proc.own_memory_mb(),
        'peak_rss_mb': _proc.own_memory_mb('VmHWM')}))
    conductor.stop()


def run_child(workdir, ports, size, pids):
    import _database

    url = 'sqlite:///' + os.path.join(workdir, 'scale-%d.sqlite' % size)
    _database.enroll(url, ports[:size])
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), '--child', url,
         str(WARM_CYCLES), ','.join(str(pid) for pid in pids)],
        capture_output=True, text=True, timeout=600, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(figs, sizes, results, tool_per_node):
    base = results[min(sizes, key=lambda s: abs(s - BASE))]
    base_per_node = statistics.median(base['warm']) / base['nodes']
    for size in sizes:
        r = results[size]
        judged = size == 10000
        warm = statistics.median(r['warm'])
        per_node = warm / r['nodes']
        figs.add('scale_%d_cold_seconds' % size, r['cold'], 's',
                 *(('<=', COLD_GOAL_S) if judged else ()))
        figs.add('scale_%d_cold_cpu_seconds' % size, r['cold_cpu'], 's')
        figs.add('scale_%d_cold_fleet_cpu_seconds' % size,
                 r['cold_fleet_cpu'], 's')
        # The cold cycle's readings that came after its deadline are
        # recorded by the next cycle; all must be there by then.
        figs.add('scale_%d_cold_recorded' % size, r['cold_recorded'],
                 'nodes', '==', size, fmt='%d')
        figs.add('scale_%d_warm_seconds' % size, warm, 's',
                 *(('<=', WARM_GOAL_S) if judged else ()))
        figs.add('scale_%d_warm_cpu_seconds' % size,
                 statistics.median(r['warm_cpu']), 's')
        figs.add('scale_%d_warm_fleet_cpu_seconds' % size,
                 statistics.median(r['warm_fleet_cpu']), 's')
        figs.add('scale_%d_warm_us_per_node' % size, per_node * 1e6, 'us',
                 fmt='%.0f')
        figs.add('scale_%d_warm_per_node_vs_%d' % (size, base['nodes']),
                 per_node / base_per_node, 'x',
                 *(('<=', PER_NODE_RATIO_GOAL) if judged else ()),
                 fmt='%.2f')
        figs.add('scale_%d_warm_failures' % size, r['warm_failures'],
                 'nodes', '==', 0, fmt='%d')
        figs.add('scale_%d_rss' % size, r['rss_mb'], 'MB',
                 *(('<=', RSS_GOAL_MB) if judged else ()), fmt='%.1f')
        figs.add('scale_%d_ipmitool_seconds' % size, tool_per_node * size,
                 's', fmt='%.1f')


def plot(directory, sizes, results, tool_per_node):
    import _plots

    cold = [results[s]['cold'] for s in sizes]
    warm = [statistics.median(results[s]['warm']) for s in sizes]
    _plots.lines(
        os.path.join(directory, 'node_scale_cycle.png'),
        'Power sync cycle of one conductor, one BMC per node',
        'nodes', 'seconds per cycle (log scale)', sizes,
        [('ipmitool per node, 8 threads (Ironic)',
          [tool_per_node * s for s in sizes]),
         ('cold cycle (logins, first observations)', cold),
         ('warm cycle', warm)], log=True)
    _plots.lines(
        os.path.join(directory, 'node_scale_rss.png'),
        'Conductor resident memory after its cycles', 'nodes', 'MB', sizes,
        [('conductor RSS', [results[s]['rss_mb'] for s in sizes])],
        goal=(RSS_GOAL_MB, 'goal %d MB at 10,000 nodes' % RSS_GOAL_MB))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='200 and 1,000 nodes')
    parser.add_argument('--plot', metavar='DIR',
                        help='write PNG charts into DIR')
    parser.add_argument('--sizes', type=lambda text: tuple(
        int(size) for size in text.split(',')),
        help='node counts to run, e.g. 1000,10000 (goals are judged at '
             '10,000 against the size nearest 1,000)')
    parser.add_argument('--child', nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]),
              [int(pid) for pid in args.child[2].split(',')])
        return 0
    import ipmi_sync

    logging.basicConfig(level=logging.CRITICAL)
    sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    figs = ipmi_sync.Figures()
    workdir = tempfile.mkdtemp(prefix='node-scale-')
    started = time.monotonic()
    fleets = []
    try:
        for _ in range(FLEETS):
            fleets.append(ipmi_sync.FleetProcess(max(sizes) // FLEETS,
                                                 workdir))
            fleets[-1].start()
        ports = [f.base_port + i for f in fleets for i in range(f.count)]
        pids = [fleet.proc.pid for fleet in fleets]
        results = {size: run_child(workdir, ports, size, pids)
                   for size in sizes}
        sample = min(IPMITOOL_SAMPLE, fleets[0].count)
        wall, _cpu, errors = ipmi_sync.ipmitool_pass(
            ipmi_sync.targets(fleets[0], sample), IPMITOOL_WORKERS, 60)
        figs.add('ipmitool_sample_errors', errors, 'nodes', '==', 0,
                 fmt='%d')
        tool_per_node = wall / sample
        measure(figs, sizes, results, tool_per_node)
        if args.plot:
            os.makedirs(args.plot, exist_ok=True)
            plot(args.plot, sizes, results, tool_per_node)
            print('charts written to %s' % args.plot)
    finally:
        for fleet in fleets:
            fleet.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return figs.finish(started, RUN_GOAL_SECONDS)


if __name__ == '__main__':
    sys.exit(main())
