"""baremetal-notifier-manage: db sync/version and node import."""

import contextlib
import io
import json
import os

import fixtures
import testscenarios
import testtools

import db_migrations
from baremetal_notifier.cmd import manage
from baremetal_notifier import context
from baremetal_notifier.objects import nodes as node_obj
from powerbridge import db
from tests.fixtures import dbfixture

load_tests = testscenarios.load_tests_apply_scenarios
PASSWORD = 'Imp0rt-Secr3t'
NODES = [
    {'name': 'imported-1', 'driver': 'ipmi', 'driver_info': {
        'ipmi_address': '192.0.2.1', 'ipmi_port': 623,
        'ipmi_username': 'admin', 'ipmi_password': PASSWORD}},
    {'name': 'imported-2', 'driver': 'ipmi',
     'uuid': '00000000-cccc-4ccc-8ccc-000000000002',
     'properties': {'cpus': 4}},
]


class ManageTest(testtools.TestCase):

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        database = self.useFixture(dbfixture.ThrowawayDatabase(
            self.backend))
        self.url = database.url
        self.conf_file = self.write('baremetal.conf', '[database]\n'
                                    'connection = %s\n' % self.url)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as stream:
            stream.write(text)
        return path

    def manage(self, *args):
        """(exit code, stdout, stderr) of the command, run in-process."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = manage.main(['--config-file', self.conf_file] +
                                   list(args))
            except SystemExit as exc:
                code = exc.code
        self.assertNotIn(PASSWORD, out.getvalue() + err.getvalue())
        return code, out.getvalue(), err.getvalue()

    def nodes(self):
        database = db.Database(self.url)
        self.addCleanup(database.dispose)
        found, _more = node_obj.get_list(context.admin_context(database))
        return found

    def test_db_sync_and_version(self):
        self.assertEqual((0, 'None\n', ''), self.manage('db', 'version'))
        code, out, _err = self.manage('db', 'sync')
        head = db_migrations.head('baremetal')
        self.assertEqual((0, 'Bare metal database is at revision %s\n'
                          % head), (code, out))
        self.assertEqual((0, head + '\n', ''), self.manage('db', 'version'))
        # Idempotent.
        self.assertEqual(0, self.manage('db', 'sync')[0])

    def test_import_json_then_yaml(self):
        self.manage('db', 'sync')
        path = self.write('nodes.json', json.dumps(NODES))
        code, out, _err = self.manage('node', 'import', path)
        self.assertEqual(0, code)
        lines = out.splitlines()
        self.assertEqual(2, len(lines))
        self.assertRegex(lines[0], r'^Created node [0-9a-f-]{36} imported-1$')
        self.assertEqual('Created node 00000000-cccc-4ccc-8ccc-000000000002 '
                         'imported-2', lines[1])
        nodes = self.nodes()
        self.assertEqual(PASSWORD, nodes[0].driver_info['ipmi_password'])
        # New nodes start as Ironic's do (1.11+): enrolled, to be managed.
        self.assertEqual('enroll', nodes[1].provision_state)
        path = self.write('nodes.yaml', 'nodes:\n'
                          '  - {name: imported-3, driver: ipmi}\n')
        self.assertEqual(0, self.manage('node', 'import', path)[0])
        self.assertEqual(3, len(self.nodes()))

    def test_bad_nodes_are_reported_one_line_each(self):
        self.manage('db', 'sync')
        bad = NODES + [
            {'name': 'imported-1', 'driver': 'ipmi'},
            {'name': 'bad', 'driver': 'redfish'},
            {'name': 'typed', 'driver': 'ipmi',
             'driver_info': {'ipmi_password': 1234}},
            {'name': 'long', 'driver': 'ipmi', 'driver_info': {
                'ipmi_address': 'x', 'ipmi_password': PASSWORD * 3}},
            'not a node',
        ]
        code, out, _err = self.manage('node', 'import',
                                      self.write('nodes.json',
                                                 json.dumps(bad)))
        self.assertEqual(1, code)
        lines = out.splitlines()
        self.assertEqual(7, len(lines))
        self.assertEqual("Failed node #3 (imported-1): A node with name "
                         "imported-1 already exists.", lines[2])
        self.assertIn('#4 (bad): No valid host was found', lines[3])
        self.assertIn('#5 (typed): Invalid input for field/attribute '
                      'driver_info/ipmi_password', lines[4])
        self.assertIn('#6 (long):', lines[5])
        self.assertTrue(lines[6].startswith('Failed node #7: '))
        self.assertEqual(2, len(self.nodes()))

    def test_unreadable_files_are_one_line(self):
        self.manage('db', 'sync')
        for text in ('{"nodes": ', '{"driver": "ipmi"}'):
            code, out, err = self.manage('node', 'import',
                                         self.write('bad.json', text))
            self.assertEqual((2, ''), (code, out))
            self.assertEqual(1, len(err.splitlines()), err)
            self.assertTrue(err.startswith('baremetal-notifier-manage: '))
        code, _out, err = self.manage('node', 'import',
                                      os.path.join(self.tmp, 'missing'))
        self.assertEqual(2, code)
        self.assertIn('cannot read', err)
