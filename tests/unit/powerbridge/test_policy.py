"""The shared Enforcer over a service's rule list."""

from oslo_config import cfg
from oslo_policy import policy as oslo_policy
import testtools

from powerbridge import context
from powerbridge import policy

RULES = [oslo_policy.RuleDefault('thing:get', 'role:reader'),
         oslo_policy.RuleDefault('thing:secret', 'role:admin')]


class Context(context.RequestContext):
    def forbidden(self, action):
        return PermissionError(action)


class TestEnforcer(testtools.TestCase):

    def context(self, enforce=True, roles=('reader',)):
        conf = cfg.ConfigOpts()
        conf([], default_config_files=[])
        enforcer = policy.Enforcer(conf, RULES, enforce=enforce)
        return Context(enforcer=enforcer, roles=list(roles),
                       overwrite=False)

    def test_rules_apply(self):
        ctx = self.context()
        self.assertTrue(ctx.can('thing:get'))
        self.assertFalse(ctx.can('thing:secret', fatal=False))
        self.assertRaises(PermissionError, ctx.can, 'thing:secret')

    def test_not_enforced_allows_all_but_check_still_evaluates(self):
        ctx = self.context(enforce=False, roles=())
        self.assertTrue(ctx.can('thing:secret'))
        self.assertFalse(ctx.enforcer.check('thing:secret', {}, ctx))

    def test_the_oslo_enforcer_knows_the_rules(self):
        self.assertIn('thing:get',
                      self.context().enforcer.oslo_enforcer.registered_rules)
