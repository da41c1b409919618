"""oslo.policy enforcement with Ironic's rule names and defaults."""

from oslo_config import cfg
from oslo_policy import policy

from baremetal_notifier import policies


class Enforcer:
    """One enforcer per service instance (no module globals).

    As in Ironic, ``noauth`` turns authorization off: every caller is an
    admin there. ``check`` is the exception Ironic makes too: rules that
    shape a response (``show_password``) are evaluated in every mode, so a
    password stays masked without Keystone.
    """

    def __init__(self, conf, enforce=None):
        if enforce is None:
            enforce = conf.api.auth_strategy != 'noauth'
        self.enforce = enforce
        self._enforcer = policy.Enforcer(conf)
        self._enforcer.register_defaults(policies.list_rules())
        self._enforcer.load_rules()

    def authorize(self, action, target, context, do_raise=False):
        """May ``context`` perform ``action``? Always yes without auth."""
        if not self.enforce:
            return True
        return self.check(action, target, context)

    def check(self, action, target, context):
        return self._enforcer.authorize(action, target,
                                        context.to_policy_values(),
                                        do_raise=False)

    @property
    def oslo_enforcer(self):
        return self._enforcer


def get_enforcer():
    """For the oslopolicy-* command line tools (they bring their own args)."""
    conf = cfg.ConfigOpts()
    conf([], project='baremetal-notifier')
    return Enforcer(conf, enforce=True).oslo_enforcer
