"""Nova's servers policies for the subset served: list, show, start, stop."""

from oslo_policy import policy

from compute_ext.policies import base

SERVERS = 'os_compute_api:servers:%s'
INDEX = SERVERS % 'index'
DETAIL = SERVERS % 'detail'
INDEX_ALL_TENANTS = SERVERS % 'index:get_all_tenants'
DETAIL_ALL_TENANTS = SERVERS % 'detail:get_all_tenants'
SHOW = SERVERS % 'show'
SHOW_HOST_STATUS = SERVERS % 'show:host_status'
ALLOW_ALL_FILTERS = SERVERS % 'allow_all_filters'
START = SERVERS % 'start'
STOP = SERVERS % 'stop'
EXTENDED_ATTRIBUTES = 'os_compute_api:os-extended-server-attributes'

rules = [
    policy.DocumentedRuleDefault(
        name=INDEX, check_str=base.PROJECT_READER_OR_ADMIN,
        description='List all servers',
        operations=[{'method': 'GET', 'path': '/servers'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=DETAIL, check_str=base.PROJECT_READER_OR_ADMIN,
        description='List all servers with detailed information',
        operations=[{'method': 'GET', 'path': '/servers/detail'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=INDEX_ALL_TENANTS, check_str=base.ADMIN,
        description='List all servers for all projects',
        operations=[{'method': 'GET', 'path': '/servers'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=DETAIL_ALL_TENANTS, check_str=base.ADMIN,
        description='List all servers with detailed information for all '
                    'projects',
        operations=[{'method': 'GET', 'path': '/servers/detail'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=SHOW, check_str=base.PROJECT_READER_OR_ADMIN,
        description='Show a server',
        operations=[{'method': 'GET', 'path': '/servers/{server_id}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=SHOW_HOST_STATUS, check_str=base.ADMIN,
        description='Show a server with additional host status information '
                    '(host_status: UP, DOWN, MAINTENANCE, UNKNOWN or empty).',
        operations=[{'method': 'GET', 'path': '/servers/{server_id}'},
                    {'method': 'GET', 'path': '/servers/detail'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=ALLOW_ALL_FILTERS, check_str=base.ADMIN,
        description='Allow all filters when listing servers (host, node, '
                    'vm_state, project_id, ...); others may only filter by '
                    'name, status, changes-since and a few more.',
        operations=[{'method': 'GET', 'path': '/servers'},
                    {'method': 'GET', 'path': '/servers/detail'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=START, check_str=base.PROJECT_MEMBER_OR_ADMIN,
        description='Start a server',
        operations=[{'method': 'POST',
                     'path': '/servers/{server_id}/action (os-start)'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=STOP, check_str=base.PROJECT_MEMBER_OR_ADMIN,
        description='Stop a server',
        operations=[{'method': 'POST',
                     'path': '/servers/{server_id}/action (os-stop)'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=EXTENDED_ATTRIBUTES, check_str=base.ADMIN,
        description='Return extended attributes (OS-EXT-SRV-ATTR:*) for a '
                    'server',
        operations=[{'method': 'GET', 'path': '/servers/{server_id}'},
                    {'method': 'GET', 'path': '/servers/detail'}],
        scope_types=['project']),
]


def list_rules():
    return rules
