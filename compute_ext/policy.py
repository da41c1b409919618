"""oslo.policy enforcement with Nova's rule names and defaults."""

from oslo_config import cfg
from oslo_policy import policy

from compute_ext import policies


class Enforcer:
    """One policy enforcer per service instance (no module globals)."""

    def __init__(self, conf):
        self._enforcer = policy.Enforcer(conf)
        self._enforcer.register_defaults(policies.list_rules())
        self._enforcer.load_rules()

    def authorize(self, action, target, context, do_raise=False):
        creds = context.to_policy_values()
        return self._enforcer.authorize(action, target, creds,
                                        do_raise=do_raise)

    @property
    def oslo_enforcer(self):
        return self._enforcer


def get_enforcer():
    """For oslopolicy-* command line tools (they bring their own args)."""
    conf = cfg.ConfigOpts()
    conf([], project='compute-ext')
    return Enforcer(conf).oslo_enforcer
