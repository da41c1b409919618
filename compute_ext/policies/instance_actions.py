from oslo_policy import policy

from compute_ext.policies import base

ROOT = 'os_compute_api:os-instance-actions:%s'
LIST = ROOT % 'list'
SHOW = ROOT % 'show'
EVENTS = ROOT % 'events'
EVENTS_DETAILS = ROOT % 'events:details'

rules = [
    policy.DocumentedRuleDefault(
        name=EVENTS_DETAILS, check_str=base.PROJECT_READER_OR_ADMIN,
        description='Add "details" key in action events for a server.',
        operations=[{'method': 'GET',
                     'path': '/servers/{server_id}/os-instance-actions/'
                             '{request_id}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=EVENTS, check_str=base.ADMIN,
        description='Add events details in action details for a server.',
        operations=[{'method': 'GET',
                     'path': '/servers/{server_id}/os-instance-actions/'
                             '{request_id}'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=LIST, check_str=base.PROJECT_READER_OR_ADMIN,
        description='List actions for a server.',
        operations=[{'method': 'GET',
                     'path': '/servers/{server_id}/os-instance-actions'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=SHOW, check_str=base.PROJECT_READER_OR_ADMIN,
        description='Show action details for a server.',
        operations=[{'method': 'GET',
                     'path': '/servers/{server_id}/os-instance-actions/'
                             '{request_id}'}],
        scope_types=['project']),
]


def list_rules():
    return rules
