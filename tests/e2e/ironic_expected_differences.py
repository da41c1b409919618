"""EXPECTED_DIFFERENCES: what real Ironic 39 and baremetal-notifier still
answer differently in tests/e2e/test_ironic_differential.py, each with why.

Deliberate entries stay; "gap:" entries are what issue 11 closes: prune
them as the service catches up (the test lists entries that no longer
occur in its "expected-but-gone" detail). Keyed (request name, aspect,
detail) exactly as the test reports a difference; a 'keys' detail is a
KeyDiff(only in Ironic's body, only in ours).
"""

from tests.fixtures.ironic_diff import KeyDiff

# Why.
VER = 'deliberate: versions above our maximum 1.46'
NOSERVE = 'deliberate: chassis, ports and volume are not served'
I500 = 'deliberate: Ironic answers 500 here; ours a 4xx (hostile-input rule)'
ROOT = ('gap: /v1 document shape (media_types object, version object, '
        'drivers link); chassis/ports/portgroups/volume/heartbeat/lookup '
        'links deliberate')
ENROLL = 'gap: new nodes start enroll at 1.11+ (Ironic lifecycle)'
PROV = 'gap: no PUT /v1/nodes/{id}/states/provision'
ASSOC = 'gap: instance_uuid is an association, provision state unchanged'
F11 = ('gap: node fields at 1.1 (chassis_uuid, console_enabled, '
       'instance_info, ports link)')
F142 = ('gap: node fields up to 1.42 (*_interface, resource_class, traits, '
        'raid, ...)')
STATES = 'gap: states body lacks console_enabled / raid configs'
RC = 'gap: resource_class not accepted / not filterable'
NOVAF = "gap: ?fields= with the fields Nova's Ironic driver sends"
TRAITS = 'gap: no /v1/nodes/{id}/traits'
DRIVERS = 'gap: no /v1/drivers'
VERERR = ("gap: Ironic's body for version and routing errors (code, title, "
          "description in error_message), and no version headers on "
          "routing errors")
NEG = 'gap: version negotiation (1.01 means 1.1; abc is 406)'
ACCEPT = 'gap: Accept: text/plain must be 406'
CTYPE = 'gap: a POST without Content-Type must be 400'
ROUTE = ('gap: Ironic answers 400 for a method/subpath its controller does '
         'not route')
CLI = ("gap: the openstack CLI's node columns at 1.42 (the node fields "
       "above)")
RC3 = 'gap: follows from N3 refused at create (resource_class)'

GROUP500 = ("deliberate: Ironic answers 500 for a conductor_group PATCH to "
            "null or a remove (it lower-cases the missing value); ours: "
            "null is 400 (Expected a conductor group but received None.), "
            "remove is the default group '' (200), and below 1.46 any "
            "conductor_group patch is 406")

ROOTLINKS = ('deliberate: the /v1 document links only what is served here '
             '(no chassis, ports, portgroups, volume, lookup, heartbeat; '
             'nothing above 1.42)')
ROUTE2 = ('gap: DELETE /v1/nodes is 405 and an unknown node subpath 404 '
          'here; Ironic answers 400 with its framework body and version '
          'headers (README, not done yet)')

# Key paths that recur (named by content where it helps).
OUR_ERROR = frozenset({
    'error_message', 'error_message.debuginfo', 'error_message.faultcode',
    'error_message.faultstring'})
NODE_1_42_MISSING = frozenset({
    'bios_interface', 'boot_interface', 'chassis_uuid', 'clean_step',
    'console_enabled', 'console_interface', 'deploy_interface',
    'driver_internal_info', 'inspect_interface', 'inspection_finished_at',
    'inspection_started_at', 'instance_info', 'management_interface',
    'network_interface', 'portgroups', 'portgroups[].href',
    'portgroups[].rel', 'ports', 'ports[].href', 'ports[].rel',
    'power_interface', 'raid_config', 'raid_interface', 'rescue_interface',
    'resource_class', 'storage_interface', 'target_raid_config', 'traits',
    'vendor_interface', 'volume', 'volume[].href', 'volume[].rel'})
IRONIC_ERROR_INNER = frozenset({
    'error_message.code', 'error_message.description',
    'error_message.title'})
OUR_ERROR_INNER = frozenset({
    'error_message.debuginfo', 'error_message.faultcode',
    'error_message.faultstring'})
OUR_MEDIA_TYPES = frozenset({
    'media_types[].base', 'media_types[].type'})
NODES_ONLY = frozenset({
    'nodes'})
NODE_1_1_MISSING = frozenset({
    'chassis_uuid', 'console_enabled', 'instance_info', 'ports',
    'ports[].href', 'ports[].rel'})
NODE_LIST = frozenset({
    'nodes', 'nodes[].instance_uuid', 'nodes[].links',
    'nodes[].links[].href', 'nodes[].links[].rel', 'nodes[].maintenance',
    'nodes[].name', 'nodes[].power_state', 'nodes[].provision_state',
    'nodes[].uuid'})
PORTS_ONLY = frozenset({
    'ports'})
V1_DOC_1_1 = frozenset({
    'chassis', 'chassis[].href', 'chassis[].rel', 'drivers',
    'drivers[].href', 'drivers[].rel', 'media_types.base',
    'media_types.type', 'ports', 'ports[].href', 'ports[].rel', 'version',
    'version.id', 'version.links', 'version.links[].href',
    'version.links[].rel', 'version.min_version', 'version.status',
    'version.version'})
V1_DOC_1_42 = frozenset({
    'chassis', 'chassis[].href', 'chassis[].rel', 'drivers',
    'drivers[].href', 'drivers[].rel', 'heartbeat', 'heartbeat[].href',
    'heartbeat[].rel', 'lookup', 'lookup[].href', 'lookup[].rel',
    'media_types.base', 'media_types.type', 'portgroups',
    'portgroups[].href', 'portgroups[].rel', 'ports', 'ports[].href',
    'ports[].rel', 'version', 'version.id', 'version.links',
    'version.links[].href', 'version.links[].rel', 'version.min_version',
    'version.status', 'version.version', 'volume', 'volume[].href',
    'volume[].rel'})
V1_DOC_LATEST = frozenset({
    'allocations', 'allocations[].href', 'allocations[].rel', 'chassis',
    'chassis[].href', 'chassis[].rel', 'conductors', 'conductors[].href',
    'conductors[].rel', 'continue_inspection',
    'continue_inspection[].href', 'continue_inspection[].rel',
    'deploy_templates', 'deploy_templates[].href',
    'deploy_templates[].rel', 'drivers', 'drivers[].href', 'drivers[].rel',
    'events', 'events[].href', 'events[].rel', 'heartbeat',
    'heartbeat[].href', 'heartbeat[].rel', 'inspection_rules',
    'inspection_rules[].href', 'inspection_rules[].rel', 'lookup',
    'lookup[].href', 'lookup[].rel', 'media_types.base',
    'media_types.type', 'portgroups', 'portgroups[].href',
    'portgroups[].rel', 'ports', 'ports[].href', 'ports[].rel', 'runbooks',
    'runbooks[].href', 'runbooks[].rel', 'shards', 'shards[].href',
    'shards[].rel', 'version', 'version.id', 'version.links',
    'version.links[].href', 'version.links[].rel', 'version.min_version',
    'version.status', 'version.version', 'volume', 'volume[].href',
    'volume[].rel'})
NODE_1_42 = frozenset({
    'bios_interface', 'boot_interface', 'chassis_uuid', 'clean_step',
    'console_enabled', 'console_interface', 'created_at',
    'deploy_interface', 'driver', 'driver_info', 'driver_internal_info',
    'extra', 'fault', 'inspect_interface', 'inspection_finished_at',
    'inspection_started_at', 'instance_info', 'instance_uuid',
    'last_error', 'links', 'links[].href', 'links[].rel', 'maintenance',
    'maintenance_reason', 'management_interface', 'name',
    'network_interface', 'portgroups', 'portgroups[].href',
    'portgroups[].rel', 'ports', 'ports[].href', 'ports[].rel',
    'power_interface', 'power_state', 'properties', 'provision_state',
    'provision_updated_at', 'raid_config', 'raid_interface',
    'rescue_interface', 'reservation', 'resource_class', 'states',
    'states[].href', 'states[].rel', 'storage_interface',
    'target_power_state', 'target_provision_state', 'target_raid_config',
    'traits', 'updated_at', 'uuid', 'vendor_interface', 'volume',
    'volume[].href', 'volume[].rel'})
NODE_1_46 = NODE_1_42 | {'conductor_group', 'deploy_step'}
OUR_NODE_1_42 = frozenset({
    'created_at', 'driver', 'driver_info', 'extra', 'fault',
    'instance_uuid', 'last_error', 'links', 'links[].href', 'links[].rel',
    'maintenance', 'maintenance_reason', 'name', 'power_state',
    'properties', 'provision_state', 'provision_updated_at', 'reservation',
    'states', 'states[].href', 'states[].rel', 'target_power_state',
    'target_provision_state', 'updated_at', 'uuid'})
DETAIL_1_1_MISSING = frozenset({
    'nodes[].chassis_uuid', 'nodes[].console_enabled',
    'nodes[].instance_info', 'nodes[].ports', 'nodes[].ports[].href',
    'nodes[].ports[].rel'})
DETAIL_1_42_MISSING = frozenset({
    'nodes[].bios_interface', 'nodes[].boot_interface',
    'nodes[].chassis_uuid', 'nodes[].clean_step',
    'nodes[].console_enabled', 'nodes[].console_interface',
    'nodes[].deploy_interface', 'nodes[].driver_internal_info',
    'nodes[].inspect_interface', 'nodes[].inspection_finished_at',
    'nodes[].inspection_started_at', 'nodes[].instance_info',
    'nodes[].management_interface', 'nodes[].network_interface',
    'nodes[].portgroups', 'nodes[].portgroups[].href',
    'nodes[].portgroups[].rel', 'nodes[].ports', 'nodes[].ports[].href',
    'nodes[].ports[].rel', 'nodes[].power_interface',
    'nodes[].raid_config', 'nodes[].raid_interface',
    'nodes[].rescue_interface', 'nodes[].resource_class',
    'nodes[].storage_interface', 'nodes[].target_raid_config',
    'nodes[].traits', 'nodes[].vendor_interface', 'nodes[].volume',
    'nodes[].volume[].href', 'nodes[].volume[].rel'})
NOVA_FIELDS = frozenset({
    'instance_uuid', 'last_error', 'links', 'links[].href', 'links[].rel',
    'maintenance', 'power_state', 'properties', 'provision_state',
    'resource_class', 'target_power_state', 'target_provision_state',
    'traits', 'uuid'})
NODE_LIST_ITEMS = frozenset({
    'nodes[].instance_uuid', 'nodes[].links', 'nodes[].links[].href',
    'nodes[].links[].rel', 'nodes[].maintenance', 'nodes[].name',
    'nodes[].power_state', 'nodes[].provision_state', 'nodes[].uuid'})
DRIVER_LIST = frozenset({
    'drivers', 'drivers[].hosts', 'drivers[].links',
    'drivers[].links[].href', 'drivers[].links[].rel', 'drivers[].name',
    'drivers[].properties', 'drivers[].type'})
DRIVER_IPMI = frozenset({
    'default_bios_interface', 'default_boot_interface',
    'default_console_interface', 'default_deploy_interface',
    'default_inspect_interface', 'default_management_interface',
    'default_network_interface', 'default_power_interface',
    'default_raid_interface', 'default_rescue_interface',
    'default_storage_interface', 'default_vendor_interface',
    'enabled_bios_interfaces', 'enabled_boot_interfaces',
    'enabled_console_interfaces', 'enabled_deploy_interfaces',
    'enabled_inspect_interfaces', 'enabled_management_interfaces',
    'enabled_network_interfaces', 'enabled_power_interfaces',
    'enabled_raid_interfaces', 'enabled_rescue_interfaces',
    'enabled_storage_interfaces', 'enabled_vendor_interfaces', 'hosts',
    'links', 'links[].href', 'links[].rel', 'name', 'properties', 'type'})
VOLUME_DOC = frozenset({
    'connectors', 'connectors[].href', 'connectors[].rel', 'links',
    'links[].href', 'links[].rel', 'targets', 'targets[].href',
    'targets[].rel'})

EXPECTED_DIFFERENCES = {
    ('patch remove group at 1.45', 'status',
     'ironic 500, ours 406'): GROUP500,
    ('patch null group', 'status',
     'ironic 500, ours 400'): GROUP500,
    ('patch remove group', 'status',
     'ironic 500, ours 200'): GROUP500,
    ('patch remove group', 'keys',
     KeyDiff(OUR_ERROR, NODE_1_46)): GROUP500,
    ('v1 no version', 'keys',
     KeyDiff(V1_DOC_1_1, OUR_MEDIA_TYPES)): ROOT,
    ('v1 at 1.42', 'keys',
     KeyDiff(V1_DOC_1_42, OUR_MEDIA_TYPES)): ROOT,
    ('v1 latest', 'version headers',
     'X-OpenStack-Ironic-API-Version: ironic 1.115, ours 1.46'): VER,
    ('v1 latest', 'keys',
     KeyDiff(V1_DOC_LATEST, OUR_MEDIA_TYPES)): VER,
    ('nodes at 1.0', 'keys',
     KeyDiff(IRONIC_ERROR_INNER, OUR_ERROR_INNER)): VERERR,
    ('nodes at 1.01', 'status',
     'ironic 200, ours 400'): NEG,
    ('nodes at 1.01', 'version headers',
     'X-OpenStack-Ironic-API-Version: ironic 1.1, ours None'): NEG,
    ('nodes at 1.01', 'keys',
     KeyDiff(NODES_ONLY, OUR_ERROR)): NEG,
    ('nodes at abc', 'status',
     'ironic 406, ours 400'): NEG,
    ('nodes at abc', 'version headers',
     'X-OpenStack-Ironic-API-Minimum-Version: ironic None, ours 1.1'): NEG,
    ('nodes at abc', 'version headers',
     'X-OpenStack-Ironic-API-Maximum-Version: ironic None, ours present'): NEG,
    ('nodes at abc', 'keys',
     KeyDiff(IRONIC_ERROR_INNER, OUR_ERROR_INNER)): NEG,
    ('nodes at 2.1', 'keys',
     KeyDiff(IRONIC_ERROR_INNER, OUR_ERROR_INNER)): VERERR,
    ('create at 1.1', 'keys',
     KeyDiff(NODE_1_1_MISSING, frozenset())): F11,
    ('create at 1.42', 'values',
     'provision_state: ironic enroll, ours available'): ENROLL,
    ('create at 1.42', 'keys',
     KeyDiff(NODE_1_42_MISSING, frozenset())): F142,
    ('create with resource_class', 'status',
     'ironic 201, ours 400'): RC,
    ('create with resource_class', 'keys',
     KeyDiff(NODE_1_42, OUR_ERROR)): RC,
    ('create bad JSON', 'status',
     'ironic 500, ours 400'): I500,
    ('create as text/plain', 'values',
     'provision_state: ironic enroll, ours available'): ENROLL,
    ('create as text/plain', 'keys',
     KeyDiff(NODE_1_42_MISSING, frozenset())): F142,
    ('create without content type', 'status',
     'ironic 400, ours 201'): CTYPE,
    ('create without content type', 'keys',
     KeyDiff(OUR_ERROR, OUR_NODE_1_42)): CTYPE,
    ('list at 1.1', 'values',
     ('nodes[2f1a5d3e-6c7b-4a8e-9f0d-1b2c3d4e5f60].provision_state: ironic '
      'enroll, ours None')): ENROLL,
    ('list at 1.42', 'values',
     ('nodes[2f1a5d3e-6c7b-4a8e-9f0d-1b2c3d4e5f60].provision_state: ironic '
      'enroll, ours available')): ENROLL,
    ('detail at 1.1', 'values',
     ('nodes[2f1a5d3e-6c7b-4a8e-9f0d-1b2c3d4e5f60].provision_state: ironic '
      'enroll, ours None')): ENROLL,
    ('detail at 1.1', 'keys',
     KeyDiff(DETAIL_1_1_MISSING, frozenset())): F11,
    ('detail at 1.42', 'values',
     ('nodes[2f1a5d3e-6c7b-4a8e-9f0d-1b2c3d4e5f60].provision_state: ironic '
      'enroll, ours available')): ENROLL,
    ('detail at 1.42', 'keys',
     KeyDiff(DETAIL_1_42_MISSING, frozenset())): F142,
    ('show at 1.1', 'values',
     'provision_state: ironic enroll, ours None'): ENROLL,
    ('show at 1.1', 'keys',
     KeyDiff(NODE_1_1_MISSING, frozenset())): F11,
    ('show at 1.42', 'values',
     'provision_state: ironic enroll, ours available'): ENROLL,
    ('show at 1.42', 'keys',
     KeyDiff(NODE_1_42_MISSING, frozenset())): F142,
    ('show by name', 'values',
     'provision_state: ironic enroll, ours available'): ENROLL,
    ('show by name', 'keys',
     KeyDiff(NODE_1_42_MISSING, frozenset())): F142,
    ('show Nova driver fields', 'status',
     'ironic 200, ours 400'): NOVAF,
    ('show Nova driver fields', 'keys',
     KeyDiff(NOVA_FIELDS, OUR_ERROR)): NOVAF,
    ('filter maintenance', 'values',
     ('nodes[2f1a5d3e-6c7b-4a8e-9f0d-1b2c3d4e5f60].provision_state: ironic '
      'enroll, ours available')): ENROLL,
    ('filter associated', 'values',
     ('nodes[2f1a5d3e-6c7b-4a8e-9f0d-1b2c3d4e5f60].provision_state: ironic '
      'enroll, ours available')): ENROLL,
    ('filter provision_state', 'values',
     'len(nodes): ironic 3, ours 0'): ENROLL,
    ('filter provision_state', 'keys',
     KeyDiff(NODE_LIST_ITEMS, frozenset())): F142,
    ('filter driver', 'values',
     ('nodes[2f1a5d3e-6c7b-4a8e-9f0d-1b2c3d4e5f60].provision_state: ironic '
      'enroll, ours available')): ENROLL,
    ('filter resource_class', 'status',
     'ironic 200, ours 400'): RC,
    ('filter resource_class', 'keys',
     KeyDiff(NODE_LIST, OUR_ERROR)): RC,
    ('page after marker', 'values',
     ('nodes[2f1a5d3e-6c7b-4a8e-9f0d-1b2c3d4e5f60].provision_state: ironic '
      'enroll, ours available')): ENROLL,
    ('sort by name desc', 'values',
     ('nodes[2f1a5d3e-6c7b-4a8e-9f0d-1b2c3d4e5f60].provision_state: ironic '
      'enroll, ours available')): ENROLL,
    ('states at 1.1', 'values',
     'provision_state: ironic enroll, ours None'): ENROLL,
    ('states at 1.1', 'keys',
     KeyDiff(frozenset({'console_enabled'}), frozenset())): STATES,
    ('states at 1.42', 'values',
     'provision_state: ironic enroll, ours available'): ENROLL,
    ('states at 1.42', 'keys',
     KeyDiff(frozenset({'console_enabled', 'raid_config',
                        'target_raid_config'}), frozenset())): STATES,
    ('Accept text/plain', 'status',
     'ironic 406, ours 200'): ACCEPT,
    ('Accept text/plain', 'version headers',
     'X-OpenStack-Ironic-API-Minimum-Version: ironic None, ours 1.1'): ACCEPT,
    ('Accept text/plain', 'version headers',
     ('X-OpenStack-Ironic-API-Maximum-Version: ironic None, '
      'ours present')): ACCEPT,
    ('Accept text/plain', 'version headers',
     'X-OpenStack-Ironic-API-Version: ironic None, ours 1.42'): ACCEPT,
    ('Accept text/plain', 'keys',
     KeyDiff(frozenset({'error_message'}), NODE_LIST)): ACCEPT,
    ('patch extra', 'values',
     'provision_state: ironic enroll, ours available'): ENROLL,
    ('patch extra', 'keys',
     KeyDiff(NODE_1_42_MISSING, frozenset())): F142,
    ('patch name', 'values',
     'provision_state: ironic enroll, ours available'): ENROLL,
    ('patch name', 'keys',
     KeyDiff(NODE_1_42_MISSING, frozenset())): F142,
    ('provide from enroll', 'status',
     'ironic 400, ours 404'): PROV,
    ('manage', 'status',
     'ironic 202, ours 404'): PROV,
    ('manage', 'keys',
     ('ironic empty, ours JSON {error_message, error_message.debuginfo, '
      'error_message.faultcode, error_message.faultstring}')): PROV,
    ('show manageable', 'values',
     'provision_state: ironic manageable, ours available'): PROV,
    ('show manageable', 'keys',
     KeyDiff(NODE_1_42_MISSING, frozenset())): F142,
    ('provide', 'status',
     'ironic 202, ours 404'): PROV,
    ('provide', 'keys',
     ('ironic empty, ours JSON {error_message, error_message.debuginfo, '
      'error_message.faultcode, error_message.faultstring}')): PROV,
    ('provision bogus target', 'status',
     'ironic 400, ours 404'): PROV,
    ('adopt from available', 'status',
     'ironic 400, ours 404'): PROV,
    ('deleted from available', 'status',
     'ironic 400, ours 404'): PROV,
    ('provision without body', 'status',
     'ironic 400, ours 404'): PROV,
    ('power GET', 'status',
     'ironic 500, ours 405'): I500,
    ('patch instance_uuid', 'values',
     'provision_state: ironic available, ours active'): ASSOC,
    ('patch instance_uuid', 'keys',
     KeyDiff(NODE_1_42_MISSING, frozenset())): F142,
    ('show associated', 'values',
     'provision_state: ironic available, ours active'): ASSOC,
    ('show in maintenance', 'values',
     'provision_state: ironic available, ours active'): ASSOC,
    ('show in maintenance', 'keys',
     KeyDiff(NODE_1_42_MISSING, frozenset())): F142,
    ('maintenance PATCH', 'version headers',
     'X-OpenStack-Ironic-API-Minimum-Version: ironic None, ours 1.1'): VERERR,
    ('maintenance PATCH', 'version headers',
     ('X-OpenStack-Ironic-API-Maximum-Version: ironic None, '
      'ours present')): VERERR,
    ('maintenance PATCH', 'version headers',
     'X-OpenStack-Ironic-API-Version: ironic None, ours 1.42'): VERERR,
    ('maintenance PATCH', 'keys',
     KeyDiff(IRONIC_ERROR_INNER, OUR_ERROR_INNER)): VERERR,
    ('patch instance_uuid away', 'keys',
     KeyDiff(NODE_1_42_MISSING, frozenset())): F142,
    ('405 DELETE nodes', 'status',
     'ironic 400, ours 405'): ROUTE,
    ('405 PUT node', 'version headers',
     'X-OpenStack-Ironic-API-Minimum-Version: ironic None, ours 1.1'): VERERR,
    ('405 PUT node', 'version headers',
     ('X-OpenStack-Ironic-API-Maximum-Version: ironic None, '
      'ours present')): VERERR,
    ('405 PUT node', 'version headers',
     'X-OpenStack-Ironic-API-Version: ironic None, ours 1.42'): VERERR,
    ('405 PUT node', 'keys',
     KeyDiff(IRONIC_ERROR_INNER, OUR_ERROR_INNER)): VERERR,
    ('405 POST states', 'version headers',
     'X-OpenStack-Ironic-API-Minimum-Version: ironic None, ours 1.1'): VERERR,
    ('405 POST states', 'version headers',
     ('X-OpenStack-Ironic-API-Maximum-Version: ironic None, '
      'ours present')): VERERR,
    ('405 POST states', 'version headers',
     'X-OpenStack-Ironic-API-Version: ironic None, ours 1.42'): VERERR,
    ('405 POST states', 'keys',
     KeyDiff(IRONIC_ERROR_INNER, OUR_ERROR_INNER)): VERERR,
    ('unknown path', 'version headers',
     'X-OpenStack-Ironic-API-Minimum-Version: ironic None, ours 1.1'): VERERR,
    ('unknown path', 'version headers',
     ('X-OpenStack-Ironic-API-Maximum-Version: ironic None, '
      'ours present')): VERERR,
    ('unknown path', 'version headers',
     'X-OpenStack-Ironic-API-Version: ironic None, ours 1.42'): VERERR,
    ('unknown path', 'keys',
     KeyDiff(IRONIC_ERROR_INNER, OUR_ERROR_INNER)): VERERR,
    ('unknown node subpath', 'status',
     'ironic 400, ours 404'): ROUTE,
    ('drivers', 'status',
     'ironic 200, ours 404'): DRIVERS,
    ('drivers', 'keys',
     KeyDiff(DRIVER_LIST, OUR_ERROR)): DRIVERS,
    ('driver ipmi', 'status',
     'ironic 200, ours 404'): DRIVERS,
    ('driver ipmi', 'keys',
     KeyDiff(DRIVER_IPMI, OUR_ERROR)): DRIVERS,
    ('chassis', 'status',
     'ironic 200, ours 404'): NOSERVE,
    ('chassis', 'keys',
     KeyDiff(frozenset({'chassis'}), OUR_ERROR)): NOSERVE,
    ('ports', 'status',
     'ironic 200, ours 404'): NOSERVE,
    ('ports', 'keys',
     KeyDiff(PORTS_ONLY, OUR_ERROR)): NOSERVE,
    ('node ports', 'status',
     'ironic 200, ours 404'): NOSERVE,
    ('node ports', 'keys',
     KeyDiff(PORTS_ONLY, OUR_ERROR)): NOSERVE,
    ('node volume', 'status',
     'ironic 200, ours 404'): NOSERVE,
    ('node volume', 'keys',
     KeyDiff(VOLUME_DOC, OUR_ERROR)): NOSERVE,
    ('traits', 'status',
     'ironic 200, ours 404'): TRAITS,
    ('traits', 'keys',
     KeyDiff(frozenset({'traits'}), OUR_ERROR)): TRAITS,
    ('delete', 'status',
     'ironic 204, ours 404'): RC3,
    ('delete', 'keys',
     ('ironic empty, ours JSON {error_message, error_message.debuginfo, '
      'error_message.faultcode, error_message.faultstring}')): RC3,
    ('list after delete', 'values',
     'len(nodes): ironic 3, ours 4'): RC3,
    ('cli node show', 'keys',
     KeyDiff(frozenset({
         'bios_interface', 'boot_interface', 'clean_step', 'console_enabled',
         'console_interface', 'deploy_interface', 'driver_internal_info',
         'inspect_interface', 'inspection_finished_at',
         'inspection_started_at', 'instance_info', 'management_interface',
         'network_interface', 'power_interface', 'raid_config',
         'raid_interface', 'rescue_interface', 'resource_class',
         'storage_interface', 'target_raid_config', 'traits',
         'vendor_interface'}), frozenset())): CLI,
    ('cli node show --fields', 'status',
     'ironic 0, ours 1'): NOVAF,
    ('cli node show --fields', 'keys',
     'ironic JSON {power_state, resource_class, uuid}, ours empty'): NOVAF,
    ('v1 no version', 'keys',
     KeyDiff(
         frozenset(['chassis', 'chassis[].href', 'chassis[].rel', 'ports',
                    'ports[].href', 'ports[].rel']),
         frozenset())): ROOTLINKS,
    ('v1 at 1.42', 'keys',
     KeyDiff(
         frozenset(['chassis', 'chassis[].href', 'chassis[].rel', 'heartbeat',
                    'heartbeat[].href', 'heartbeat[].rel', 'lookup',
                    'lookup[].href', 'lookup[].rel', 'portgroups',
                    'portgroups[].href', 'portgroups[].rel', 'ports',
                    'ports[].href', 'ports[].rel', 'volume', 'volume[].href',
                    'volume[].rel']),
         frozenset())): ROOTLINKS,
    ('v1 latest', 'keys',
     KeyDiff(
         frozenset(['allocations', 'allocations[].href', 'allocations[].rel',
                    'chassis', 'chassis[].href', 'chassis[].rel', 'conductors',
                    'conductors[].href', 'conductors[].rel',
                    'continue_inspection', 'continue_inspection[].href',
                    'continue_inspection[].rel', 'deploy_templates',
                    'deploy_templates[].href', 'deploy_templates[].rel',
                    'events', 'events[].href', 'events[].rel', 'heartbeat',
                    'heartbeat[].href', 'heartbeat[].rel', 'inspection_rules',
                    'inspection_rules[].href', 'inspection_rules[].rel',
                    'lookup', 'lookup[].href', 'lookup[].rel', 'portgroups',
                    'portgroups[].href', 'portgroups[].rel', 'ports',
                    'ports[].href', 'ports[].rel', 'runbooks',
                    'runbooks[].href', 'runbooks[].rel', 'shards',
                    'shards[].href', 'shards[].rel', 'volume', 'volume[].href',
                    'volume[].rel']),
         frozenset())): ROOTLINKS,
    ('power GET', 'version headers',
     'X-OpenStack-Ironic-API-Minimum-Version: ironic 1.1, ours None'): I500,
    ('power GET', 'version headers',
     'X-OpenStack-Ironic-API-Maximum-Version: ironic present, ours None'):
        I500,
    ('power GET', 'version headers',
     'X-OpenStack-Ironic-API-Version: ironic 1.42, ours None'): I500,
    ('power GET', 'keys',
     KeyDiff(
         frozenset(['error_message.debuginfo', 'error_message.faultcode',
                    'error_message.faultstring']),
         frozenset(['error_message.code', 'error_message.description',
                    'error_message.title']))): I500,
    ('405 DELETE nodes', 'version headers',
     'X-OpenStack-Ironic-API-Minimum-Version: ironic 1.1, ours None'): ROUTE2,
    ('405 DELETE nodes', 'version headers',
     'X-OpenStack-Ironic-API-Maximum-Version: ironic present, ours None'):
        ROUTE2,
    ('405 DELETE nodes', 'version headers',
     'X-OpenStack-Ironic-API-Version: ironic 1.42, ours None'): ROUTE2,
    ('405 DELETE nodes', 'keys',
     KeyDiff(
         frozenset(['error_message.debuginfo', 'error_message.faultcode',
                    'error_message.faultstring']),
         frozenset(['error_message.code', 'error_message.description',
                    'error_message.title']))): ROUTE2,
    ('unknown node subpath', 'version headers',
     'X-OpenStack-Ironic-API-Minimum-Version: ironic 1.1, ours None'): ROUTE2,
    ('unknown node subpath', 'version headers',
     'X-OpenStack-Ironic-API-Maximum-Version: ironic present, ours None'):
        ROUTE2,
    ('unknown node subpath', 'version headers',
     'X-OpenStack-Ironic-API-Version: ironic 1.42, ours None'): ROUTE2,
    ('unknown node subpath', 'keys',
     KeyDiff(
         frozenset(['error_message.debuginfo', 'error_message.faultcode',
                    'error_message.faultstring']),
         frozenset(['error_message.code', 'error_message.description',
                    'error_message.title']))): ROUTE2,
    ('chassis', 'version headers',
     'X-OpenStack-Ironic-API-Minimum-Version: ironic 1.1, ours None'): NOSERVE,
    ('chassis', 'version headers',
     'X-OpenStack-Ironic-API-Maximum-Version: ironic present, ours None'):
        NOSERVE,
    ('chassis', 'version headers',
     'X-OpenStack-Ironic-API-Version: ironic 1.42, ours None'): NOSERVE,
    ('chassis', 'keys',
     KeyDiff(
         frozenset(['chassis']),
         frozenset(['error_message', 'error_message.code',
                    'error_message.description', 'error_message.title']))):
        NOSERVE,
    ('ports', 'version headers',
     'X-OpenStack-Ironic-API-Minimum-Version: ironic 1.1, ours None'): NOSERVE,
    ('ports', 'version headers',
     'X-OpenStack-Ironic-API-Maximum-Version: ironic present, ours None'):
        NOSERVE,
    ('ports', 'version headers',
     'X-OpenStack-Ironic-API-Version: ironic 1.42, ours None'): NOSERVE,
    ('ports', 'keys',
     KeyDiff(
         frozenset(['ports']),
         frozenset(['error_message', 'error_message.code',
                    'error_message.description', 'error_message.title']))):
        NOSERVE,
    ('node ports', 'version headers',
     'X-OpenStack-Ironic-API-Minimum-Version: ironic 1.1, ours None'): NOSERVE,
    ('node ports', 'version headers',
     'X-OpenStack-Ironic-API-Maximum-Version: ironic present, ours None'):
        NOSERVE,
    ('node ports', 'version headers',
     'X-OpenStack-Ironic-API-Version: ironic 1.42, ours None'): NOSERVE,
    ('node ports', 'keys',
     KeyDiff(
         frozenset(['ports']),
         frozenset(['error_message', 'error_message.code',
                    'error_message.description', 'error_message.title']))):
        NOSERVE,
    ('node volume', 'version headers',
     'X-OpenStack-Ironic-API-Minimum-Version: ironic 1.1, ours None'): NOSERVE,
    ('node volume', 'version headers',
     'X-OpenStack-Ironic-API-Maximum-Version: ironic present, ours None'):
        NOSERVE,
    ('node volume', 'version headers',
     'X-OpenStack-Ironic-API-Version: ironic 1.42, ours None'): NOSERVE,
    ('node volume', 'keys',
     KeyDiff(
         frozenset(['connectors', 'connectors[].href', 'connectors[].rel',
                    'links', 'links[].href', 'links[].rel', 'targets',
                    'targets[].href', 'targets[].rel']),
         frozenset(['error_message', 'error_message.code',
                    'error_message.description', 'error_message.title']))):
        NOSERVE,
}
