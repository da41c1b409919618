"""BMC reads that may outlive the sync cycle that started them.

A cycle starts one batched ``get_power_states`` for its nodes and takes
the readings in waves as they arrive, for at most its wait (the sync
interval). A BMC slower than that does not hold the cycle: its read goes
on under the driver's own, generous deadline, the next cycles do not ask
that BMC again meanwhile, and its reading, once it arrives, serves the
next cycle. So a hung BMC costs its own node only, and a slow answer is
never mistaken for a failure because a cycle ended.
"""

import dataclasses
import threading
import time

from oslo_log import log as logging

from baremetal_notifier.drivers import base

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class BadDriverInfo:
    """Stands in for a reading when driver_info cannot describe a BMC."""

    error: str
    state = None  # like a failed PowerReading


class _Batch:
    """One batched read; the driver thread feeds it, a cycle drains it."""

    def __init__(self, reader, infos):
        self.reader = reader
        self.infos = infos           # uuid -> driver_info read with
        self.pending = set(infos)    # not answered yet
        self.arrived = {}            # answered, not yet taken by the cycle
        self.attached = True         # False: the cycle has moved on
        self.changed = threading.Condition(reader.lock)
        self.started = time.monotonic()

    def deliver(self, key, reading):
        """A reading arrives (driver thread or IPMI loop thread)."""
        if self.reader.on_read is not None and key in self.pending:
            self.reader.on_read(time.monotonic() - self.started,
                                reading.error is not None)
        with self.reader.lock:
            if key not in self.pending:
                return
            self.pending.discard(key)
            self.reader.in_flight.discard(key)
            if self.attached:
                self.arrived[key] = reading
            else:
                self.reader.late[key] = (self.infos[key], reading)
            if not self.pending:
                # NOTE: the cycle wakes for the last reading only; until
                # then it collects a wave's worth at a time.
                self.changed.notify_all()

    def finish(self):
        """The driver call returned: nodes it did not answer are unread."""
        with self.reader.lock:
            self.reader.in_flight.difference_update(self.pending)
            self.pending.clear()
            self.changed.notify_all()


class BmcReader:
    """Reads for successive cycles of one conductor.

    :param driver: a started PowerDriver.
    :param deadline: seconds the driver may take for one batch.
    :param on_read: optional ``callable(seconds, failed)`` per reading
        (metrics); it runs in the IPMI loop thread, so it must be quick.
    """

    def __init__(self, driver, deadline, on_read=None):
        self.on_read = on_read
        self.driver = driver
        self.deadline = deadline
        self.lock = threading.Lock()
        self.in_flight = set()  # nodes whose BMC is still answering
        self.late = {}          # uuid -> (driver_info, reading), for later
        # uuid -> (driver_info, BmcTarget or BadDriverInfo): a node's BMC
        # is parsed again only when its driver_info changes, not on every
        # cycle (at a one-second cadence, parsing was a tenth of the CPU).
        self._targets = {}
        self._threads = []

    def _target(self, node):
        known = self._targets.get(node.uuid)
        if known is not None and known[0] == node.driver_info:
            return known[1]
        try:
            target = node.bmc_target()
        except base.InvalidDriverInfo as exc:
            target = BadDriverInfo(str(exc))
        self._targets[node.uuid] = (node.driver_info, target)
        return target

    def start(self, nodes):
        """Start reading ``nodes``; returns (batch or None, readings known
        already: invalid driver_info, or late from an earlier cycle)."""
        ready = {}
        to_read = []
        wanted = {node.uuid for node in nodes}
        with self.lock:
            for key in set(self.late) - wanted:
                del self.late[key]  # deleted, or no longer synced
            for node in nodes:
                late = self.late.pop(node.uuid, None)
                if late is not None and late[0] == node.driver_info:
                    ready[node.uuid] = late[1]
                elif node.uuid not in self.in_flight:
                    to_read.append(node)
        # NOTE: parsed outside the lock, which the IPMI loop thread takes
        # to hand over each reading.
        targets = []
        infos = {}
        for node in to_read:
            target = self._target(node)
            if isinstance(target, BadDriverInfo):
                ready[node.uuid] = target
                continue
            targets.append(target)
            infos[node.uuid] = node.driver_info
        if len(self._targets) > len(wanted):
            self._targets = {key: self._targets[key]
                             for key in wanted & self._targets.keys()}
        if not targets:
            return None, ready
        with self.lock:
            self.in_flight.update(infos)
        batch = _Batch(self, infos)
        thread = threading.Thread(target=self._read, args=(batch, targets),
                                  name='power-sync-read', daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        thread.start()
        return batch, ready

    def _read(self, batch, targets):
        try:
            readings = self.driver.get_power_states(
                targets, self.deadline, on_reading=batch.deliver)
            # NOTE: a driver that does not stream answers all at once.
            for key, reading in readings.items():
                batch.deliver(key, reading)
        except Exception:
            LOG.exception('Reading the power state of %d BMCs failed',
                          len(targets))
        finally:
            batch.finish()

    @staticmethod
    def take(batch, until, wave):
        """Readings of ``batch`` that arrive within ``wave`` seconds (and
        by ``until``); sooner if every node answers. Returns (readings,
        done): done once nothing more will come."""
        with batch.changed:
            end = min(until, time.monotonic() + wave)
            while batch.pending:
                left = end - time.monotonic()
                if left <= 0:
                    break
                batch.changed.wait(left)
            got, batch.arrived = batch.arrived, {}
            return got, not batch.pending

    def detach(self, batch):
        """The cycle moves on: later readings are kept for the next."""
        with self.lock:
            batch.attached = False
            for key, reading in batch.arrived.items():
                self.late[key] = (batch.infos[key], reading)
            batch.arrived = {}

    def still_reading(self):
        """How many BMCs are still answering a read."""
        with self.lock:
            return len(self.in_flight)

    def read(self, nodes, wait):
        """What answers within ``wait`` seconds, all at once; nodes still
        being read are left out."""
        batch, readings = self.start(nodes)
        if batch is not None:
            end = time.monotonic() + wait
            done = False
            while not done and time.monotonic() < end:
                got, done = self.take(batch, end, wait)
                readings.update(got)
            self.detach(batch)
        return readings

    def wait_idle(self, timeout):
        """Wait up to ``timeout`` s for reads in flight (stop, tests)."""
        end = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(max(0.0, end - time.monotonic()))
        return not any(t.is_alive() for t in self._threads)
