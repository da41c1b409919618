"""Ironic's base rules and check strings (ironic/common/policy.py).

Ironic scopes node access two ways: system-scoped personas see every node,
project personas only the nodes their project owns or leases. Nodes here
have no owner or lessee, so the project clauses never match (their
``%(node.owner)s`` target is never set) and only system-scoped users and
the service role (with ``[DEFAULT] rbac_service_role_elevated_access``)
get in, as in an Ironic whose nodes have no owner. The
strings are kept whole so an operator's Ironic policy file means the same.
"""

from oslo_policy import policy

SYSTEM_ADMIN = 'role:admin and system_scope:all'
SYSTEM_MEMBER = '(role:member and system_scope:all) or rule:service_role'
SYSTEM_READER = ('(role:reader and system_scope:all) or '
                 '(role:service and system_scope:all) or rule:service_role')
SYSTEM_SERVICE = 'role:service and system_scope:all'
PROJECT_SERVICE = 'role:service and project_id:%(node.owner)s'
PROJECT_MEMBER = ('role:member and '
                  '(project_id:%(node.owner)s or project_id:%(node.lessee)s)')
PROJECT_READER = ('role:reader and '
                  '(project_id:%(node.owner)s or project_id:%(node.lessee)s)')
PROJECT_OWNER_ADMIN = 'role:admin and project_id:%(node.owner)s'
PROJECT_OWNER_MANAGER = 'role:manager and project_id:%(node.owner)s'
PROJECT_OWNER_MEMBER = 'role:member and project_id:%(node.owner)s'
PROJECT_OWNER_READER = 'role:reader and project_id:%(node.owner)s'
PROJECT_LESSEE_ADMIN = 'role:admin and project_id:%(node.lessee)s'
PROJECT_LESSEE_MANAGER = 'role:manager and project_id:%(node.lessee)s'


def _any(*checks):
    return ' or '.join('(%s)' % check for check in checks)


SYSTEM_OR_PROJECT_MEMBER = _any(SYSTEM_MEMBER, PROJECT_MEMBER,
                                SYSTEM_SERVICE)
SYSTEM_OR_PROJECT_READER = _any(SYSTEM_READER, PROJECT_READER,
                                PROJECT_SERVICE)
SYSTEM_OR_OWNER_MEMBER_AND_LESSEE_ADMIN = _any(
    SYSTEM_MEMBER, SYSTEM_SERVICE, PROJECT_OWNER_MEMBER,
    PROJECT_LESSEE_ADMIN, PROJECT_LESSEE_MANAGER, PROJECT_SERVICE)
SYSTEM_MEMBER_OR_OWNER_ADMIN = _any(
    SYSTEM_MEMBER, SYSTEM_SERVICE, PROJECT_OWNER_ADMIN,
    PROJECT_OWNER_MANAGER, PROJECT_SERVICE)
SYSTEM_MEMBER_OR_OWNER_MEMBER = _any(
    SYSTEM_MEMBER, SYSTEM_SERVICE, PROJECT_OWNER_MEMBER, PROJECT_SERVICE)
SYSTEM_OR_OWNER_READER = _any(
    SYSTEM_READER, SYSTEM_SERVICE, PROJECT_OWNER_READER, PROJECT_SERVICE)
# Any authenticated reader; what it may see is decided per node.
API_READER = '(role:reader) or (role:service)'

SHOW_PASSWORD = 'show_password'
SHOW_INSTANCE_SECRETS = 'show_instance_secrets'

rules = [
    policy.RuleDefault(
        SHOW_PASSWORD, '!',
        description='Show or mask secrets within node driver information '
                    'in API responses. Never, by default.'),
    policy.RuleDefault(
        SHOW_INSTANCE_SECRETS, '!',
        description='Show or mask secrets within instance information in '
                    'API responses. Never, by default.'),
    policy.RuleDefault(
        'service_role',
        'role:service and project_name:%(config.service_project_name)s',
        description='The service role in the service project: what other '
                    'services (Nova) use to call this API.'),
]


def list_rules():
    return rules
