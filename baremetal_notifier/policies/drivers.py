"""Policies of /v1/drivers: Ironic's defaults."""

from oslo_policy import policy

from baremetal_notifier.policies import base

GET = 'baremetal:driver:get'

rules = [
    policy.DocumentedRuleDefault(
        name=GET, check_str=base.SYSTEM_READER,
        description='View list of available drivers',
        operations=[{'method': 'GET', 'path': '/drivers'},
                    {'method': 'GET', 'path': '/drivers/{driver_name}'}],
        scope_types=['system']),
]


def list_rules():
    return rules
