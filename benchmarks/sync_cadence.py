"""A one-second cadence on a sliver of a core: conductor CPU and the
hardware-flip to Compute-API lag, detection included.

    python benchmarks/sync_cadence.py [--quick] [--interval S] [--plot DIR]

A Stack (real processes, SQLite) with 1,000 virtual BMCs, one instance
per node, ``[conductor] sync_power_state_interval = 1`` and ``[ipmi]
min_command_interval = 0.9`` (every BMC read once a second; the guard a
little below the interval, or reads parked by a few milliseconds each
cycle drift later and later until cycles wait on them).
For 60 s the benchmark flips 10 BMCs in every 2 s behind the API's back,
each at a random moment (each node once), and then reads:

* conductor CPU: the baremetal-notifier process's user+system CPU time
  over the window (/proc), as a share of one core. That process also
  holds the Bare Metal API (idle here) and the outbox sender, so this is
  an upper bound for the conductor;
* flip -> Compute API lag: from the flip (wall clock just before the
  vBMC changes) to the instance row the Compute API updated on the
  event (instances.updated_at), p50 and p99: detection (up to one
  interval), the write, the outbox and the event all included;
* the mean sync cycle, from the conductor's own metrics endpoint.

The machine's load average is printed next to the figures: the machine
may be shared. ``--quick``: 100 BMCs, 20 s. ``--interval``: another
sync interval (and min_command_interval) to compare.
"""

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _proc  # noqa: E402

import requests  # noqa: E402

from powerbridge import db  # noqa: E402
from powerbridge import stack as pb_stack  # noqa: E402
from powerbridge.stack import observe  # noqa: E402
import e2e_lag  # noqa: E402  (Timeline)
import ipmi_sync  # noqa: E402  (Figures)
from prometheus_client import parser  # noqa: E402

CPU_GOAL_PCT = 15.0
LAG_P50_GOAL_S = 1.0
LAG_P99_GOAL_S = 2.0
PER_ROUND = 10
ROUND_EVERY = 2.0
SEED = 14
APPLY_DEADLINE = 60.0
GUARD_SHARE = 0.9


def metric(url, name):
    text = requests.get(url, timeout=10).text
    for family in parser.text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return sample.value
    return None


def run_window(stack, timeline, seconds, per_round):
    """Flip ``per_round`` fresh nodes in each ROUND_EVERY s for ``seconds``,
    each at a random moment of its round; returns ({instance: flip time},
    CPU seconds, wall seconds).

    Random moments, because flips on a fixed grid all meet the sync
    cycles (also on a grid) at one phase, so the lag of one run would be
    any value from a few tenths of a second to a whole interval."""
    pid = stack.processes[pb_stack.NOTIFIER].pid
    moments = random.Random(SEED)
    flipped = {}
    nodes = iter(stack.nodes)
    cpu0, wall0 = _proc.cpu_seconds(pid), time.monotonic()
    schedule = sorted(
        start + moments.uniform(0, ROUND_EVERY)
        for start in range(0, int(seconds), int(ROUND_EVERY))
        for _ in range(per_round))
    for at in schedule:
        node = next(nodes, None)
        if node is None:
            break
        time.sleep(max(0.0, wall0 + at - time.monotonic()))
        flipped[node.instance_uuid] = db.utcnow()
        stack.flip(node.index, False)
    time.sleep(max(0.0, wall0 + seconds - time.monotonic()))
    cpu1, wall1 = _proc.cpu_seconds(pid), time.monotonic()
    return flipped, cpu1 - cpu0, wall1 - wall0


def main(argv=None):
    parser_ = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser_.add_argument('--quick', action='store_true',
                         help='100 BMCs for 20 s')
    parser_.add_argument('--interval', type=int, default=1,
                         help='sync_power_state_interval, seconds '
                              '(min_command_interval: 0.9 of it)')
    parser_.add_argument('--plot', metavar='DIR',
                         help='write sync_cadence_lag.png into DIR')
    args = parser_.parse_args(argv)
    nodes, seconds, per_round = ((100, 20.0, 5) if args.quick
                                 else (1000, 60.0, PER_ROUND))
    figs = ipmi_sync.Figures()
    settings = pb_stack.Settings(
        nodes=nodes, conductor_sync_interval=args.interval,
        min_command_interval=GUARD_SHARE * args.interval,
        compute_sync_interval=600)
    started = time.monotonic()
    with pb_stack.Stack(settings=settings) as stack:
        timeline = e2e_lag.Timeline(stack)
        try:
            print('stack of %d nodes ready in %.1f s; load average %s'
                  % (nodes, time.monotonic() - started,
                     '%.2f %.2f %.2f' % os.getloadavg()), flush=True)
            url = stack.layout.metrics_url(pb_stack.NOTIFIER)
            cycles0 = metric(url, 'baremetal_power_sync_cycle_duration_'
                                  'seconds_count')
            spent0 = metric(url, 'baremetal_power_sync_cycle_duration_'
                                 'seconds_sum')
            flipped, cpu, wall = run_window(stack, timeline, seconds,
                                            per_round)
            cycles = metric(url, 'baremetal_power_sync_cycle_duration_'
                                 'seconds_count') - cycles0
            spent = metric(url, 'baremetal_power_sync_cycle_duration_'
                                'seconds_sum') - spent0
            applied = pb_stack.wait_for(
                lambda: (lambda a: len(a) == len(flipped) and a)(
                    timeline.applied(list(flipped), observe.SHUTDOWN)),
                APPLY_DEADLINE, 0.2, 'every flip applied')
        finally:
            timeline.close()
    lags = [(applied[u] - t0).total_seconds() for u, t0 in flipped.items()]
    print('%d flips over %.0f s, %d sync cycles (mean %.1f ms); load '
          'average after %s' % (len(flipped), wall, cycles,
                                spent / max(cycles, 1) * 1000,
                                '%.2f %.2f %.2f' % os.getloadavg()),
          flush=True)
    tag = '%d_bmcs_interval_%ds' % (nodes, args.interval)
    figs.add('conductor_cpu_share_%s' % tag, cpu / wall * 100, '% of a core',
             '<=', CPU_GOAL_PCT, fmt='%.1f')
    figs.add('flip_to_compute_api_lag_p50_%s' % tag,
             observe.percentile(lags, 50), 's', '<=', LAG_P50_GOAL_S)
    figs.add('flip_to_compute_api_lag_p99_%s' % tag,
             observe.percentile(lags, 99), 's', '<=', LAG_P99_GOAL_S)
    figs.add('sync_cycle_mean_%s' % tag, spent / max(cycles, 1) * 1000,
             'ms', fmt='%.1f')
    if args.plot:
        import _plots

        os.makedirs(args.plot, exist_ok=True)
        _plots.histogram(
            os.path.join(args.plot, 'sync_cadence_lag.png'),
            'BMC flip to Compute API, %d BMCs, sync every %d s'
            % (nodes, args.interval), 'seconds (detection included)', lags,
            [(observe.percentile(lags, 50),
              'p50 %.2f s' % observe.percentile(lags, 50)),
             (observe.percentile(lags, 99),
              'p99 %.2f s' % observe.percentile(lags, 99)),
             (LAG_P99_GOAL_S, 'p99 goal %.0f s' % LAG_P99_GOAL_S)])
        print('chart written to %s' % args.plot)
    return 1 if figs.missed else 0


if __name__ == '__main__':
    sys.exit(main())
