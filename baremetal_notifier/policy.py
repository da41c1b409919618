"""oslo.policy enforcement with Ironic's rule names and defaults."""

from baremetal_notifier import policies
from powerbridge import policy


class Enforcer(policy.Enforcer):
    """Ironic's rules.

    As in Ironic, ``noauth`` turns authorization off: every caller is an
    admin there. ``check`` is the exception Ironic makes too: rules that
    shape a response (``show_password``) are evaluated in every mode, so a
    password stays masked without Keystone.
    """

    def __init__(self, conf, enforce=None):
        if enforce is None:
            enforce = conf.api.auth_strategy != 'noauth'
        super().__init__(conf, policies.list_rules(), enforce=enforce)
        # What rule:service_role compares the caller's project name with;
        # None (no match) unless elevated access is on, as in Ironic.
        self.service_project_name = (
            conf.rbac_service_project_name
            if conf.rbac_service_role_elevated_access else None)


def get_enforcer():
    """For the oslopolicy-* command line tools (they bring their own args)."""
    return policy.tool_enforcer('baremetal-notifier', policies.list_rules())
