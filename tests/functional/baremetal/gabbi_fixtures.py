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

    def start_fixture(self):
        self.api = baremetal.BaremetalAPI(keystone=self.keystone,
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


class PolicyFixture(NodesFixture):
    """The same nodes behind policy, identities as keystonemiddleware
    would pass them (X-Roles, X-Project-*, OpenStack-System-Scope)."""

    keystone = True


class SmallLimitsFixture(NodesFixture):
    """Pages of at most two nodes and bodies of at most 256 bytes."""

    overrides = {'api.max_limit': 2, 'api.max_request_body_size': 256}
