"""Conductor groups through the Bare Metal API on SQLite, PostgreSQL and
MariaDB: where the engines differ (MariaDB compares text without case
and pads trailing spaces), the API must not.

A group is served when a ``conductors`` row of that group is online with
a heartbeat within ``[conductor] heartbeat_timeout`` (the rows are
written as a conductor's heartbeat leaves them).
"""

import contextlib
import io
import json
import os

import fixtures
import testscenarios
import testtools
import webob

from baremetal_notifier.cmd import manage
from baremetal_notifier.objects import conductors
from baremetal_notifier.objects import nodes as node_obj
from tests.fixtures import baremetal
from tests.fixtures import dbfixture

load_tests = testscenarios.load_tests_apply_scenarios
TIMEOUT = 60


class ConductorGroupsTest(testtools.TestCase):

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        self.api = self.useFixture(baremetal.BaremetalAPI(self.backend))
        self.ctx = self.api.ctx
        db = self.api.db
        baremetal.add_conductor(db, 'c1', 'rack1')
        baremetal.add_conductor(db, 'c2', 'rack2', age=TIMEOUT + 5)
        baremetal.add_conductor(db, 'c3', 'rack3', online=False)

    def call(self, method, path, body=None):
        req = webob.Request.blank('http://127.0.0.1:6385' + path,
                                  method=method)
        req.headers['X-OpenStack-Ironic-API-Version'] = '1.46'
        if body is not None:
            req.content_type = 'application/json'
            req.json = body
        response = req.get_response(self.api.app)
        return response.status_int, response.json

    def test_served_groups(self):
        served = [group for group in ('rack1', 'rack2', 'rack3', 'rack4', '')
                  if conductors.group_is_served(self.ctx, group, TIMEOUT)]
        self.assertEqual(['rack1'], served)

    def test_groups_are_case_insensitive_on_every_engine(self):
        status, node = self.call('POST', '/v1/nodes', {
            'driver': 'ipmi', 'name': 'a', 'conductor_group': 'RaCk1'})
        self.assertEqual((201, 'rack1'), (status, node['conductor_group']))
        self.call('POST', '/v1/nodes', {'driver': 'ipmi', 'name': 'b'})
        for query in ('rack1', 'RACK1'):
            status, body = self.call(
                'GET', '/v1/nodes?fields=name&conductor_group=' + query)
            self.assertEqual(['a'], [n['name'] for n in body['nodes']],
                             query)
        # MariaDB's collation would match these to 'rack1': no group can
        # have such a name, so no node is found and none is created.
        for query in ('rack1%20', 'rack1%20%20'):
            status, body = self.call(
                'GET', '/v1/nodes?conductor_group=' + query)
            self.assertEqual((200, []), (status, body['nodes']), query)
        status, body = self.call('POST', '/v1/nodes', {
            'driver': 'ipmi', 'conductor_group': 'rack1 '})
        self.assertEqual(400, status)
        self.assertIn('No valid host was found', body['error_message'])
        status, body = self.call('GET', '/v1/nodes?conductor_group=')
        self.assertEqual(1, len(body['nodes']))

    def test_groups_sort_and_page(self):
        for index, group in enumerate(('rack1', '', 'rack1', '')):
            baremetal.add_node(self.ctx, 'n%d' % index)
            if group:
                self.call('PATCH', '/v1/nodes/n%d' % index, [
                    {'op': 'replace', 'path': '/conductor_group',
                     'value': group}])
        seen, marker = [], None
        while True:
            path = ('/v1/nodes?fields=name,conductor_group&limit=1'
                    '&sort_key=conductor_group&sort_dir=desc')
            status, body = self.call('GET', path + (
                '&marker=' + marker if marker else ''))
            self.assertEqual(200, status)
            seen.extend((n['conductor_group'], n['name'])
                        for n in body['nodes'])
            if 'next' not in body:
                break
            marker = node_obj.get_by_name(self.ctx, seen[-1][1]).uuid
        self.assertEqual([('rack1', 'n2'), ('rack1', 'n0'), ('', 'n3'),
                          ('', 'n1')], seen)

    def test_a_node_of_a_dead_group(self):
        node = baremetal.add_node(self.ctx, 'n')
        baremetal.set_columns(self.api.db, node.uuid,
                              conductor_group='rack2')
        status, body = self.call('PATCH', '/v1/nodes/n', [
            {'op': 'add', 'path': '/extra/a', 'value': 1}])
        self.assertEqual(400, status)
        self.assertIn('for conductor group \\"rack2\\"',
                      body['error_message'])
        status, body = self.call('PATCH', '/v1/nodes/n', [
            {'op': 'replace', 'path': '/conductor_group', 'value': 'Rack1'},
            {'op': 'add', 'path': '/extra/a', 'value': 1}])
        self.assertEqual((200, 'rack1', {'a': 1}), (
            status, body['conductor_group'], body['extra']))


class ImportTest(testtools.TestCase):
    """``baremetal-notifier-manage node import`` may run before a group's
    conductors do: the group is only checked and lower-cased."""

    scenarios = dbfixture.SCENARIOS

    def test_import_groups(self):
        self.api = self.useFixture(baremetal.BaremetalAPI(self.backend))
        tmp = self.useFixture(fixtures.TempDir()).path
        conf_file = os.path.join(tmp, 'baremetal.conf')
        nodes_file = os.path.join(tmp, 'nodes.json')
        with open(conf_file, 'w') as stream:
            stream.write('[database]\nconnection = %s\n'
                         % self.api.conf.database.connection)
        with open(nodes_file, 'w') as stream:
            json.dump([{'name': 'i1', 'driver': 'ipmi',
                        'conductor_group': 'Rack7'},
                       {'name': 'i2', 'driver': 'ipmi',
                        'conductor_group': 'rack 7!'},
                       {'name': 'i3', 'driver': 'ipmi'}], stream)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = manage.main(['--config-file', conf_file, 'node', 'import',
                                nodes_file])
        self.assertEqual(1, code)
        self.assertIn('Failed node #2 (i2): Expected a conductor group but '
                      'received rack 7!.', out.getvalue())
        self.assertEqual(
            [('i1', 'rack7'), ('i3', '')],
            [(node.name, node.conductor_group) for node in
             node_obj.get_list(self.api.ctx, sort_key='name')[0]])
