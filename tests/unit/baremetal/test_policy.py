"""Ironic's node rules, checked with oslo.policy against the personas of
Ironic's secure RBAC (no database, no HTTP)."""

import os

import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture
from oslo_policy import policy as oslo_policy
import testtools

from baremetal_notifier import conf as baremetal_conf
from baremetal_notifier import context
from baremetal_notifier import exception
from baremetal_notifier import policies
from baremetal_notifier.policies import base
from baremetal_notifier.policies import nodes
from baremetal_notifier import policy

SERVICE_PROJECT = '5ea3e1ce0c2f4bd3a5b4d7a1f00dcafe'
PROJECT = '6f70656e737461636b20342065766572'
PERSONAS = {
    'system_admin': dict(roles=['admin', 'member', 'reader'],
                         system_scope='all'),
    'system_member': dict(roles=['member', 'reader'], system_scope='all'),
    'system_reader': dict(roles=['reader'], system_scope='all'),
    'project_admin': dict(roles=['admin', 'member', 'reader'],
                          project_id=PROJECT),
    'project_member': dict(roles=['member', 'reader'], project_id=PROJECT),
    'project_reader': dict(roles=['reader'], project_id=PROJECT),
    'service': dict(roles=['service'], project_id=SERVICE_PROJECT,
                    project_name='service'),
    'service_elsewhere': dict(roles=['service'], project_id=PROJECT,
                              project_name='demo'),
    'nobody': dict(roles=[], system_scope='all'),
}
SYSTEM_READERS = {'system_admin', 'system_member', 'system_reader',
                  'service'}
SYSTEM_MEMBERS = {'system_admin', 'system_member', 'service'}
# Who passes each rule by default, nodes having no owner or lessee.
EXPECTED = {
    nodes.CREATE: {'system_admin'},
    nodes.LIST: set(PERSONAS) - {'nobody'},
    nodes.LIST_ALL: SYSTEM_READERS,
    nodes.GET: SYSTEM_READERS,
    nodes.GET_FILTER_THRESHOLD: SYSTEM_READERS,
    nodes.GET_LAST_ERROR: SYSTEM_READERS,
    nodes.GET_RESERVATION: SYSTEM_READERS,
    nodes.GET_DRIVER_INFO: SYSTEM_READERS,
    nodes.UPDATE: SYSTEM_MEMBERS,
    nodes.UPDATE_EXTRA: SYSTEM_MEMBERS,
    nodes.UPDATE_DRIVER_INFO: SYSTEM_MEMBERS,
    nodes.UPDATE_PROPERTIES: SYSTEM_MEMBERS,
    nodes.UPDATE_INSTANCE_UUID: SYSTEM_MEMBERS,
    nodes.UPDATE_NAME: SYSTEM_MEMBERS,
    nodes.UPDATE_DRIVER: SYSTEM_MEMBERS,
    nodes.UPDATE_CONDUCTOR_GROUP: SYSTEM_MEMBERS,
    nodes.DELETE: {'system_admin'},
    nodes.DELETE_SELF_OWNED: set(),
    nodes.SET_MAINTENANCE: SYSTEM_MEMBERS,
    nodes.CLEAR_MAINTENANCE: SYSTEM_MEMBERS,
    nodes.GET_STATES: SYSTEM_READERS,
    nodes.SET_POWER_STATE: SYSTEM_MEMBERS,
    base.SHOW_PASSWORD: set(),
}


class PolicyTest(testtools.TestCase):

    def make_enforcer(self, auth_strategy='keystone', policy_file=None,
                      elevated=True):
        conf = cfg.ConfigOpts()
        baremetal_conf.register_opts(conf)
        conf([], project='baremetal-notifier', default_config_files=[])
        overrides = self.useFixture(config_fixture.Config(conf))
        overrides.config(group='api', auth_strategy=auth_strategy)
        overrides.config(rbac_service_role_elevated_access=elevated)
        if policy_file:
            overrides.config(group='oslo_policy', policy_file=policy_file)
        return policy.Enforcer(conf)

    def context(self, enforcer, persona):
        return context.RequestContext(enforcer=enforcer, overwrite=False,
                                      **PERSONAS[persona])

    def test_rule_names_are_ironics(self):
        names = {rule.name for rule in policies.list_rules()}
        self.assertLessEqual(set(EXPECTED), names)
        for rule in nodes.list_rules():
            self.assertIsInstance(rule, oslo_policy.DocumentedRuleDefault)
            self.assertTrue(rule.name.startswith('baremetal:node:'))
            self.assertEqual(['system', 'project'], rule.scope_types)

    def test_defaults_by_persona(self):
        enforcer = self.make_enforcer()
        for rule, allowed in EXPECTED.items():
            for persona in PERSONAS:
                ctx = self.context(enforcer, persona)
                self.assertEqual(
                    persona in allowed, ctx.can(rule, fatal=False),
                    '%s for %s' % (rule, persona))

    def test_the_service_role_is_a_project_role_by_default(self):
        # Ironic's rbac_service_role_elevated_access is off by default:
        # rule:service_role then never matches, and the service user is
        # scoped to its project, which owns no node.
        enforcer = self.make_enforcer(elevated=False)
        service = self.context(enforcer, 'service')
        self.assertNotIn('config.service_project_name',
                         service.to_policy_values())
        for rule in EXPECTED:
            self.assertEqual(rule == nodes.LIST,
                             service.can(rule, fatal=False), rule)
        admin = self.context(enforcer, 'system_admin')
        self.assertTrue(admin.can(nodes.DELETE))

    def test_denial_is_ironics_403(self):
        enforcer = self.make_enforcer()
        ctx = self.context(enforcer, 'system_reader')
        error = self.assertRaises(exception.HTTPForbidden, ctx.can,
                                  nodes.DELETE)
        self.assertEqual(403, error.code)
        self.assertEqual('Access was denied to the following resource: '
                         'baremetal:node:delete', error.message)

    def test_noauth_allows_everything_but_showing_passwords(self):
        enforcer = self.make_enforcer('noauth')
        ctx = self.context(enforcer, 'nobody')
        for rule in EXPECTED:
            if rule != base.SHOW_PASSWORD:
                self.assertTrue(ctx.can(rule), rule)
        self.assertFalse(ctx.check(base.SHOW_PASSWORD))

    def test_an_operator_policy_file_overrides_defaults(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'policy.yaml')
        with open(path, 'w') as stream:
            stream.write('"baremetal:node:get": "role:reader"\n'
                         '"show_password": "role:admin"\n')
        enforcer = self.make_enforcer(policy_file=path)
        reader = self.context(enforcer, 'project_reader')
        self.assertTrue(reader.can(nodes.GET))
        self.assertFalse(reader.can(nodes.LIST_ALL, fatal=False))
        admin = self.context(enforcer, 'system_admin')
        self.assertTrue(admin.check(base.SHOW_PASSWORD))

    def test_the_oslopolicy_tools_get_an_enforcer(self):
        enforcer = policy.get_enforcer()
        self.assertIn(nodes.SET_POWER_STATE, enforcer.registered_rules)
