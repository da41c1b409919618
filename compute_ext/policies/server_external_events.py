from oslo_policy import policy

from compute_ext.policies import base

CREATE = 'os_compute_api:os-server-external-events:create'

rules = [
    policy.DocumentedRuleDefault(
        name=CREATE, check_str=base.SERVICE_ROLE,
        description='Create one or more external events (for services '
                    'such as Ironic, Neutron and Cinder).',
        operations=[{'method': 'POST',
                     'path': '/os-server-external-events'}],
        scope_types=['project']),
]


def list_rules():
    return rules
