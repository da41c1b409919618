"""The Bare Metal API against hostile input, on SQLite, PostgreSQL, MariaDB.

Each test is one class of request that once answered 500 (or stored a
node that then made every listing answer 500): it must now be a 400 with
Ironic's error body, and nothing of it may be stored.
"""

import json
from urllib import parse

import sqlalchemy as sa
import testscenarios
import testtools
import webob

from baremetal_notifier.objects import nodes as node_obj
from baremetal_notifier.schemas import nodes as node_schema
from tests.fixtures import baremetal
from tests.fixtures import dbfixture
from tests.fixtures import hostile
from tests.fixtures import hostile_values

load_tests = testscenarios.load_tests_apply_scenarios
VERSION = 'X-OpenStack-Ironic-API-Version'


class HostileInputTest(testtools.TestCase):

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        self.api = self.useFixture(baremetal.BaremetalAPI(self.backend))
        self.node = baremetal.add_node(self.api.ctx, 'node-0')

    def call(self, method, path, body=None, query='', raw=None, **headers):
        headers.setdefault(VERSION, 'latest')
        if raw is None and body is not None:
            raw = json.dumps(body, ensure_ascii=False).encode()
        request = hostile.Request(method, path, query, headers, raw)
        return webob.Request(request.environ()).get_response(self.api.app)

    def assertFault(self, status, response, fragment):
        self.assertEqual(status, response.status_int, response.body[:300])
        fault = json.loads(response.json_body['error_message'])
        self.assertEqual('Client', fault['faultcode'])
        self.assertIn(fragment, fault['faultstring'])

    def assertReadable(self):
        """Every node lists, shows, patches and deletes."""
        for path in ('/v1/nodes', '/v1/nodes/detail'):
            self.assertEqual(200, self.call('GET', path).status_int)
        for node in node_obj.get_list(self.api.ctx)[0]:
            path = '/v1/nodes/' + node.uuid
            self.assertEqual(200, self.call('GET', path).status_int)
            response = self.call('PATCH', path, [
                {'op': 'add', 'path': '/extra/ok', 'value': 1}])
            self.assertEqual(200, response.status_int, response.body)
            self.assertEqual(204, self.call('DELETE', path).status_int)

    def stored_count(self):
        return len(node_obj.get_list(self.api.ctx)[0])

    # -- bodies ----------------------------------------------------------

    def test_extra_nested_950_levels_is_400_and_not_stored(self):
        raw = ('{"driver": "ipmi", "extra": %s}'
               % hostile_values.deep_json(950, 'dict')).encode()
        response = self.call('POST', '/v1/nodes', raw=raw)
        self.assertFault(400, response, 'Malformed request body')
        self.assertEqual(1, self.stored_count())
        self.assertReadable()

    def test_a_patch_cannot_build_what_a_body_may_not_carry(self):
        # Each operation nests one level more: 40 levels in all.
        ops = [{'op': 'add', 'path': '/extra' + '/a' * (n + 1), 'value': {}}
               for n in range(40)]
        response = self.call('PATCH', '/v1/nodes/node-0', ops)
        self.assertFault(400, response, 'nest deeper than 32 levels')
        # Up to the body limit it is taken: 32 levels, as in a POST body.
        response = self.call('PATCH', '/v1/nodes/node-0', ops[:30])
        self.assertEqual(200, response.status_int, response.body)
        self.assertReadable()

    def test_values_larger_than_a_text_column_are_400(self):
        # MariaDB's TEXT holds 65535 bytes: one more was "Database error
        # while writing node" there and stored elsewhere.
        fits = 'x' * (node_schema.TEXT_BYTES - len('{"a": ""}'))
        created = self.call('POST', '/v1/nodes', {
            'driver': 'ipmi', 'properties': {'a': fits}})
        self.assertEqual(201, created.status_int, created.body[:300])
        response = self.call('POST', '/v1/nodes', {
            'driver': 'ipmi', 'properties': {'a': fits + 'x'}})
        self.assertFault(400, response, 'properties. Expected at most 65535')
        # Two values that each fit a body outgrow the column together.
        ops = [{'op': 'add', 'path': '/extra/k%d' % n, 'value': 'x' * 30000}
               for n in range(3)]
        response = self.call('PATCH', '/v1/nodes/node-0', ops)
        self.assertFault(400, response, 'extra. Expected at most 65535')
        self.assertEqual(2, self.stored_count())
        self.assertReadable()

    def test_maintenance_reason_sizes_and_characters(self):
        path = '/v1/nodes/node-0/maintenance'
        four_bytes = '\U0001f600' * (node_schema.TEXT_BYTES // 4)
        self.assertEqual(
            202, self.call('PUT', path, {'reason': four_bytes}).status_int)
        self.assertEqual(four_bytes, node_obj.get_by_name(
            self.api.ctx, 'node-0').maintenance_reason)
        response = self.call('PUT', path, {'reason': four_bytes + 'xxxx'})
        self.assertFault(400, response, 'reason. Expected at most 65535')
        response = self.call('PUT', path, {'reason': 'a\x00b'})
        self.assertFault(400, response, 'NUL')
        response = self.call('PUT', path, raw=b'{"reason": "\\ud800"}')
        self.assertFault(400, response, 'unpaired surrogates')
        self.assertEqual(four_bytes, node_obj.get_by_name(
            self.api.ctx, 'node-0').maintenance_reason)

    def test_a_broken_chunked_body_is_400(self):
        for path in ('/v1/nodes/node-0/maintenance',
                     '/v1/nodes/node-0/states/power'):
            request = hostile.Request('PUT', path, '', {VERSION: 'latest'},
                                      b'{"reason": "r"}', 'broken')
            response = webob.Request(request.environ()).get_response(
                self.api.app)
            self.assertFault(400, response, 'Malformed request body')
        environ = hostile.Request('PUT', '/v1/nodes/node-0/maintenance', '',
                                  {VERSION: 'latest'}, b'{}', 'short')
        response = webob.Request(environ.environ()).get_response(self.api.app)
        self.assertFault(400, response, 'Malformed request body')

    def test_power_timeout_is_bounded(self):
        response = self.call('PUT', '/v1/nodes/node-0/states/power',
                             {'target': 'power on', 'timeout': 2 ** 70})
        self.assertFault(400, response, 'timeout. Expected a value of at '
                                        'most 2147483647')
        self.assertEqual([], self.api.conductor.calls)

    # -- query strings ---------------------------------------------------

    def test_query_strings_that_are_not_utf8_or_hold_nul(self):
        for path, query in (('/v1/nodes', 'fields=%ff'),
                            ('/v1/nodes/detail', 'marker=%c0%af'),
                            ('/v1/nodes/node-0', 'fields=%ed%a0%80'),
                            ('/v1/nodes', 'driver=%00'),
                            ('/v1/nodes', '%00=1')):
            response = self.call('GET', path, query=query)
            self.assertEqual(400, response.status_int, (path, query))

    def test_filters_in_ironics_words(self):
        response = self.call('GET', '/v1/nodes',
                             query='provision_state=%C2%B2')
        self.assertFault(400, response, 'Provision state "\u00b2" is not '
                                        'valid')
        response = self.call('GET', '/v1/nodes', query='fault=x')
        self.assertFault(400, response, 'Unrecognized fault "x" is '
                                        'specified, allowed faults are')
        response = self.call('GET', '/v1/nodes', query='power_state=%C2%B2')
        self.assertFault(400, response, 'Unknown argument: "power_state"')
        # A 4-byte character compares on MariaDB too (utf8mb4).
        response = self.call('GET', '/v1/nodes', query='driver=%F0%9F%98%80')
        self.assertEqual([], response.json_body['nodes'])
        response = self.call('GET', '/v1/nodes',
                             query='provision_state=available&fault='
                                   'power%20failure&driver=ipmi')
        self.assertEqual(200, response.status_int)

    def test_limit_is_bounded_without_being_parsed(self):
        baremetal.add_node(self.api.ctx, 'node-1')
        for value, count in (('9' * 5000, 2), ('99999999999999999999', 2),
                             ('+1', 1), ('0' * 5000 + '1', 1)):
            response = self.call('GET', '/v1/nodes',
                                 query='limit=' + parse.quote(value))
            self.assertEqual(count, len(response.json_body['nodes']),
                             value[:20])
        shown = 'for limit: ' + 'x' * 255 + '...'
        for value, fragment in (('-' + '9' * 5000, 'Limit must be positive'),
                                ('-0', 'Limit must be positive'),
                                ('0' * 5000, 'Limit must be positive'),
                                ('\u0661', 'Expected an integer for limit'),
                                ('1e3', 'Expected an integer for limit'),
                                ('x' * 5000, shown)):
            response = self.call('GET', '/v1/nodes',
                                 query='limit=' + parse.quote(value))
            self.assertFault(400, response, fragment)

    def test_version_header_of_thousands_of_digits(self):
        huge = '1.' + '9' * 5000
        # Ironic refuses it at the root too.
        self.assertEqual(406, self.call('GET', '/', **{VERSION: huge})
                         .status_int)
        response = self.call('GET', '/v1/nodes', **{VERSION: huge})
        self.assertEqual(406, response.status_int)


class PoisonedRowTest(testtools.TestCase):
    """A node an older version stored past today's limits still lists."""

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        self.api = self.useFixture(baremetal.BaremetalAPI(self.backend))
        self.node = baremetal.add_node(self.api.ctx, 'node-0')
        # What the API stored before request bodies were bounded.
        with self.api.db.get_engine().begin() as connection:
            connection.execute(sa.update(baremetal.NODES).where(
                baremetal.NODES.c.uuid == self.node.uuid).values(
                    extra=hostile_values.deep_json(950, 'dict'),
                    properties=hostile_values.deep_json(100, 'dict')))

    def call(self, method, path, body=None):
        req = webob.Request.blank(path, method=method,
                                  headers={VERSION: 'latest'})
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        return req.get_response(self.api.app)

    def test_list_show_patch_and_delete(self):
        for path in ('/v1/nodes', '/v1/nodes/detail', '/v1/nodes/node-0'):
            self.assertEqual(200, self.call('GET', path).status_int, path)
        shown = self.call('GET', '/v1/nodes/node-0').json_body
        # Too deep to serve: shown empty; shallower, as stored.
        self.assertEqual({}, shown['extra'])
        self.assertEqual(hostile_values.nested(100, 'dict'),
                         shown['properties'])
        # Patching other fields leaves both as stored.
        response = self.call('PATCH', '/v1/nodes/node-0',
                             [{'op': 'add', 'path': '/name', 'value': 'n'}])
        self.assertEqual(200, response.status_int, response.body)
        node = node_obj.get_by_uuid(self.api.ctx, self.node.uuid)
        self.assertEqual(hostile_values.deep_json(950, 'dict'),
                         node.stored['extra'])
        # Replacing the field repairs it.
        response = self.call('PATCH', '/v1/nodes/n',
                             [{'op': 'add', 'path': '/extra', 'value': {}}])
        self.assertEqual(200, response.status_int, response.body)
        self.assertEqual(204, self.call('DELETE', '/v1/nodes/n').status_int)
