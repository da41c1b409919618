"""Nova's instance states: vm_state, task_state and power_state values."""

# vm_states (nova/compute/vm_states.py)
ACTIVE = 'active'
BUILDING = 'building'
STOPPED = 'stopped'
PAUSED = 'paused'
SUSPENDED = 'suspended'
ERROR = 'error'
DELETED = 'deleted'
SOFT_DELETED = 'soft-delete'
RESCUED = 'rescued'
RESIZED = 'resized'

# task_states (nova/compute/task_states.py) used here
POWERING_ON = 'powering-on'
POWERING_OFF = 'powering-off'

# power_state integers (nova/compute/power_state.py)
NOSTATE = 0
RUNNING = 1
PAUSED_POWER = 3
SHUTDOWN = 4
CRASHED = 6
SUSPENDED_POWER = 7

POWER_STATE_NAMES = {
    NOSTATE: 'pending',
    RUNNING: 'running',
    PAUSED_POWER: 'paused',
    SHUTDOWN: 'shutdown',
    CRASHED: 'crashed',
    SUSPENDED_POWER: 'suspended',
}

# The server 'status' the API shows for a vm_state (nova/api/openstack/
# common.py), refined by task_state where Nova does so.
_STATUS_BY_VM_STATE = {
    ACTIVE: 'ACTIVE',
    BUILDING: 'BUILD',
    STOPPED: 'SHUTOFF',
    PAUSED: 'PAUSED',
    SUSPENDED: 'SUSPENDED',
    ERROR: 'ERROR',
    DELETED: 'DELETED',
    SOFT_DELETED: 'SOFT_DELETED',
    RESCUED: 'RESCUE',
    RESIZED: 'VERIFY_RESIZE',
}


def server_status(vm_state, task_state=None):
    """Map vm_state (and task_state) to the API's server status."""
    return _STATUS_BY_VM_STATE.get(vm_state, 'UNKNOWN')


# Bare metal power states (Ironic's strings) and the instance state each
# one means when the hardware is the source of truth.
BAREMETAL_POWER_ON = 'power on'
BAREMETAL_POWER_OFF = 'power off'
POWER_STATE_FROM_BAREMETAL = {
    BAREMETAL_POWER_ON: RUNNING,
    BAREMETAL_POWER_OFF: SHUTDOWN,
    None: NOSTATE,
}


def vm_state_for_power(power_state):
    """The vm_state of an instance placed on hardware already in
    ``power_state``: a powered-off node is a stopped server (SHUTOFF),
    from which os-start works at once. Nova's power sync would get there
    too (it calls stop on an ACTIVE instance found shut down), but only
    after a sync period in which start is refused (409)."""
    return STOPPED if power_state == SHUTDOWN else ACTIVE
