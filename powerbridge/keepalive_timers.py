"""A session -> timer mapping whose ``items()`` costs what is due, not n.

pyghmi keeps every logged-in client session in one dict,
``{session: {'timeout': when, ...}}``, and its event loop walks all of it
twice per iteration: once for the earliest keepalive (how long it may
wait) and once for the sessions whose keepalive is due. With 10,000 warm
sessions those two walks were the largest cost of a warm sync cycle, and
since a cycle's iterations grow with the node count too, the cycle grew
with the square of it (doc/source/ipmi.rst, "10,000 BMCs").

:class:`KeepaliveTimers` is that dict with a heap beside it. Its
``items()`` returns only the entries due at ``clock()`` and the earliest
of the others: all that either walk reads, in O((due + 1) log n). Every
other dict operation is the plain one.

The callers move timers in place (``timers[session]['timeout'] = t``),
which the mapping cannot see; so the heap keeps each entry's timer as it
was when pushed, and ``items()`` re-reads the entry at the top before
trusting it. A timer moved later is re-pushed there. One moved earlier
than its heap entry (pyghmi's jitter can do that, by at most 4.9 s) is
found when the old time comes: its keepalive is at most that late, well
inside a BMC's session timeout.
"""

import heapq
import itertools

_NOW = float('-inf')


class KeepaliveTimers(dict):
    """``{key: {'timeout': when, ...}}``; ``items()`` as described above.

    ``clock`` must be the clock the timers are set with.
    """

    def __init__(self, clock, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clock = clock
        self._heap = []
        self._newest = {}  # key -> sequence number of its live heap entry
        self._sequence = itertools.count()
        for key in dict.keys(self):
            self._push(key, _NOW)

    def _push(self, key, when):
        sequence = next(self._sequence)
        self._newest[key] = sequence
        # NOTE: the sequence numbers are unique, so keys never compare.
        heapq.heappush(self._heap, (when, sequence, key))

    # -- the dict operations that add or remove keys -----------------------

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        # Its timer is usually set just after (value['timeout'] = ...):
        # read it at the next items().
        self._push(key, _NOW)

    def __delitem__(self, key):
        super().__delitem__(key)
        del self._newest[key]

    def pop(self, key, *default):
        self._newest.pop(key, None)
        return super().pop(key, *default)

    def popitem(self):
        key, value = super().popitem()
        del self._newest[key]
        return key, value

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args, **kwargs):
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def clear(self):
        super().clear()
        self._newest.clear()
        self._heap.clear()

    # -- the cheap walk ------------------------------------------------------

    def items(self):
        """[(key, value)] for the entries due now, then the earliest other.

        A list: the caller may change the mapping while it walks.
        """
        now = self._clock()
        heap = self._heap
        due = []
        earliest = None
        while heap:
            when, sequence, key = heap[0]
            if self._newest.get(key) != sequence:
                heapq.heappop(heap)  # removed, or pushed again since
                continue
            actual = dict.__getitem__(self, key).get('timeout', when)
            if actual > when:
                heapq.heappop(heap)
                self._push(key, actual)
                continue
            if actual > now:
                earliest = key
                break
            heapq.heappop(heap)
            due.append((key, actual))
        # The due entries stay; the caller moves their timers (or not).
        for key, when in due:
            self._push(key, when)
        result = [(key, dict.__getitem__(self, key)) for key, _ in due]
        if earliest is not None:
            result.append((earliest, dict.__getitem__(self, earliest)))
        return result
