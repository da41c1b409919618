"""Ironic's ``[ipmi] min_command_interval``: no BMC is asked more often.

Ironic sleeps before an ipmitool run until the interval has passed since
the last one to that BMC. Here the IPMI loop never sleeps: an operation
that comes too soon is parked until its BMC may be asked again, and the
loop goes on with the others. The interval runs from the start of one
operation (a power read, a chassis control) to the start of the next to
the same BMC address and port; retransmits and retries within one
operation are not new operations. Loop thread only.
"""

import heapq
import itertools


class Pacer:
    """Holds operations back until their BMC's interval has passed.

    :param interval: seconds between operations to one BMC (0: off).
    """

    def __init__(self, interval):
        self.interval = float(interval)
        self._last = {}       # (address, port) -> start of the last op
        self._parked = []     # heap of (not before, seq, op)
        self._seq = itertools.count()

    def hold(self, op, now):
        """True when ``op`` must wait (it is parked); else it may start
        now, which is recorded."""
        if not self.interval:
            return False
        bmc = (op.creds.address, op.creds.port)
        last = self._last.get(bmc)
        if last is not None and now < last + self.interval:
            heapq.heappush(self._parked,
                           (last + self.interval, next(self._seq), op))
            return True
        self._last[bmc] = now
        return False

    def due(self, now):
        """The parked operations whose time has come, oldest first."""
        ready = []
        while self._parked and self._parked[0][0] <= now:
            ready.append(heapq.heappop(self._parked)[2])
        return ready

    def drain(self):
        """Every parked operation (shutdown)."""
        ops = [op for _when, _seq, op in self._parked]
        self._parked = []
        return ops

    def forget(self, address, port):
        self._last.pop((address, port), None)

    def __len__(self):
        return len(self._parked)
