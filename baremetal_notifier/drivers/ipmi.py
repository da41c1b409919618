"""IPMI power driver: pyghmi in-process, warm sessions, one loop thread.

Ironic's ipmitool driver forks one ``ipmitool`` per call and logs in from
scratch every time (about 20 ms of CPU per node). This driver keeps one
RMCP+ session per BMC and asks Get Chassis Status on it, so a warm pass
over 1000 BMCs is a few tens of milliseconds; doc/source/ipmi.rst has the
figures and the pyghmi pitfalls worked around in powerbridge.pyghmi_compat.

Threads: every pyghmi call runs in the process's pyghmi loop thread
(pyghmi_loop.py); the methods below only build requests, hand them over
and wait for the results with a deadline.
"""

import functools
import ipaddress
import socket
import sys
import threading
import time

from oslo_log import log as logging

from baremetal_notifier.drivers import base
from baremetal_notifier.drivers import ipmi_engine
from baremetal_notifier.drivers import ipmi_ops
from baremetal_notifier.drivers import pyghmi_loop

LOG = logging.getLogger(__name__)

# IPMI 2.0 chassis commands (netfn 0).
NETFN_CHASSIS = 0
CMD_GET_CHASSIS_STATUS = 1
CMD_CHASSIS_CONTROL = 2
CONTROL_OFF = 0
CONTROL_ON = 1
CONTROL_CYCLE = 2
CONTROL_RESET = 3
CONTROL_SOFT = 5

# What each action sends, and the state to see after each step.
_ACTION_STEPS = {
    base.POWER_ON: ((CONTROL_ON, base.POWER_ON),),
    base.POWER_OFF: ((CONTROL_OFF, base.POWER_OFF),),
    base.SOFT_POWER_OFF: ((CONTROL_SOFT, base.POWER_OFF),),
    # NOTE: like Ironic's ipmitool reboot: off, then on. "power cycle" is
    # refused (D5h) by a chassis that is already off.
    base.REBOOT: ((CONTROL_OFF, base.POWER_OFF), (CONTROL_ON, base.POWER_ON)),
}
_CONTROL_NAMES = {CONTROL_OFF: 'off', CONTROL_ON: 'on', CONTROL_CYCLE: 'cycle',
                  CONTROL_RESET: 'reset', CONTROL_SOFT: 'soft off'}

# The loop reports an op's failure within a tick of its deadline; ops are
# given a deadline this much earlier than the caller's so results are in
# on time, and the caller waits this much longer only if the loop is stuck.
_DEADLINE_MARGIN = 0.1
_STUCK_GRACE = 1.0
# Credentials remembered at most (then forgotten all at once): far more
# than one conductor owns, and bounded if driver_info keeps changing.
_CREDS_REMEMBERED = 65536


def parse_chassis_status(data):
    """Power state from a Get Chassis Status reply (bit 0 of byte 1)."""
    if not data:
        raise ValueError('empty Get Chassis Status reply')
    return base.POWER_ON if data[0] & 0x01 else base.POWER_OFF


class _Results:
    """Collects op results from the loop thread for a waiting caller."""

    def __init__(self, expected, on_reading=None):
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._remaining = expected
        self._on_reading = on_reading
        self.values = {}
        if expected == 0:
            self._done.set()

    def __call__(self, op, value, error):
        reading = (base.PowerReading.failed(error) if error is not None
                   else base.PowerReading.ok(value))
        with self._lock:
            if op.key in self.values:
                return
            self.values[op.key] = reading
            self._remaining -= 1
            if self._remaining <= 0:
                self._done.set()
        if self._on_reading is not None:
            self._on_reading(op.key, reading)

    def wait(self, timeout):
        self._done.wait(max(0.0, timeout))
        with self._lock:
            return dict(self.values)


@functools.lru_cache(maxsize=256)
def _encoded(text):
    """``text`` as UTF-8 bytes; nodes usually share their credentials, and
    every warm session keeps its own reference: one object per value."""
    return text.encode('utf-8')


class IPMIPowerDriver(base.PowerDriver):
    """Power driver speaking IPMI 2.0 (lanplus) through pyghmi.

    :param login_timeout: seconds for one login attempt.
    :param command_timeout: seconds for one request on a live session.
    :param attempts: tries per request (each failed try after a timeout
        starts again with a fresh session).
    :param window: logins and requests in flight at once.
    :param tick: pyghmi loop tick, seconds.
    :param initial_timeout: pyghmi's first retransmit timer (process-wide).
    :param min_command_interval: seconds between operations to one BMC
        (Ironic's option; 0: no guard); see pacing.py.
    """

    def __init__(self, login_timeout=6.0, command_timeout=4.0, attempts=3,
                 window=256, tick=0.02, initial_timeout=0.1,
                 min_command_interval=0.0):
        if attempts < 1:
            raise ValueError('attempts must be at least 1')
        if window < 1:
            raise ValueError('window must be at least 1')
        self.login_timeout = float(login_timeout)
        self.command_timeout = float(command_timeout)
        self.attempts = int(attempts)
        self.window = int(window)
        self.tick = float(tick)
        self.initial_timeout = initial_timeout
        self.min_command_interval = float(min_command_interval)
        self._lock = threading.Lock()
        self._loop = None
        self._engine = None
        self._resolved = {}
        # BmcTarget -> Creds: the sync asks for the same BMCs every cycle.
        self._creds_of = {}

    def start(self):
        with self._lock:
            if self._loop is not None:
                return
            loop = pyghmi_loop.PyghmiLoop.acquire(
                tick=self.tick, initial_timeout=self.initial_timeout)
            engine = ipmi_engine.IpmiEngine(
                login_timeout=self.login_timeout,
                command_timeout=self.command_timeout, window=self.window,
                min_command_interval=self.min_command_interval)
            loop.add_client(engine).result(10)
            self._loop, self._engine = loop, engine

    def stop(self):
        with self._lock:
            loop, engine = self._loop, self._engine
            self._loop = self._engine = None
        if loop is None:
            return
        try:
            loop.call(engine.shutdown).result(10)
            loop.remove_client(engine).result(10)
        except Exception:
            LOG.warning('The IPMI loop did not shut the driver down cleanly',
                        exc_info=True)
        loop.release()

    def _running(self):
        loop, engine = self._loop, self._engine
        if loop is None:
            raise base.DriverError('the IPMI driver is not started')
        return loop, engine

    # -- queries -------------------------------------------------------------

    def get_power_states(self, targets, deadline, on_reading=None):
        """See PowerDriver.get_power_states.

        :param on_reading: optional ``callable(key, PowerReading)`` called
            as each reading arrives. It runs in the IPMI loop thread, so it
            must be quick and must not call the driver.
        """
        loop, engine = self._running()
        start = time.monotonic()
        end = start + max(0.0, deadline)
        op_deadline = end - min(_DEADLINE_MARGIN, deadline / 10.0)
        unique = {target.key: target for target in targets}
        readings = {}
        ops = []
        for key, target in unique.items():
            try:
                creds = self._creds(target)
            except base.DriverError as exc:
                readings[key] = base.PowerReading.failed(str(exc))
                if on_reading is not None:
                    on_reading(key, readings[key])
                continue
            ops.append(self._status_op(key, creds, None, op_deadline))
        results = _Results(len(ops), on_reading)
        for op in ops:
            op.on_done = results
        if ops:
            loop.call(engine.submit, ops)
            readings.update(results.wait(end - time.monotonic()
                                         + _STUCK_GRACE))
        for key in unique:
            if key not in readings:
                readings[key] = base.PowerReading.failed(
                    'no answer from the IPMI loop by the deadline')
        return readings

    def _status_op(self, key, creds, on_done, deadline):
        return ipmi_ops.Op(key, creds, 'Get Chassis Status',
                           NETFN_CHASSIS, CMD_GET_CHASSIS_STATUS, (),
                           parse_chassis_status, on_done, deadline,
                           self.attempts, persist=True)

    def _control_op(self, key, creds, directive, on_done, deadline):
        return ipmi_ops.Op(key, creds, 'Chassis Control (%s)'
                           % _CONTROL_NAMES[directive],
                           NETFN_CHASSIS, CMD_CHASSIS_CONTROL,
                           (directive,), lambda data: None, on_done,
                           deadline, self.attempts)

    def _run(self, op, end):
        """Run one op; its PowerReading-style result or an error string."""
        loop, engine = self._running()
        results = _Results(1)
        op.on_done = results
        loop.call(engine.submit, [op])
        values = results.wait(end - time.monotonic() + _STUCK_GRACE)
        reading = values.get(op.key)
        if reading is None:
            return None, 'no answer from the IPMI loop by the deadline'
        return reading.state, reading.error

    # -- actions -------------------------------------------------------------

    def set_power_state(self, target, state, timeout):
        base.check_action(state)
        end = time.monotonic() + timeout
        try:
            creds = self._creds(target)
        except base.DriverError as exc:
            raise base.PowerActionFailed(str(exc)) from None
        final = None
        for directive, expected in _ACTION_STEPS[state]:
            op = self._control_op(target.key, creds, directive, None,
                                  end - _DEADLINE_MARGIN)
            _value, error = self._run(op, end)
            if error is not None:
                raise base.PowerActionFailed(
                    'node %s: %s' % (target.key, error))
            final = self._wait_for_state(target, creds, expected, end)
        LOG.info('Node %s (%s:%d): %s done, power state read back: %s',
                 target.key, target.address, target.port, state, final)
        return final

    def _wait_for_state(self, target, creds, expected, end):
        """Poll Get Chassis Status until it reports expected (verify)."""
        delay = 0.05
        last = None
        while True:
            op = self._status_op(target.key, creds, None,
                                 end - _DEADLINE_MARGIN)
            state, error = self._run(op, end)
            if state == expected:
                return state
            last = error or 'power state is %r' % state
            remaining = end - time.monotonic()
            if remaining <= _DEADLINE_MARGIN:
                raise base.PowerActionFailed(
                    'node %s did not reach %r in time; last reading: %s'
                    % (target.key, expected, last))
            time.sleep(min(delay, remaining - _DEADLINE_MARGIN))
            delay = min(delay * 2, 1.0)

    # -- cache ---------------------------------------------------------------

    def forget(self, key):
        loop, engine = self._loop, self._engine
        if loop is not None:
            loop.call(engine.forget, key)

    def _creds(self, target):
        creds = self._creds_of.get(target)
        if creds is None:
            creds = self._make_creds(target)
            if len(self._creds_of) >= _CREDS_REMEMBERED:
                self._creds_of.clear()
            self._creds_of[target] = creds
        return creds

    def _make_creds(self, target):
        address = sys.intern(self._resolve(target.address))
        try:
            username = _encoded(target.username)
            password = _encoded(target.password)
        except (AttributeError, TypeError, UnicodeError):
            raise base.DriverError('node %s: IPMI credentials must be text'
                                   % target.key) from None
        return ipmi_ops.Creds(address, int(target.port), username,
                              password)

    def _resolve(self, address):
        # NOTE: resolved here, in the caller's thread: a slow DNS lookup
        # inside the loop thread would stall every node.
        try:
            ipaddress.ip_address(address)
            return address
        except ValueError:
            pass
        cached = self._resolved.get(address)
        if cached is not None:
            return cached
        try:
            info = socket.getaddrinfo(address, None, 0, socket.SOCK_DGRAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise base.DriverError('cannot resolve BMC address %s: %s'
                                   % (address, exc)) from None
        resolved = info[0][4][0]
        self._resolved[address] = resolved
        return resolved
