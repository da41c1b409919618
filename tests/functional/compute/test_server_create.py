"""compute-ext-manage server create, against FakeIronic and against this
project's own Bare Metal API (served on a real port, in this process)."""

import contextlib
import io
import os

import fixtures
from oslo_config import cfg
import testtools

from compute_ext.cmd import manage
from compute_ext.cmd import server_commands
from compute_ext.compute import baremetal
from compute_ext.compute import states
from compute_ext.objects import instance_actions
from compute_ext.objects import instances as instance_obj
from compute_ext.objects import services as service_obj
from tests.unit.compute import test_baremetal_client_fixture as fake


class ServerCreateTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.w = self.useFixture(fake.AgentWorld(peers=('host-b',)))

    def create(self, node, **kwargs):
        return server_commands.create_server(
            self.w.ctx, self.w.conf, self.w.client, 'web-1', node, **kwargs)

    def live_instances(self):
        return instance_obj.get_all(self.w.ctx)


class TestServerCreate(ServerCreateTestCase):

    def test_places_instance_on_ring_owner_and_associates_node(self):
        node = self.w.node_for('host-b', fake.POWER_ON)
        inst = self.create(node, project_id='p1', user_id='u1')
        self.assertEqual(('web-1', 'host-b', node, states.ACTIVE,
                          states.RUNNING, None, 'p1', 'u1'),
                         (inst.name, inst.host, inst.node, inst.vm_state,
                          inst.power_state, inst.task_state, inst.project_id,
                          inst.user_id))
        self.assertEqual(inst.uuid, self.w.ironic.nodes[node]['instance_uuid'])
        (patch,) = self.w.ironic.requests_to('PATCH')
        self.assertEqual([{'op': 'add', 'path': '/instance_uuid',
                           'value': inst.uuid}], patch.body)
        self.assertEqual(['create'], [
            a.action for a in instance_actions.get_all(self.w.ctx, inst.uuid)])

    def test_power_state_follows_the_node(self):
        node = self.w.node_for(power_state=fake.POWER_OFF)
        self.assertEqual(states.SHUTDOWN, self.create(node).power_state)

    def test_explicit_host(self):
        node = self.w.node_for('host-b')
        self.assertEqual('host-z', self.create(node, host='host-z').host)

    def test_failed_association_leaves_nothing(self):
        node = self.w.node_for()
        # Another server took the node first.
        self.w.ironic.script('PATCH', node, 409, 'Node %s is associated '
                             'with instance other.' % node)
        error = self.assertRaises(server_commands.CommandError, self.create,
                                  node)
        self.assertIn('nothing was created', str(error))
        self.assertEqual([], self.live_instances())

    def test_association_applied_but_answer_lost_is_undone(self):
        node = self.w.node_for()
        # The PATCH is applied, then a proxy loses the answer.
        self.w.ironic.patch_answer = (502, 'Bad Gateway')
        self.assertRaises(server_commands.CommandError, self.create, node)
        self.assertIsNone(self.w.ironic.nodes[node]['instance_uuid'])
        self.assertEqual([], self.live_instances())

    def test_node_already_associated(self):
        node = self.w.node_for(instance_uuid='someone-else')
        error = self.assertRaises(server_commands.CommandError, self.create,
                                  node)
        self.assertIn('already associated with instance someone-else',
                      str(error))
        self.assertEqual([], self.w.ironic.requests_to('PATCH'))

    def test_unknown_node(self):
        error = self.assertRaises(server_commands.CommandError, self.create,
                                  'f8b7a2b2-0d6c-4a55-92c3-8a3c5ee6b0a1')
        self.assertIn('not found', str(error))
        self.assertEqual([], self.live_instances())

    def test_node_in_maintenance(self):
        node = self.w.node_for(maintenance=True)
        self.assertRaises(server_commands.CommandError, self.create, node)

    def test_no_live_compute_host(self):
        for host in ('host-a', 'host-b'):
            service = service_obj.get_by_host_and_binary(
                self.w.ctx, host, service_obj.COMPUTE_BINARY)
            service_obj.update(self.w.ctx, service.id, forced_down=True)
        node = self.w.node_for()
        error = self.assertRaises(server_commands.CommandError, self.create,
                                  node)
        self.assertIn('no nova-compute service is up', str(error))


def _manage_has_server_category():
    parser = cfg.argparse.ArgumentParser()
    subparsers = parser.add_subparsers()
    manage.add_command_parsers(subparsers)
    return 'server' in subparsers.choices


class TestCommandLine(ServerCreateTestCase):
    """The console script's entry point, argv to printed uuid."""

    def setUp(self):
        super().setUp()
        if not _manage_has_server_category():
            self.skipTest('compute-ext-manage has no server category yet: '
                          'compute_ext/cmd/manage.py must call '
                          'server_commands.add_server_parsers(subparsers)')
        self.config_file = os.path.join(
            self.useFixture(fixtures.TempDir()).path, 'compute.conf')
        with open(self.config_file, 'w') as handle:
            handle.write('[DEFAULT]\nhost = host-a\n'
                         '[database]\nconnection = %s\n'
                         '[baremetal]\nauth_type = none\n'
                         'endpoint_override = %s\n'
                         % (self.w.db.connection, self.w.ironic.endpoint))

    def run_manage(self, *args):
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                manage.main(['--config-file', self.config_file] + list(args))
            except SystemExit as exc:
                code = exc.code
        return code, out.getvalue(), err.getvalue()

    def test_prints_the_new_servers_uuid(self):
        node = self.w.node_for('host-b', fake.POWER_ON)
        code, out, err = self.run_manage('server', 'create', '--name', 'db-1',
                                         '--node', node, '--project', 'p9')
        self.assertEqual(0, code, err)
        inst = instance_obj.get_by_uuid(self.w.ctx, out.strip())
        self.assertEqual(('db-1', 'host-b', 'p9', 'admin'),
                         (inst.name, inst.host, inst.project_id,
                          inst.user_id))

    def test_failure_is_one_line(self):
        code, out, err = self.run_manage(
            'server', 'create', '--name', 'x', '--node',
            'f8b7a2b2-0d6c-4a55-92c3-8a3c5ee6b0a1')
        self.assertEqual(2, code)
        self.assertEqual('', out)
        self.assertEqual(1, len(err.strip().splitlines()), err)
        self.assertIn('not found', err)


class TestAgainstBaremetalAPI(testtools.TestCase):
    """The same command against this project's Bare Metal API."""

    def setUp(self):
        super().setUp()
        try:
            from tests.functional.fixtures import baremetal as bm_fixtures
        except ImportError as exc:
            self.skipTest('Bare Metal API not importable yet: %s' % exc)
        self.bm_fixtures = bm_fixtures
        self.api = self.useFixture(bm_fixtures.BaremetalAPI())
        endpoint = fake.serve(self, self.api.app, threads=4)
        self.w = self.useFixture(fake.AgentWorld())
        self.client = baremetal.BaremetalClient.from_conf(
            fake.client_conf(endpoint))

    def test_create_associates_through_the_api(self):
        node = self.bm_fixtures.add_node(self.api.ctx, name='bm-0')
        self.bm_fixtures.set_columns(self.api.db, node.uuid,
                                     power_state='power on')
        inst = server_commands.create_server(
            self.w.ctx, self.w.conf, self.client, 'web', 'bm-0')
        self.assertEqual((node.uuid, states.RUNNING, 'host-a'),
                         (inst.node, inst.power_state, inst.host))
        shown = self.client.get_node(node.uuid)
        self.assertEqual(inst.uuid, shown['instance_uuid'])
        # A second server cannot take the node.
        self.assertRaises(server_commands.CommandError,
                          server_commands.create_server, self.w.ctx,
                          self.w.conf, self.client, 'web2', node.uuid)
        self.assertEqual([inst.uuid],
                         [i.uuid for i in instance_obj.get_all(self.w.ctx)])
