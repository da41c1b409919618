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


def get_enforcer():
    """For the oslopolicy-* command line tools (they bring their own args)."""
    return policy.tool_enforcer('baremetal-notifier', policies.list_rules())
