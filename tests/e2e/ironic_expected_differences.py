"""EXPECTED_DIFFERENCES: what real Ironic 39 and baremetal-notifier still
answer differently in tests/e2e/test_ironic_differential.py, each with why.

Every entry is deliberate: what this service does not serve (chassis,
ports, volume, versions above its maximum) and the few requests where
Ironic answers 500 and this service a 4xx. Anything else the test finds is
a failure; entries that no longer occur are listed in the test's
"expected-but-gone" detail, to be pruned. Keyed (request name, aspect,
detail) exactly as the test reports a difference; a 'keys' detail is a
KeyDiff(only in Ironic's body, only in ours).
"""

from tests.fixtures.ironic_diff import KeyDiff

# Why.
VER = 'deliberate: versions above our maximum 1.46'
NOSERVE = 'deliberate: chassis, ports and volume are not served'
I500 = 'deliberate: Ironic answers 500 here; ours a 4xx (hostile-input rule)'
ROOTLINKS = ('deliberate: the /v1 document links only what is served here '
             '(no chassis, ports, portgroups, volume, lookup, heartbeat; '
             'nothing above 1.46)')
GROUP500 = ("deliberate: Ironic answers 500 for a conductor_group PATCH to "
            "null or a remove (it lower-cases the missing value); ours: "
            "null is 400 (Expected a conductor group but received None.), "
            "remove is the default group '' (200), and below 1.46 any "
            "conductor_group patch is 406")

# Ironic answers these from a controller (a versioned fault body); this
# service has no route for them (a routing error: Ironic's framework body
# and no version headers, as Ironic gives for its own unrouted paths).
ROUTED_BY_IRONIC_ONLY = (
    'X-OpenStack-Ironic-API-Minimum-Version: ironic 1.1, ours None',
    'X-OpenStack-Ironic-API-Maximum-Version: ironic present, ours None',
    'X-OpenStack-Ironic-API-Version: ironic 1.42, ours None')
FAULT = frozenset(['error_message.debuginfo', 'error_message.faultcode',
                   'error_message.faultstring'])
FRAMEWORK_FAULT = frozenset(['error_message.code',
                             'error_message.description',
                             'error_message.title'])
OUR_404 = frozenset(['error_message']) | FRAMEWORK_FAULT
IRONIC_500 = frozenset(['error_message']) | FAULT
# A node's key paths at 1.46, as this service answers a PATCH.
NODE_1_46 = frozenset([
    'bios_interface', 'boot_interface', 'chassis_uuid', 'clean_step',
    'conductor_group', 'console_enabled', 'console_interface', 'created_at',
    'deploy_interface', 'deploy_step', 'driver', 'driver_info',
    'driver_internal_info', 'extra', 'fault', 'inspect_interface',
    'inspection_finished_at', 'inspection_started_at', 'instance_info',
    'instance_uuid', 'last_error', 'links', 'links[].href', 'links[].rel',
    'maintenance', 'maintenance_reason', 'management_interface', 'name',
    'network_interface', 'portgroups', 'portgroups[].href',
    'portgroups[].rel', 'ports', 'ports[].href', 'ports[].rel',
    'power_interface', 'power_state', 'properties', 'provision_state',
    'provision_updated_at', 'raid_config', 'raid_interface',
    'rescue_interface', 'reservation', 'resource_class', 'states',
    'states[].href', 'states[].rel', 'storage_interface',
    'target_power_state', 'target_provision_state', 'target_raid_config',
    'traits', 'updated_at', 'uuid', 'vendor_interface', 'volume',
    'volume[].href', 'volume[].rel'])
V1_LINKS_1_1 = frozenset(['chassis', 'ports'])
V1_LINKS_1_42 = V1_LINKS_1_1 | {'heartbeat', 'lookup', 'portgroups',
                                'volume'}
V1_LINKS_LATEST = V1_LINKS_1_42 | {
    'allocations', 'conductors', 'continue_inspection', 'deploy_templates',
    'events', 'inspection_rules', 'runbooks', 'shards'}
# Served by Ironic, not here: request name -> the key paths of its body.
NOT_SERVED = {
    'chassis': frozenset(['chassis']),
    'ports': frozenset(['ports']),
    'node ports': frozenset(['ports']),
    'node volume': frozenset([
        'connectors', 'connectors[].href', 'connectors[].rel', 'links',
        'links[].href', 'links[].rel', 'targets', 'targets[].href',
        'targets[].rel']),
}


def _links(names):
    """Key paths of the /v1 document's links to ``names``."""
    return frozenset(path for name in names
                     for path in (name, name + '[].href', name + '[].rel'))


EXPECTED_DIFFERENCES = {
    ('v1 no version', 'keys',
     KeyDiff(_links(V1_LINKS_1_1), frozenset())): ROOTLINKS,
    ('v1 at 1.42', 'keys',
     KeyDiff(_links(V1_LINKS_1_42), frozenset())): ROOTLINKS,
    ('v1 latest', 'keys',
     KeyDiff(_links(V1_LINKS_LATEST), frozenset())): ROOTLINKS,
    ('v1 latest', 'version headers',
     'X-OpenStack-Ironic-API-Version: ironic 1.115, ours 1.46'): VER,
    ('create bad JSON', 'status', 'ironic 500, ours 400'): I500,
    # GET of .../states/power: Ironic's controller fails (500); here the
    # path serves PUT only (405).
    ('power GET', 'status', 'ironic 500, ours 405'): I500,
    ('power GET', 'keys', KeyDiff(FAULT, FRAMEWORK_FAULT)): I500,
    ('patch remove group at 1.45', 'status', 'ironic 500, ours 406'):
        GROUP500,
    ('patch null group', 'status', 'ironic 500, ours 400'): GROUP500,
    ('patch remove group', 'status', 'ironic 500, ours 200'): GROUP500,
    ('patch remove group', 'keys', KeyDiff(IRONIC_500, NODE_1_46)): GROUP500,
}
EXPECTED_DIFFERENCES.update(
    {('power GET', 'version headers', detail): I500
     for detail in ROUTED_BY_IRONIC_ONLY})
for _name, _keys in NOT_SERVED.items():
    EXPECTED_DIFFERENCES[(_name, 'status', 'ironic 200, ours 404')] = NOSERVE
    EXPECTED_DIFFERENCES[(_name, 'keys', KeyDiff(_keys, OUR_404))] = NOSERVE
    EXPECTED_DIFFERENCES.update(
        {(_name, 'version headers', detail): NOSERVE
         for detail in ROUTED_BY_IRONIC_ONLY})
