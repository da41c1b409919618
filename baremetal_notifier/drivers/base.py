"""The power driver interface the conductor talks to.

A driver answers two questions for many nodes at once ("what is the power
state of each of these BMCs?") and performs one power action at a time.
Everything a driver returns or raises is safe to log and to store in a
node's ``last_error``: BMC passwords never appear in readings, exception
text or ``repr()``.
"""

import abc
import dataclasses
import typing

# NOTE: Ironic's own strings (ironic.common.states), so node rows and API
# responses carry the values the openstack CLI and Nova expect.
POWER_ON = 'power on'
POWER_OFF = 'power off'
REBOOT = 'rebooting'
SOFT_POWER_OFF = 'soft power off'

#: The states set_power_state() accepts.
POWER_ACTIONS = (POWER_ON, POWER_OFF, REBOOT, SOFT_POWER_OFF)

DEFAULT_IPMI_PORT = 623


class DriverError(Exception):
    """Base class for power driver errors (message safe to log)."""


class InvalidDriverInfo(DriverError, ValueError):
    """A node's driver_info cannot describe a BMC."""


class PowerActionFailed(DriverError):
    """A power action failed, timed out, or could not be verified."""


@dataclasses.dataclass(frozen=True)
class BmcTarget:
    """Where and how to reach one node's BMC."""

    key: str  # node uuid; the driver's cache key
    address: str
    port: int = DEFAULT_IPMI_PORT
    username: str = ''
    password: str = dataclasses.field(default='', repr=False)

    @classmethod
    def from_driver_info(cls, key, driver_info):
        """Build a target from Ironic-style ``ipmi_*`` driver_info keys.

        :raises InvalidDriverInfo: with a message that names the bad field
            but never echoes the password.
        """
        if not isinstance(driver_info, typing.Mapping):
            raise InvalidDriverInfo('node %s: driver_info must be an object'
                                    % key)
        address = driver_info.get('ipmi_address')
        if not isinstance(address, str) or not address.strip():
            raise InvalidDriverInfo('node %s: driver_info is missing '
                                    'ipmi_address' % key)
        port = driver_info.get('ipmi_port', DEFAULT_IPMI_PORT)
        if port in (None, ''):
            port = DEFAULT_IPMI_PORT
        try:
            # NOTE: bool is an int subclass; True is not a port number.
            if isinstance(port, bool):
                raise ValueError()
            port = int(port)
        except (TypeError, ValueError):
            raise InvalidDriverInfo('node %s: ipmi_port must be an integer'
                                    % key) from None
        if not 0 < port < 65536:
            raise InvalidDriverInfo('node %s: ipmi_port %d is out of range'
                                    % (key, port))
        username = driver_info.get('ipmi_username') or ''
        if not isinstance(username, str):
            raise InvalidDriverInfo('node %s: ipmi_username must be a string'
                                    % key)
        password = driver_info.get('ipmi_password') or ''
        if not isinstance(password, str):
            # NOTE: say what is wrong without showing the value.
            raise InvalidDriverInfo('node %s: ipmi_password must be a string'
                                    % key)
        # NOTE: IPMI 2.0 limits user names to 16 and passwords to 20 bytes.
        if len(username.encode('utf-8')) > 16:
            raise InvalidDriverInfo('node %s: ipmi_username is longer than '
                                    '16 bytes' % key)
        if len(password.encode('utf-8')) > 20:
            raise InvalidDriverInfo('node %s: ipmi_password is longer than '
                                    '20 bytes' % key)
        return cls(key=key, address=address.strip(), port=port,
                   username=username, password=password)


@dataclasses.dataclass(frozen=True)
class PowerReading:
    """The outcome of one power state query."""

    state: typing.Optional[str]  # POWER_ON / POWER_OFF, None on error
    error: typing.Optional[str]  # why there is no state; never a password

    @classmethod
    def ok(cls, state):
        # NOTE: immutable, so the readings of a state are one object: a
        # 10,000-node cycle would otherwise build 10,000 equal ones.
        reading = _OK_READINGS.get(state)
        return reading if reading is not None else cls(state=state,
                                                       error=None)

    @classmethod
    def failed(cls, error):
        return cls(state=None, error=error)


_OK_READINGS = {state: PowerReading(state=state, error=None)
                for state in (POWER_ON, POWER_OFF)}


class PowerDriver(abc.ABC):
    """What the conductor needs from a power driver."""

    def start(self):  # noqa: B027 - a driver with nothing to start
        """Acquire resources (threads, sockets); idempotent."""

    def stop(self):  # noqa: B027 - a driver with nothing to stop
        """Release everything start() acquired; idempotent."""

    @abc.abstractmethod
    def get_power_states(self, targets, deadline, on_reading=None):
        """Read the power state of many BMCs in parallel.

        :param targets: list of BmcTarget.
        :param deadline: seconds from now. Every key gets a reading by then;
            a BMC that does not answer costs only its own node.
        :param on_reading: optional ``f(key, reading)`` called as each
            reading arrives, from a driver thread; it must be quick.
        :returns: dict of key -> PowerReading, with every key of targets.
        """

    @abc.abstractmethod
    def set_power_state(self, target, state, timeout):
        """Perform a power action and read the state back.

        :param state: one of POWER_ACTIONS.
        :param timeout: seconds for the action and its verification.
        :returns: the state read back afterwards (POWER_ON/POWER_OFF).
        :raises PowerActionFailed: on error, timeout or failed verification.
        """

    def forget(self, key):  # noqa: B027 - nothing cached by default
        """Drop anything cached for key (node deleted, credentials changed)."""

    def get_power_state(self, target, timeout):
        """Convenience: one node's reading."""
        return self.get_power_states([target], timeout)[target.key]


def check_action(state):
    """Raise ValueError for a power state set_power_state() cannot do."""
    if state not in POWER_ACTIONS:
        raise ValueError('unsupported power action %r (expected one of %s)'
                         % (state, ', '.join(POWER_ACTIONS)))
    return state


def expected_state(action):
    """The state a node should be in once ``action`` has completed."""
    return POWER_ON if action in (POWER_ON, REBOOT) else POWER_OFF
