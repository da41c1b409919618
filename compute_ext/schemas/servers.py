"""Query and action schemas of the servers subset, per microversion.

The list query schemas name every parameter Nova's do, so the 2.75 rule
(unknown parameters are a 400) rejects exactly what Nova rejects; which
of them filter anything here is the handler's business.
"""

import copy


def _multi(schema):
    # Query values arrive as lists: a parameter may be repeated.
    return {'type': 'array', 'items': schema}


QUERY = _multi({'type': 'string'})
QUERY_REGEX = _multi({'type': 'string', 'format': 'regex'})
NON_NEGATIVE_INT = {'type': ['integer', 'string'], 'pattern': '^[0-9]*$',
                    'minimum': 0, 'minLength': 1}

# Nova refuses filters on joined tables with "Invalid filter field".
JOINED_TABLE_PARAMS = ('block_device_mapping', 'services', 'metadata',
                       'system_metadata', 'info_cache', 'security_groups',
                       'pci_devices')

_PLAIN = ('user_id', 'project_id', 'tenant_id', 'launch_index', 'image_ref',
          'image', 'vm_state', 'task_state', 'host', 'uuid', 'sort_dir',
          'all_tenants', 'soft_deleted', 'deleted', 'status')
_REGEX = ('kernel_id', 'ramdisk_id', 'hostname', 'key_name', 'power_state',
          'node', 'flavor', 'reservation_id', 'launched_at', 'terminated_at',
          'availability_zone', 'name', 'display_name', 'description',
          'display_description', 'locked_by', 'root_device_name',
          'config_drive', 'access_ip_v4', 'access_ip_v6', 'auto_disk_config',
          'progress', 'ip', 'ip6', 'created_at')

# Sort keys Nova accepted before 2.75 but ignores.
IGNORED_SORT_KEYS = [
    'architecture', 'cell_name', 'cleaned', 'default_ephemeral_device',
    'default_swap_device', 'deleted', 'deleted_at', 'disable_terminate',
    'ephemeral_gb', 'ephemeral_key_uuid', 'id', 'key_data', 'launched_on',
    'locked', 'memory_mb', 'os_type', 'reservation_id', 'root_gb',
    'shutdown_terminate', 'user_data', 'vcpus', 'vm_mode']
IGNORED_SORT_KEYS_V273 = [k for k in IGNORED_SORT_KEYS if k != 'locked']
SORT_KEYS = [
    'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'availability_zone',
    'config_drive', 'created_at', 'display_description', 'display_name',
    'host', 'hostname', 'image_ref', 'instance_type_id', 'kernel_id',
    'key_name', 'launch_index', 'launched_at', 'locked_by', 'node',
    'power_state', 'progress', 'project_id', 'ramdisk_id',
    'root_device_name', 'task_state', 'terminated_at', 'updated_at',
    'user_id', 'uuid', 'vm_state']
# Sort keys only an admin may use (Nova: 403 for anyone else).
ADMIN_SORT_KEYS = ('host', 'node')

LIST_QUERY = {
    'type': 'object',
    'properties': dict(
        [(name, QUERY) for name in _PLAIN + JOINED_TABLE_PARAMS]
        + [(name, QUERY_REGEX) for name in _REGEX]
        + [('sort_key', _multi({'type': 'string',
                                'enum': SORT_KEYS + IGNORED_SORT_KEYS})),
           ('changes-since', QUERY),
           ('limit', _multi(NON_NEGATIVE_INT)),
           ('marker', QUERY)]),
    # Unknown parameters are dropped before 2.75; names starting with '_'
    # reach the handler, which refuses them.
    'additionalProperties': True,
    'patternProperties': {'^_': QUERY},
}

LIST_QUERY_V226 = copy.deepcopy(LIST_QUERY)
LIST_QUERY_V226['properties'].update(
    (name, QUERY_REGEX)
    for name in ('tags', 'tags-any', 'not-tags', 'not-tags-any'))

LIST_QUERY_V266 = copy.deepcopy(LIST_QUERY_V226)
LIST_QUERY_V266['properties']['changes-before'] = QUERY

LIST_QUERY_V273 = copy.deepcopy(LIST_QUERY_V266)
LIST_QUERY_V273['properties']['sort_key'] = _multi(
    {'type': 'string', 'enum': ['locked'] + SORT_KEYS
     + IGNORED_SORT_KEYS_V273})
LIST_QUERY_V273['properties']['locked'] = QUERY

# 2.75: ignored sort keys and unknown parameters become 400s.
LIST_QUERY_V275 = copy.deepcopy(LIST_QUERY_V273)
LIST_QUERY_V275['properties']['sort_key'] = _multi(
    {'type': 'string', 'enum': ['locked'] + SORT_KEYS})
LIST_QUERY_V275['additionalProperties'] = False


def list_query(want):
    for minimum, schema in (((2, 75), LIST_QUERY_V275),
                            ((2, 73), LIST_QUERY_V273),
                            ((2, 66), LIST_QUERY_V266),
                            ((2, 26), LIST_QUERY_V226)):
        if want.matches(minimum):
            return schema
    return LIST_QUERY


def _action(name):
    return {
        'type': 'object',
        'properties': {name: {'type': 'null'}},
        'required': [name],
        'additionalProperties': False,
    }


START = _action('os-start')
STOP = _action('os-stop')
