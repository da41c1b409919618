"""Recovery from 'power failure': Ironic's _power_failure_recovery.

Power sync puts a node whose BMC keeps failing into maintenance with the
fault 'power failure'. This pass asks those BMCs again (one batched call)
and, for each that answers, records the state, leaves maintenance and
clears the fault. Maintenance set by an admin carries no such fault and is
never left here.
"""

import dataclasses
import time

from oslo_log import log as logging

from baremetal_notifier.conductor import bmc_reads
from baremetal_notifier.objects import node_power

LOG = logging.getLogger(__name__)


@dataclasses.dataclass
class RecoveryStats:
    nodes: int = 0       # nodes in 'power failure' looked at
    recovered: int = 0   # left maintenance
    events: int = 0      # power-update events enqueued
    seconds: float = 0.0


class PowerRecovery:
    """Runs recovery passes for one conductor (see PowerSync's params)."""

    def __init__(self, ctx, driver, locks, deadline, stopping, ownership):
        self.ctx = ctx
        self.ownership = ownership
        self.locks = locks
        # NOTE: a reader of its own, so the reads in flight and the late
        # readings of the sync and of recovery never mix.
        self.reader = bmc_reads.BmcReader(driver, deadline)
        self.deadline = deadline
        self.stopping = stopping

    def run(self):
        started = time.monotonic()
        stats = RecoveryStats()
        # NOTE: only the nodes this conductor owns (refreshed before the
        # pass), as for the sync.
        group = self.ownership.conductor_group
        nodes = [node for node in
                 node_power.get_recovery_candidates(self.ctx, group)
                 if self.ownership.owns(node.uuid, group)]
        stats.nodes = len(nodes)
        readings = self.reader.read(nodes, self.deadline)
        answered = []
        for node in nodes:
            reading = readings.get(node.uuid)
            if reading is None:
                continue  # a read from the last pass is still running
            if reading.state is None:
                # NOTE: still failing; as in Ironic only a debug line, the
                # node already says why in maintenance_reason.
                LOG.debug('Node %s is still in power failure: %s',
                          node.uuid, reading.error)
            else:
                answered.append(node.uuid)
        if answered and not self.stopping.is_set():
            self._recover(answered, readings, stats)
        stats.seconds = time.monotonic() - started
        if stats.nodes:
            LOG.debug('Power failure recovery: %d of %d nodes recovered in '
                      '%.3f s', stats.recovered, stats.nodes, stats.seconds)
        return stats

    def _recover(self, answered, readings, stats):
        # NOTE: nodes an admin or a power action took meanwhile drop out of
        # the batch when it re-reads them under the lock.
        rules = node_power.still_recoverable
        with self.locks.batch(answered, rules) as batch:
            for node in batch.nodes:
                state = readings[node.uuid].state
                try:
                    recovered, event = node_power.recover_from_power_failure(
                        self.ctx, self.locks.host, node, state)
                except Exception:
                    LOG.exception('Could not record the recovery of node %s',
                                  node.uuid)
                    continue
                if recovered:
                    stats.recovered += 1
                    stats.events += int(event)
                    LOG.info("Node %(node)s recovered from power failure "
                             "with power state '%(state)s'",
                             {'node': node.uuid, 'state': state})
