"""Nova's base rules and check strings, with Nova's defaults."""

from oslo_policy import policy

ADMIN = 'rule:context_is_admin'
SERVICE_ROLE = 'rule:service_or_admin'
RULE_ADMIN_API = 'rule:admin_api'
PROJECT_MEMBER_OR_ADMIN = 'rule:project_member_or_admin'
PROJECT_READER_OR_ADMIN = 'rule:project_reader_or_admin'

rules = [
    policy.RuleDefault('context_is_admin', 'role:admin',
                       'Decides what is required for the admin role.'),
    policy.RuleDefault('admin_api', 'is_admin:True',
                       'Default rule for most admin APIs (deprecated by '
                       'Nova, kept for policy files that refer to it).'),
    policy.RuleDefault('project_member_api',
                       'role:member and project_id:%(project_id)s',
                       'Default rule for project-level member APIs.'),
    policy.RuleDefault('project_reader_api',
                       'role:reader and project_id:%(project_id)s',
                       'Default rule for project-level read-only APIs.'),
    policy.RuleDefault('project_member_or_admin',
                       'rule:project_member_api or rule:context_is_admin',
                       'Project members, or admins.'),
    policy.RuleDefault('project_reader_or_admin',
                       'rule:project_reader_api or rule:context_is_admin',
                       'Project readers, or admins.'),
    policy.RuleDefault('service_api', 'role:service',
                       'Default rule for service-to-service APIs.'),
    policy.RuleDefault('service_or_admin',
                       'rule:service_api or rule:context_is_admin',
                       'Service users, or admins (Nova keeps admin for '
                       'backward compatibility).'),
]


def list_rules():
    return rules
