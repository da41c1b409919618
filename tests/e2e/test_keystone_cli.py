"""The stack deployed as a cloud runs it: real Keystone tokens, the peers
found through the catalog, and the openstack CLI with passwords.

Both APIs run with ``auth_strategy = keystone`` (keystonemiddleware, the
service users' passwords); the notifier's ``[nova]`` and the agent's
``[baremetal]`` sections hold a password and no endpoint, so every event
and every power action shows the catalog lookup and a service token
working. The CLI gets only OS_* variables: no endpoint override.
"""

from baremetal_notifier import handler as baremetal_handler
from tests.e2e import keystone_base
from tests.fixtures.waiting import wait_for

FERNET_PREFIX = 'gAAAAA'
MEMBER_DENIED = ("Policy doesn't allow os_compute_api:os-services:list to "
                 "be performed.")


class TestKeystoneCloud(keystone_base.KeystoneStackTestCase):

    def assert_no_secret_in_logs(self, stack):
        """Every process ran at DEBUG; no password nor token in a log.

        Every fernet token starts with the same bytes (version 0x80 and a
        timestamp), so that prefix finds any token the services saw.
        """
        for name, text in stack.logs().items():
            for secret in self.cloud.passwords.values():
                self.assertNotIn(secret, text, 'a password in the %s log'
                                 % name)
            self.assertNotIn(FERNET_PREFIX, text, 'a token in the %s log'
                             % name)
        self.assertIn(' DEBUG ', stack.logs()['compute-ext-api'])

    # About 30 CLI runs, each an interpreter start of several seconds on a
    # loaded 2-core machine.
    test_timeout = 600

    def _deleted(self, service_id):
        try:
            self.openstack('admin', 'compute', 'service', 'delete',
                           str(service_id))
        except AssertionError as exc:
            if 'hosting instances' not in str(exc):
                raise
            return False
        return True

    def test_cli_as_users_run_it(self):
        stack = self.start_cloud(
            compute_hosts=('compute-1', 'compute-2'), overrides={
                'baremetal': {'DEFAULT': {'debug': True}},
                'compute': {'DEFAULT': {'debug': True}}})
        first = stack.nodes[0]
        # The notifier finds the Compute API in the catalog and posts
        # with the nova user's token: the instance follows its BMC.
        stack.flip(first.index, False)
        self.wait_servers({first.instance_uuid: 'SHUTOFF'})
        stack.flip(first.index, True)
        self.wait_servers({first.instance_uuid: 'ACTIVE'})
        # -- compute services, as the cloud admin ------------------------
        services = self.openstack_json('admin', 'compute', 'service',
                                       'list')
        hosts = {s['Host'] for s in services if s['Binary'] ==
                 'nova-compute'}
        self.assertEqual({'compute-1', 'compute-2'}, hosts)
        for flag in ('--down', '--up', '--disable', '--enable'):
            self.openstack('admin', 'compute', 'service', 'set', flag,
                           'compute-2', 'nova-compute')
        err = self.assert_refused('alice', 'compute', 'service', 'list',
                                  message=MEMBER_DENIED)
        self.assertNotIn('Traceback', err)
        self.assert_refused('rita', 'compute', 'service', 'set', '--down',
                            'compute-1', 'nova-compute')
        # -- servers, as their owner and as others -----------------------
        listed = self.openstack_json('alice', 'server', 'list')
        self.assertEqual({n.instance_uuid for n in stack.nodes},
                         {s['ID'] for s in listed})
        self.assertEqual([], self.openstack_json('olga', 'server', 'list'))
        shown = self.openstack_json('rita', 'server', 'show',
                                    first.instance_uuid)
        self.assertEqual('ACTIVE', shown['status'])
        self.assert_refused('rita', 'server', 'stop', first.instance_uuid)
        self.openstack('alice', 'server', 'stop', first.instance_uuid)
        self.wait_servers({first.instance_uuid: 'SHUTOFF'})
        self.openstack('admin', 'server', 'start', first.instance_uuid)
        self.wait_servers({first.instance_uuid: 'ACTIVE'})
        events = self.openstack_json('alice', 'server', 'event', 'list',
                                     first.instance_uuid)
        actions = [e['Action'] for e in events]
        self.assertEqual('start', actions[0], actions)
        self.assertIn('stop', actions)
        # -- a compute service goes away ---------------------------------
        stack.terminate('compute-2')
        victim, = [s for s in self.openstack_json(
            'admin', 'compute', 'service', 'list')
            if s['Host'] == 'compute-2']
        self.assert_refused('olga', 'compute', 'service', 'delete',
                            str(victim['ID']))
        # As in Nova, a service still hosting instances cannot be deleted
        # (409): its peer takes the nodes once it is seen down.
        wait_for(lambda: self._deleted(victim['ID']),
                 'compute-2 to be deletable', timeout=120)
        # -- bare metal nodes, as the system admin -----------------------
        self.check_baremetal_cli(stack)
        self.assert_no_undeliverable()
        self.assert_no_secret_in_logs(stack)

    def check_baremetal_cli(self, stack):
        def bm(*args, user='admin', system_scope=True):
            return self.openstack_json(user, 'baremetal', *args,
                                       system_scope=system_scope)

        def bm_run(*args):
            self.openstack('admin', 'baremetal', *args, system_scope=True)

        listed = bm('node', 'list')
        self.assertEqual({n.uuid for n in stack.nodes},
                         {n['uuid'] for n in listed}, listed)
        # Ironic's node rules: a project-scoped token sees no unowned
        # node, and only the system admin (or the service role) creates.
        self.assertEqual([], bm('node', 'list', user='alice',
                                system_scope=False))
        self.assert_refused('alice', 'baremetal', 'node', 'create',
                            '--driver', 'ipmi')
        self.assert_refused('admin', 'baremetal', 'node', 'create',
                            '--driver', 'ipmi')
        created = bm('node', 'create', '--driver', 'ipmi', '--name',
                     'cli-node')
        self.assertEqual('cli-node', bm('node', 'show', 'cli-node')['name'])
        if '/nodes/{node_ident}/states/provision' in \
                baremetal_handler.ROUTE_DECLARATIONS:
            # manage verifies the BMC: give cli-node one (through the API,
            # so that no password goes on a command line).
            bmc = stack.nodes[-1]
            stack.baremetal.json('PATCH', '/v1/nodes/cli-node', json=[{
                'op': 'add', 'path': '/driver_info', 'value': {
                    'ipmi_address': '127.0.0.1',
                    'ipmi_port': bmc.bmc_port,
                    'ipmi_username': stack.settings.bmc_username,
                    'ipmi_password': stack._password}}])
            bm_run('node', 'manage', 'cli-node', '--wait', '60')
            bm_run('node', 'provide', 'cli-node', '--wait', '60')
        node = stack.nodes[1]
        bm_run('node', 'power', 'off', node.uuid)
        self.wait_nodes({node.uuid: 'power off'})
        bm_run('node', 'power', 'on', node.uuid)
        self.wait_nodes({node.uuid: 'power on'})
        bm_run('node', 'maintenance', 'set', '--reason', 'cli', 'cli-node')
        self.assertTrue(bm('node', 'show', 'cli-node')['maintenance'])
        bm_run('node', 'maintenance', 'unset', 'cli-node')
        self.assertFalse(bm('node', 'show', 'cli-node')['maintenance'])
        bm_run('node', 'delete', created['uuid'])
