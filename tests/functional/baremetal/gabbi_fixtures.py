"""Gabbi fixtures: each YAML file gets a fresh Bare Metal API and database.

The node UUIDs below are fixed so the YAML files can name them.
"""

from gabbi import fixture

from tests.fixtures import baremetal

# The intercept hook takes no arguments: the fixture of the YAML file
# being run leaves its application here.
_RUNNING = {}

NODE_0 = '00000000-aaaa-4aaa-8aaa-000000000000'
NODE_1 = '00000000-aaaa-4aaa-8aaa-000000000001'
NODE_2 = '00000000-aaaa-4aaa-8aaa-000000000002'
NODE_3 = '00000000-aaaa-4aaa-8aaa-000000000003'
NODE_4 = '00000000-aaaa-4aaa-8aaa-000000000004'
INSTANCE_2 = 'eeeeeeee-1111-4111-8111-000000000002'
LOCK_HOLDER = 'conductor-1'


def application(environ, start_response):
    return _RUNNING['app'](environ, start_response)


def setup_app():
    # Looked up per request: the YAML file running decides.
    return application


class APIFixture(fixture.GabbiFixture):
    """An empty Bare Metal API in Ironic's noauth mode, on SQLite."""

    keystone = False
    overrides = {}
    # Where power actions go: the stand-in, or None for the real action
    # queue (conductor/action_api.py) with no conductor to run them.
    conductor = baremetal.StandInConductor

    def start_fixture(self):
        self.api = baremetal.BaremetalAPI(keystone=self.keystone,
                                          conductor=self.conductor,
                                          **dict(self.overrides))
        self.api.setUp()
        _RUNNING['app'] = self.api.app
        self.populate(self.api)

    def populate(self, api):
        pass

    def stop_fixture(self):
        self.api.cleanUp()
        _RUNNING.pop('app', None)


class NodesFixture(APIFixture):
    """Five nodes: plain, in maintenance after a power failure, hosting an
    instance, locked by a conductor, and one without a name."""

    def populate(self, api):
        add, ctx = baremetal.add_node, api.ctx
        add(ctx, 'node-0', NODE_0)
        add(ctx, 'node-1', NODE_1)
        add(ctx, 'node-2', NODE_2, instance_uuid=INSTANCE_2)
        add(ctx, 'node-3', NODE_3)
        add(ctx, None, NODE_4, driver_info={})
        baremetal.set_columns(api.db, NODE_0, power_state='power off')
        baremetal.set_columns(api.db, NODE_1, maintenance=True,
                              maintenance_reason='BMC unreachable',
                              fault='power failure', power_state=None,
                              last_error='IPMI timeout')
        baremetal.set_columns(api.db, NODE_2, power_state='power on')
        baremetal.set_columns(api.db, NODE_3, reservation=LOCK_HOLDER,
                              power_state='power on',
                              target_power_state='power off')


class GroupsFixture(NodesFixture):
    """The same nodes, and conductors as their heartbeats left them: one
    alive in group rack1, one in rack2 that stopped beating, one in rack3
    that went offline (a clean shutdown). node-4 is in rack1, node-0 in
    rack2, the others in the default group ''. Actions are accepted by
    the real action queue."""

    conductor = None

    def populate(self, api):
        super().populate(api)
        timeout = api.conf.conductor.heartbeat_timeout
        baremetal.add_conductor(api.db, 'c-rack1', 'rack1')
        baremetal.add_conductor(api.db, 'c-rack2', 'rack2', age=timeout + 5)
        baremetal.add_conductor(api.db, 'c-rack3', 'rack3', online=False)
        baremetal.set_columns(api.db, NODE_4, conductor_group='rack1')
        baremetal.set_columns(api.db, NODE_0, conductor_group='rack2')


class PolicyFixture(NodesFixture):
    """The same nodes behind policy, identities as keystonemiddleware
    would pass them (X-Roles, X-Project-*, OpenStack-System-Scope), and
    the service role elevated as a cloud whose Nova uses it sets it."""

    keystone = True
    overrides = {'rbac_service_role_elevated_access': True}


class SmallLimitsFixture(NodesFixture):
    """Pages of at most two nodes and bodies of at most 256 bytes."""

    overrides = {'api.max_limit': 2, 'api.max_request_body_size': 256}


# The lifecycle gabbit: one node per (state, target) pair that moves it,
# and one per state that every refused target is tried on. Node names are
# '<state>-<target>' and '<state>-still' (spaces as dashes).
LIFECYCLE_STATES = ('enroll', 'manageable', 'available', 'active', 'error')
LIFECYCLE_MOVES = {
    'enroll': ('manage',), 'manageable': ('provide', 'adopt'),
    'available': ('manage', 'active'), 'active': ('deleted', 'rebuild'),
    'error': ('deleted', 'rebuild'),
}
BMC_REFUSES = 'enroll-refused'


class LifecycleFixture(APIFixture):
    """Nodes in each stable state, behind a real ConductorManager whose
    BMCs are a FakePowerDriver (powered on); one BMC refuses to answer."""

    overrides = {'conductor.sync_power_state_interval': 0,
                 'conductor.power_failure_recovery_interval': 0}

    def start_fixture(self):
        from baremetal_notifier.conductor import manager
        from baremetal_notifier.drivers import base
        from baremetal_notifier.drivers import fake
        self.driver = fake.FakePowerDriver(default_state=base.POWER_ON)
        self.api = baremetal.BaremetalAPI(
            conductor=lambda conf, db: manager.ConductorManager(
                conf, db, self.driver), **dict(self.overrides))
        self.api.setUp()
        _RUNNING['app'] = self.api.app
        self.populate(self.api)

    def populate(self, api):
        def add(name, state):
            instance = ('eeeeeeee-1111-4111-8111-%012d' % len(added)
                        if state in ('active', 'error') else None)
            added.append(baremetal.add_node(
                api.ctx, name, provision_state=state,
                instance_uuid=instance))
        added = []
        for state in LIFECYCLE_STATES:
            add('%s-still' % state, state)
            for target in LIFECYCLE_MOVES[state]:
                add('%s-%s' % (state, target), state)
        add(BMC_REFUSES, 'enroll')
        self.driver.fail_reads(added[-1].uuid, 'BMC did not answer')
        # A node busy with another operation: Ironic's 409, not a 400.
        add('available-locked', 'available')
        baremetal.set_columns(api.db, added[-1].uuid,
                              reservation=LOCK_HOLDER)
