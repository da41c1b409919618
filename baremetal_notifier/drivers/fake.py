"""An in-memory PowerDriver for conductor tests.

Nodes are "BMCs" in a dict. Tests set states (including flips behind the
conductor's back), inject errors for reads or actions, add latency or make
a node hang, and inspect the calls made. Thread-safe, so it works under
the conductor's worker pools.
"""

import threading
import time

from baremetal_notifier.drivers import base


class FakePowerDriver(base.PowerDriver):
    """PowerDriver whose hardware is a dict.

    :param default_state: state of a node never set explicitly.
    :param latency: seconds every call takes (per batch for reads).
    """

    def __init__(self, default_state=base.POWER_OFF, latency=0.0):
        self.default_state = default_state
        self.latency = latency
        self.started = False
        self.calls = []  # ('get', keys) / ('set', key, state) / ('forget',)
        self.forgotten = []
        self._lock = threading.Lock()
        self._states = {}
        self._read_errors = {}
        self._action_errors = {}
        self._hung = set()
        self._node_latency = {}

    # -- test controls ------------------------------------------------------

    def set_state(self, key, state):
        """Set a node's hardware state (a flip behind the API's back)."""
        if state not in (base.POWER_ON, base.POWER_OFF):
            raise ValueError('state must be POWER_ON or POWER_OFF')
        with self._lock:
            self._states[key] = state

    def get_state(self, key):
        with self._lock:
            return self._states.get(key, self.default_state)

    def fail_reads(self, key, error='BMC did not answer'):
        """Make get_power_states report ``error`` for key (None clears)."""
        with self._lock:
            if error is None:
                self._read_errors.pop(key, None)
            else:
                self._read_errors[key] = error

    def fail_actions(self, key, error='BMC refused the command'):
        """Make set_power_state raise PowerActionFailed (None clears)."""
        with self._lock:
            if error is None:
                self._action_errors.pop(key, None)
            else:
                self._action_errors[key] = error

    def hang(self, key, hung=True):
        """A hung node answers nothing: its read fails at the deadline."""
        with self._lock:
            if hung:
                self._hung.add(key)
            else:
                self._hung.discard(key)

    def set_latency(self, key, seconds):
        with self._lock:
            self._node_latency[key] = seconds

    def reset_calls(self):
        with self._lock:
            self.calls = []

    # -- PowerDriver ----------------------------------------------------------

    def start(self):
        self.started = True

    def stop(self):
        self.started = False

    def get_power_states(self, targets, deadline, on_reading=None):
        keys = [target.key for target in targets]
        with self._lock:
            self.calls.append(('get', tuple(keys)))
            hung = self._hung.intersection(keys)
            delays = [self._node_latency.get(k, self.latency) for k in keys]
        # NOTE: reads run in parallel, like the real driver: the batch takes
        # as long as its slowest node, and never longer than the deadline.
        wait = max(delays, default=0.0)
        if hung:
            wait = deadline
        if wait > 0:
            time.sleep(min(wait, deadline))
        readings = {}
        with self._lock:
            for key in keys:
                latency = self._node_latency.get(key, self.latency)
                if key in self._hung or latency > deadline:
                    reading = base.PowerReading.failed(
                        'deadline exceeded: the BMC did not answer')
                elif key in self._read_errors:
                    reading = base.PowerReading.failed(self._read_errors[key])
                else:
                    reading = base.PowerReading.ok(
                        self._states.get(key, self.default_state))
                readings[key] = reading
        if on_reading is not None:
            for key, reading in readings.items():
                on_reading(key, reading)
        return readings

    def set_power_state(self, target, state, timeout):
        base.check_action(state)
        key = target.key
        with self._lock:
            self.calls.append(('set', key, state))
            error = self._action_errors.get(key)
            hung = key in self._hung
            latency = self._node_latency.get(key, self.latency)
        if hung or latency > timeout:
            time.sleep(timeout)
            raise base.PowerActionFailed('node %s: no answer within %.1f s'
                                         % (key, timeout))
        if latency:
            time.sleep(latency)
        if error is not None:
            raise base.PowerActionFailed('node %s: %s' % (key, error))
        final = base.expected_state(state)
        with self._lock:
            self._states[key] = final
        return final

    def forget(self, key):
        with self._lock:
            self.calls.append(('forget', key))
            self.forgotten.append(key)
