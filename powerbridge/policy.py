"""oslo.policy enforcement over the rule list a service passes in."""

from oslo_config import cfg
from oslo_policy import policy


class Enforcer:
    """One enforcer per application (no module globals).

    :param rules: the service's RuleDefaults; an operator's policy file
        (``[oslo_policy] policy_file``) overrides them.
    :param enforce: False turns authorization off (Ironic's ``noauth``,
        where every caller is an admin); ``check`` still evaluates.
    """

    def __init__(self, conf, rules, enforce=True):
        self.enforce = enforce
        self._enforcer = policy.Enforcer(conf)
        self._enforcer.register_defaults(rules)
        self._enforcer.load_rules()

    def authorize(self, action, target, context, do_raise=False):
        """May ``context`` perform ``action`` on ``target``?"""
        if not self.enforce:
            return True
        return self._enforcer.authorize(action, target,
                                        context.to_policy_values(),
                                        do_raise=do_raise)

    def check(self, action, target, context):
        """Evaluate ``action`` even when enforcement is off: for rules
        that shape a response rather than allow a request."""
        return self._enforcer.authorize(action, target,
                                        context.to_policy_values(),
                                        do_raise=False)

    @property
    def oslo_enforcer(self):
        return self._enforcer


def tool_enforcer(project, rules):
    """The oslo.policy Enforcer the oslopolicy-* command line tools want:
    config from the project's default files (the tools bring their own
    arguments)."""
    conf = cfg.ConfigOpts()
    conf([], project=project)
    return Enforcer(conf, rules).oslo_enforcer
