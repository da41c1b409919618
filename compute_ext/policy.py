"""oslo.policy enforcement with Nova's rule names and defaults."""

from compute_ext import policies
from powerbridge import policy


class Enforcer(policy.Enforcer):
    """Nova's rules; always enforced (noauth2 callers carry roles)."""

    def __init__(self, conf):
        super().__init__(conf, policies.list_rules())


def get_enforcer():
    """For oslopolicy-* command line tools (they bring their own args)."""
    return policy.tool_enforcer('compute-ext', policies.list_rules())
