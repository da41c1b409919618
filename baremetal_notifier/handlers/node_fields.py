"""The node fields Ironic 39 serves, by API version, and this service's
values for those it has nothing behind.

A node body at version V holds every field Ironic holds at V. Fields
about things this service does not do (consoles, RAID, inspection,
cleaning and deploy steps, chassis) carry the value Ironic shows for a
node that never used them; the ``*_interface`` fields name what this
service does: power through IPMI ('ipmitool', Ironic's name for it), and
Ironic's no-op implementations for everything else (``noop`` deploy: a
deploy writes no image, see conductor/provisioning.py).
"""

from baremetal_notifier import microversion

HARDWARE_TYPE = 'ipmi'
INTERFACES = {
    'bios_interface': 'no-bios',
    'boot_interface': 'fake',
    'console_interface': 'no-console',
    'deploy_interface': 'noop',
    'inspect_interface': 'no-inspect',
    'management_interface': 'noop',
    'network_interface': 'noop',
    'power_interface': 'ipmitool',
    'raid_interface': 'no-raid',
    'rescue_interface': 'no-rescue',
    'storage_interface': 'noop',
    'vendor_interface': 'no-vendor',
}

# Ironic's VERSIONED_FIELDS (api/controllers/v1/utils.py): the minor
# version each node field appeared in. Those past this service's maximum
# are listed too: asking for one is a 406, as in Ironic, not a 400.
_V31 = ('boot_interface', 'console_interface', 'deploy_interface',
        'inspect_interface', 'management_interface', 'power_interface',
        'raid_interface', 'vendor_interface')
SINCE = dict({
    'driver_internal_info': 3, 'name': 5, 'inspection_finished_at': 6,
    'inspection_started_at': 6, 'clean_step': 7, 'raid_config': 12,
    'target_raid_config': 12, 'network_interface': 20,
    'resource_class': 21, 'storage_interface': 33, 'traits': 37,
    'rescue_interface': 38, 'bios_interface': 40, 'fault': 42,
    'deploy_step': 44, 'conductor_group': 46, 'automated_clean': 47,
    'protected': 48, 'protected_reason': 48, 'conductor': 49, 'owner': 50,
    'description': 51, 'allocation_uuid': 52, 'events': 54, 'retired': 61,
    'retired_reason': 61, 'lessee': 65, 'network_data': 66,
    'boot_mode': 75, 'secure_boot': 75, 'shard': 82, 'parent_node': 83,
    'firmware_interface': 86, 'service_step': 87, 'disable_power_off': 95,
    'instance_name': 104, 'health': 109,
}, **{name: 31 for name in _V31})
# Node fields of 1.1 (created_at and updated_at are always shown, and
# never asked for by name, as in Ironic).
BASE = ('uuid', 'chassis_uuid', 'console_enabled', 'driver', 'driver_info',
        'extra', 'instance_info', 'instance_uuid', 'last_error',
        'maintenance', 'maintenance_reason', 'power_state', 'properties',
        'provision_state', 'provision_updated_at', 'reservation',
        'target_power_state', 'target_provision_state')
# The names ?fields= takes (at the version each appeared in).
QUERYABLE = frozenset(BASE) | frozenset(SINCE)
# Sub-resource links of a whole node body (never with ?fields=).
LINKS_SINCE = {'ports': 1, 'states': 14, 'portgroups': 24, 'volume': 32}
# Ironic's default GET /v1/nodes item (no ?fields=).
LIST_FIELDS = ('instance_uuid', 'maintenance', 'name', 'power_state',
               'provision_state', 'uuid')
# What a node that never used a feature shows for it.
CONSTANTS = dict({
    'chassis_uuid': None, 'console_enabled': False,
    'driver_internal_info': {}, 'inspection_finished_at': None,
    'inspection_started_at': None, 'clean_step': {}, 'raid_config': {},
    'target_raid_config': {},
    # A deploy here runs no steps (noop deploy interface).
    'deploy_step': {},
}, **INTERFACES)


def _minor(req):
    return microversion.want(req).minor


def allowed(req, field):
    """True when ``field`` exists at the request's version."""
    return _minor(req) >= SINCE.get(field, 1)


def whole_body(req):
    """Every field of a node body at the request's version."""
    fields = [f for f in BASE if allowed(req, f)]
    fields += [f for f in SINCE if f not in fields and allowed(req, f)
               and f in SERVED]
    return ['created_at', 'updated_at'] + fields


def links(req):
    """The sub-resource links a whole node body carries."""
    return [name for name, minor in LINKS_SINCE.items()
            if _minor(req) >= minor]


# The versioned fields that exist up to this service's maximum.
SERVED = frozenset(f for f, minor in SINCE.items()
                   if minor <= microversion.MAX_VERSION.minor)
