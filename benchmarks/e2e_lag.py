"""End-to-end event lag of the whole product, as real processes.

    python benchmarks/e2e_lag.py [--quick]

A Stack runs the vBMC fleet (its own process), baremetal-notifier,
compute-ext-api and two compute agents on SQLite, with one instance per
node. The agents' own power sync is slowed down (600 s) so that what
changes an instance is the power-update event. Figures:

* event lag: from the conductor recording a node's new power_state (the
  outbox row's created_at, written in the same transaction) to the
  instance row updated by the event (instances.updated_at); rounds of a
  few flips each, p50 and p99;
* burst: every BMC flipped at once; from the first outbox row of the
  burst to the last instance updated (the detection itself is one sync
  cycle and is not counted);
* outage: the Compute API stopped for 30 s while every BMC flips, then
  started; from its first answer to the last instance updated. The
  notifier runs with its default retry options here.

Both databases are local SQLite files, read directly. One line per
figure, ``NAME: VALUE UNIT (goal GOAL)``; exit status 1 when a goal is
missed. Full: 1000 nodes, a 30 s outage. ``--quick``: 100 nodes, 5 s.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from oslo_context import context  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from baremetal_notifier.db import models as bm_models  # noqa: E402
from powerbridge import stack as pb_stack  # noqa: E402
from powerbridge.stack import observe  # noqa: E402
from powerbridge import db  # noqa: E402
from compute_ext.db import models as compute_models  # noqa: E402
import ipmi_sync  # noqa: E402  (Figures)

OUTBOX = bm_models.EventOutbox.__table__
INSTANCES = compute_models.Instance.__table__
LAG_P50_GOAL_MS = 50
LAG_P99_GOAL_MS = 250
BURST_GOAL_S = 2.0
RECOVERY_GOAL_S = 5.0
APPLY_DEADLINE = 120.0
RUN_GOAL_SECONDS = 540.0


class Timeline:
    """Reads the two databases: when each change was recorded/applied."""

    def __init__(self, stack):
        self.bm = db.Database(stack.layout.baremetal_db)
        self.compute = db.Database(stack.layout.compute_db)

    def close(self):
        self.bm.dispose()
        self.compute.dispose()

    def recorded(self, since_id, instance_uuids, tag):
        """instance -> created_at of its newest outbox row of ``tag``."""
        query = (sa.select(OUTBOX.c.instance_uuid,
                           sa.func.max(OUTBOX.c.created_at))
                 .where(OUTBOX.c.id > since_id, OUTBOX.c.tag == tag,
                        OUTBOX.c.instance_uuid.in_(instance_uuids))
                 .group_by(OUTBOX.c.instance_uuid))
        with self.bm.reader.using(observe_context()) as session:
            return dict(session.execute(query).all())

    def last_outbox_id(self):
        with self.bm.reader.using(observe_context()) as session:
            return session.execute(
                sa.select(sa.func.max(OUTBOX.c.id))).scalar() or 0

    def applied(self, instance_uuids, power_state):
        """instance -> updated_at, for those now in ``power_state``."""
        query = (sa.select(INSTANCES.c.uuid, INSTANCES.c.updated_at)
                 .where(INSTANCES.c.uuid.in_(instance_uuids),
                        INSTANCES.c.power_state == power_state))
        with self.compute.reader.using(observe_context()) as session:
            return dict(session.execute(query).all())


def observe_context():
    # A private context: never the thread's current request context.
    return context.RequestContext(overwrite=False)


def flip_and_collect(stack, timeline, nodes, on, deadline=APPLY_DEADLINE):
    """Flip ``nodes``, wait until applied; (recorded, applied) by instance."""
    tag = 'POWER_ON' if on else 'POWER_OFF'
    power = observe.RUNNING if on else observe.SHUTDOWN
    since = timeline.last_outbox_id()
    uuids = [n.instance_uuid for n in nodes]
    for node in nodes:
        stack.flip(node.index, on)
    applied = pb_stack.wait_for(
        lambda: (lambda a: len(a) == len(uuids) and a)(
            timeline.applied(uuids, power)),
        deadline, 0.05, '%d instances to reach power state %d'
        % (len(uuids), power))
    recorded = timeline.recorded(since, uuids, tag)
    return recorded, applied


def lag_rounds(stack, timeline, rounds, per_round):
    lags = []
    for number in range(rounds):
        start = (number * per_round) % len(stack.nodes)
        nodes = stack.nodes[start:start + per_round]
        for on in (False, True):
            recorded, applied = flip_and_collect(stack, timeline, nodes, on)
            lags.extend((applied[u] - recorded[u]).total_seconds()
                        for u in recorded)
    return lags


def burst(stack, timeline):
    recorded, applied = flip_and_collect(stack, timeline, stack.nodes,
                                         False)
    first = min(recorded.values())
    return (max(applied.values()) - first).total_seconds()


def outage(stack, timeline, seconds):
    stack.terminate(pb_stack.COMPUTE_API)
    down_at = time.monotonic()
    since = timeline.last_outbox_id()
    uuids = [n.instance_uuid for n in stack.nodes]
    for node in stack.nodes:
        stack.flip(node.index, True)
    pb_stack.wait_for(
        lambda: len(timeline.recorded(since, uuids, 'POWER_ON'))
        == len(uuids), APPLY_DEADLINE, 0.2, 'every flip recorded')
    time.sleep(max(0.0, down_at + seconds - time.monotonic()))
    stack.processes[pb_stack.COMPUTE_API].start()
    pb_stack.wait_for(lambda: stack.api_answers(pb_stack.COMPUTE_API),
                      60, 0.01, 'the Compute API to answer again')
    back = db.utcnow()
    applied = pb_stack.wait_for(
        lambda: (lambda a: len(a) == len(uuids) and a)(
            timeline.applied(uuids, observe.RUNNING)),
        APPLY_DEADLINE, 0.05, 'every event applied after the outage')
    return max(0.0, (max(applied.values()) - back).total_seconds())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='100 nodes and a 5 s outage')
    parser.add_argument('--outbox-poll-interval', type=float,
                        help="the notifier's [nova] outbox_poll_interval "
                             '(default: the product default)')
    args = parser.parse_args(argv)
    nodes = 100 if args.quick else 1000
    outage_s = 5.0 if args.quick else 30.0
    rounds, per_round = (5, 10) if args.quick else (10, 20)
    figs = ipmi_sync.Figures()
    started = time.monotonic()
    settings = pb_stack.Settings(
        nodes=nodes, conductor_sync_interval=1, compute_sync_interval=600,
        retry_initial_delay=None, retry_max_delay=None,
        overrides={'baremetal': {'nova': {
            'outbox_poll_interval': args.outbox_poll_interval}}})
    with pb_stack.Stack(settings=settings) as stack:
        timeline = Timeline(stack)
        try:
            setup = time.monotonic() - started
            print('stack of %d nodes ready in %.1f s (%s)' % (
                nodes, setup, ', '.join('%s %.1f s' % item
                                        for item in stack.timings.items())),
                  flush=True)
            lags = lag_rounds(stack, timeline, rounds, per_round)
            figs.add('e2e_event_lag_p50',
                     observe.percentile(lags, 50) * 1000, 'ms', '<=',
                     LAG_P50_GOAL_MS, fmt='%.1f')
            figs.add('e2e_event_lag_p99',
                     observe.percentile(lags, 99) * 1000, 'ms', '<=',
                     LAG_P99_GOAL_MS, fmt='%.1f')
            figs.add('e2e_burst_%d_applied_after_detection' % nodes,
                     burst(stack, timeline), 's', '<=', BURST_GOAL_S)
            figs.add('e2e_outage_%ds_recovery' % outage_s,
                     outage(stack, timeline, outage_s), 's', '<=',
                     RECOVERY_GOAL_S)
        finally:
            timeline.close()
    figs.add('e2e_lag_run_time', time.monotonic() - started, 's', '<=',
             RUN_GOAL_SECONDS, fmt='%.1f')
    return 1 if figs.missed else 0


if __name__ == '__main__':
    sys.exit(main())
