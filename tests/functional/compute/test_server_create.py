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
from compute_ext.handlers import server_actions
from compute_ext.objects import instance_actions
from compute_ext.objects import instances as instance_obj
from compute_ext.objects import services as service_obj
from tests.fixtures import ironic as fake


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

    def test_powered_off_node_gives_a_stopped_server_that_starts(self):
        node = self.w.node_for(power_state=fake.POWER_OFF)
        inst = self.create(node)
        self.assertEqual((states.STOPPED, states.SHUTDOWN, 'SHUTOFF'),
                         (inst.vm_state, inst.power_state,
                          states.server_status(inst.vm_state)))
        # os-start is allowed at once (no 409), and the agent powers the
        # node on and records the server ACTIVE.
        server_actions.ACTIONS['os-start'](self.w.ctx, inst)
        (future,) = self.w.runner.poll()
        started = future.result(timeout=10) or self.w.get(inst.uuid)
        self.assertEqual((states.ACTIVE, states.RUNNING, None),
                         (started.vm_state, started.power_state,
                          started.task_state))
        self.assertEqual(fake.POWER_ON,
                         self.w.ironic.nodes[node]['power_state'])

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
                code = manage.main(['--config-file', self.config_file]
                                   + list(args)) or 0
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
            from tests.fixtures import baremetal as bm_fixtures
        except ImportError as exc:
            self.skipTest('Bare Metal API not importable yet: %s' % exc)
        self.bm_fixtures = bm_fixtures
        from baremetal_notifier.conductor import manager
        from baremetal_notifier.drivers import fake as fake_driver
        self.api = self.useFixture(bm_fixtures.BaremetalAPI(
            conductor=lambda conf, db: manager.ConductorManager(
                conf, db, fake_driver.FakePowerDriver()),
            **{'conductor.sync_power_state_interval': 0,
               'conductor.power_failure_recovery_interval': 0}))
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
        # Only associated, as in Ironic: the provision state is unchanged.
        self.assertEqual('available', shown['provision_state'])
        # A second server cannot take the node.
        self.assertRaises(server_commands.CommandError,
                          server_commands.create_server, self.w.ctx,
                          self.w.conf, self.client, 'web2', node.uuid)
        self.assertEqual([inst.uuid],
                         [i.uuid for i in instance_obj.get_all(self.w.ctx)])


    def test_an_enrolled_node_is_refused(self):
        self.bm_fixtures.add_node(self.api.ctx, name='bm-1',
                                  provision_state='enroll')
        error = self.assertRaises(
            server_commands.CommandError, server_commands.create_server,
            self.w.ctx, self.w.conf, self.client, 'web', 'bm-1')
        self.assertIn("provision state 'enroll'", str(error))
        self.assertEqual([], instance_obj.get_all(self.w.ctx))


class TestServerImport(ServerCreateTestCase):
    """server import: server create for each line, in one command."""

    def run_import(self, text, **kwargs):
        out = io.StringIO()
        failed = server_commands.import_servers(
            self.w.db, self.w.conf, self.w.client, io.StringIO(text), out,
            **kwargs)
        return failed, out.getvalue().splitlines()

    def test_one_line_per_instance(self):
        first = self.w.node_for('host-a', fake.POWER_ON)
        second = self.w.node_for('host-b', fake.POWER_OFF)
        failed, lines = self.run_import(
            '# name node\nweb-1 %s\n\n  web-2\t%s  \n' % (first, second),
            project_id='p1')
        self.assertEqual(0, failed)
        by_name = {i.name: i for i in self.live_instances()}
        self.assertEqual(['ok web-1 %s' % by_name['web-1'].uuid,
                          'ok web-2 %s' % by_name['web-2'].uuid], lines)
        self.assertEqual(
            [(first, 'host-a', states.RUNNING, 'p1'),
             (second, 'host-b', states.SHUTDOWN, 'p1')],
            [(by_name[n].node, by_name[n].host, by_name[n].power_state,
              by_name[n].project_id) for n in ('web-1', 'web-2')])
        for name, node in (('web-1', first), ('web-2', second)):
            self.assertEqual(by_name[name].uuid,
                             self.w.ironic.nodes[node]['instance_uuid'])
        # Each create has a request id of its own, as one command each.
        request_ids = {instance_actions.get_all(self.w.ctx, i.uuid)[0]
                       .request_id for i in by_name.values()}
        self.assertEqual(2, len(request_ids))

    def test_failures_are_reported_and_the_rest_goes_on(self):
        taken = self.w.node_for(instance_uuid='someone-else')
        free = self.w.node_for()
        failed, lines = self.run_import(
            'a %s\nb f8b7a2b2-0d6c-4a55-92c3-8a3c5ee6b0a1\nc\nd x y\n'
            'e %s\n' % (taken, free))
        self.assertEqual(4, failed)
        self.assertEqual(5, len(lines), lines)
        self.assertRegex(lines[0], '^failed a: node %s is already '
                         'associated with instance someone-else$' % taken)
        self.assertRegex(lines[1], '^failed b: bare metal node .* not found$')
        self.assertEqual(['failed c: line 3 is not "NAME NODE_UUID"',
                          'failed d: line 4 is not "NAME NODE_UUID"'],
                         lines[2:4])
        (inst,) = self.live_instances()
        self.assertEqual('ok e %s' % inst.uuid, lines[4])
        self.assertEqual(('e', free), (inst.name, inst.node))

    def test_unexpected_errors_are_one_line_too(self):
        node = self.w.node_for()
        # Still failing after the client's retries.
        self.w.ironic.script('GET', node, 503, 'Service Unavailable',
                             times=100)
        failed, lines = self.run_import('a %s\n' % node)
        self.assertEqual(1, failed)
        (line,) = lines
        self.assertTrue(line.startswith('failed a: '), line)
        self.assertEqual([], self.live_instances())


class TestServerImportCommand(TestCommandLine):
    """compute-ext-manage server import FILE|-, argv to exit code."""

    def test_from_a_file(self):
        nodes = [self.w.node_for(), self.w.node_for()]
        path = os.path.join(os.path.dirname(self.config_file), 'pairs')
        with open(path, 'w') as handle:
            handle.write('s-0 %s\ns-1 %s\n' % tuple(nodes))
        code, out, err = self.run_manage('server', 'import', path,
                                         '--user', 'u7')
        self.assertEqual(0, code, err)
        self.assertEqual(['ok s-0', 'ok s-1'],
                         [' '.join(line.split()[:2])
                          for line in out.splitlines()])
        self.assertEqual({'u7'}, {i.user_id for i in self.live_instances()})

    def test_from_stdin_exits_1_when_any_failed(self):
        node = self.w.node_for()
        self.useFixture(fixtures.MonkeyPatch(
            'sys.stdin', io.StringIO('ok-1 %s\nbad-1 %s\n' % (node, node))))
        code, out, err = self.run_manage('server', 'import', '-')
        self.assertEqual(1, code, err)
        lines = out.splitlines()
        self.assertTrue(lines[0].startswith('ok ok-1 '), lines)
        self.assertRegex(lines[1], '^failed bad-1: node %s is already '
                         'associated' % node)

    def test_unreadable_file_is_one_line(self):
        code, out, err = self.run_manage('server', 'import',
                                         '/nonexistent/pairs')
        self.assertEqual(2, code)
        self.assertEqual('', out)
        self.assertEqual(
            'compute-ext-manage: cannot read /nonexistent/pairs: No such '
            'file or directory', err.strip())
