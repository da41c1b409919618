"""BMC passwords never leave: not in responses, logs or exception text.

Every route is driven, on its good and bad paths, with a password in the
request; then every response (status line, headers, body) and every log
record at DEBUG is searched for it.
"""

import json
import logging
import os
import traceback

import fixtures
import testtools
import webob

from baremetal_notifier import context
from baremetal_notifier import exception
from baremetal_notifier.objects import nodes as node_obj
from powerbridge import db
from tests.fixtures import baremetal

PASSWORD = baremetal.IPMI_PASSWORD
OTHER_PASSWORD = 'An0ther-Secr3t'


def request(app, method, path, body=None, version='latest', **headers):
    req = webob.Request.blank(path, method=method)
    req.headers['X-OpenStack-Ironic-API-Version'] = version
    req.headers.update(headers)
    if body is not None:
        req.body = (body if isinstance(body, bytes)
                    else json.dumps(body).encode())
        req.content_type = 'application/json'
    return req.get_response(app)


def driver_info(password=PASSWORD, **more):
    info = {'ipmi_address': '127.0.0.1', 'ipmi_port': 623,
            'ipmi_username': 'admin', 'ipmi_password': password}
    info.update(more)
    return info


class SecretsTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.api = self.useFixture(baremetal.BaremetalAPI())
        self.responses = []

    def call(self, method, path, body=None, **kwargs):
        response = request(self.api.app, method, path, body, **kwargs)
        self.responses.append(('%s %s' % (method, path), response))
        return response

    def assertNowhere(self, *secrets):
        for call, response in self.responses:
            text = '%s %s %s' % (response.status, response.headers,
                                 response.body.decode('utf-8', 'replace'))
            for secret in secrets:
                self.assertNotIn(secret, text, call)
        for secret in secrets:
            self.assertNotIn(secret, self.log.output)

    def test_every_route_keeps_the_password(self):
        self.assertEqual(201, self.call('POST', '/v1/nodes', {
            'driver': 'ipmi', 'name': 'n1',
            'driver_info': driver_info()}).status_int)
        self.call('GET', '/v1/nodes/n1')
        self.call('GET', '/v1/nodes/detail')
        self.call('GET', '/v1/nodes?fields=uuid,driver_info')
        self.call('GET', '/v1/nodes/n1?fields=driver_info')
        self.call('GET', '/v1/nodes/n1/states')
        # Duplicates and conflicts.
        self.assertEqual(409, self.call('POST', '/v1/nodes', {
            'driver': 'ipmi', 'name': 'n1',
            'driver_info': driver_info()}).status_int)
        # Bodies of the wrong shape, the password in the offending value.
        for body in ({'driver': 'ipmi', 'driver_info': PASSWORD},
                     {'driver': 'ipmi', 'driver_info': [PASSWORD]},
                     [{'driver': 'ipmi', 'driver_info': driver_info()}],
                     {'driver': 'ipmi', 'driver_info': {
                         'ipmi_password': {'nested': PASSWORD}}},
                     {'driver': 'ipmi', 'driver_info': driver_info(
                         PASSWORD * 3)},
                     {'driver': 'ipmi', 'extra': [], 'driver_info':
                      driver_info()},
                     {'driver': 'ipmi', 'name': 'bad name',
                      'driver_info': driver_info()},
                     {'driver': 'redfish', 'driver_info': driver_info()}):
            self.assertEqual(400, self.call('POST', '/v1/nodes',
                                            body).status_int, body)
        self.assertEqual(400, self.call(
            'POST', '/v1/nodes',
            b'{"driver_info": {"ipmi_password": "' + PASSWORD.encode() +
            b'"').status_int)
        # Patches: good ones, and bad ones quoting the password.
        for ops, status in (
                ([{'op': 'replace', 'path': '/driver_info/ipmi_password',
                   'value': OTHER_PASSWORD}], 200),
                ([{'op': 'add', 'path': '/driver_info/ipmi_password/x',
                   'value': OTHER_PASSWORD}], 400),
                ([{'op': 'remove', 'path': '/driver_info/missing/x'}], 400),
                ([{'op': 'replace', 'path': '/driver_info/ipmi_port',
                   'value': OTHER_PASSWORD}], 400),
                ([{'op': 'replace', 'path': '/driver_info',
                   'value': OTHER_PASSWORD}], 400),
                ([{'op': 'replace', 'path': '/driver_info',
                   'value': driver_info(OTHER_PASSWORD * 2)}], 400),
                ([{'op': 'replace', 'path': '/power_state',
                   'value': OTHER_PASSWORD}], 400),
                ([{'op': 'test', 'path': '/driver_info/ipmi_password',
                   'value': OTHER_PASSWORD}], 400)):
            self.assertEqual(status, self.call('PATCH', '/v1/nodes/n1',
                                               ops).status_int, ops)
        self.call('PUT', '/v1/nodes/n1/states/power', {'target': 'power on'})
        self.call('PUT', '/v1/nodes/n1/states/power', {'target': 'off'})
        self.call('PUT', '/v1/nodes/n1/maintenance', {'reason': 'disk'})
        self.call('DELETE', '/v1/nodes/n1/maintenance')
        self.call('DELETE', '/v1/nodes/n1')
        self.assertNowhere(PASSWORD, OTHER_PASSWORD)
        self.assertIn('******', self.responses[1][1].text)

    def test_database_errors_do_not_quote_parameters(self):
        # An unmigrated database: the INSERT fails, and the driver's
        # message would quote driver_info with the password.
        empty = db.Database('sqlite:///' + os.path.join(
            self.useFixture(fixtures.TempDir()).path, 'empty.sqlite'))
        self.addCleanup(empty.dispose)
        ctx = context.admin_context(empty)
        try:
            baremetal.add_node(ctx, 'n1')
        except exception.DatabaseWriteFailed as exc:
            text = ''.join(traceback.format_exception(exc))
        else:
            self.fail('the write did not fail')
        self.assertIn('OperationalError', text)
        self.assertNotIn(PASSWORD, text)
        self.assertNotIn('driver_info', text)

    def test_api_database_errors_are_clean_500s(self):
        with self.api.db.get_engine().begin() as connection:
            connection.exec_driver_sql('DROP TABLE nodes')
        response = self.call('POST', '/v1/nodes', {
            'driver': 'ipmi', 'driver_info': driver_info()})
        self.assertEqual(500, response.status_int)
        self.assertIn('Server', response.json['error_message'])
        self.assertNowhere(PASSWORD)


class RedactionTest(testtools.TestCase):
    """Below baremetal:node:get:filter_threshold, Ironic redacts fields."""

    def test_redacted_for_a_reader_below_the_threshold(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'policy.yaml')
        with open(path, 'w') as stream:
            # An operator lets project readers see nodes, nothing more.
            stream.write('"baremetal:node:get": "role:reader"\n')
        api = self.useFixture(baremetal.BaremetalAPI(
            keystone=True, **{'oslo_policy.policy_file': path}))
        node = baremetal.add_node(api.ctx, 'n1')
        baremetal.set_columns(api.db, node.uuid, reservation='conductor-7',
                              last_error='BMC at 10.0.0.7 timed out')
        reader = {'X-Roles': 'reader', 'X-Project-Id': 'p1'}
        shown = request(api.app, 'GET', '/v1/nodes/n1', **reader).json
        self.assertEqual({'content': '** Redacted - requires '
                                     'baremetal:node:get:driver_info '
                                     'permission. **'},
                         shown['driver_info'])
        self.assertIn('baremetal:node:get:last_error', shown['last_error'])
        self.assertIn('baremetal:node:get:reservation', shown['reservation'])
        system = {'X-Roles': 'reader', 'OpenStack-System-Scope': 'all'}
        shown = request(api.app, 'GET', '/v1/nodes/n1', **system).json
        self.assertEqual('conductor-7', shown['reservation'])
        self.assertEqual('******', shown['driver_info']['ipmi_password'])
        self.assertEqual(node_obj.get_by_uuid(api.ctx, node.uuid).last_error,
                         shown['last_error'])
