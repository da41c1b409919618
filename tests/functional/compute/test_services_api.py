"""os-services cases gabbi cannot set up: instances on a host, policy files.

The delete cases run on SQLite, PostgreSQL and MariaDB.
"""

import os

import fixtures
import testscenarios
import testtools
import webob

from compute_ext.db import models
from compute_ext.objects import services as service_obj
from tests.fixtures import compute as compute_fixtures
from tests.fixtures import dbfixture

COMPUTE = service_obj.COMPUTE_BINARY


class APITestCase(testtools.TestCase):

    backend = 'sqlite'
    conf_overrides = {}

    def setUp(self):
        super().setUp()
        self.api = self.useFixture(compute_fixtures.ComputeAPI(
            self.backend, **self.conf_overrides))

    def call(self, method, path, version='2.1', token='admin:admin',
             body=None):
        req = webob.Request.blank(path, method=method, headers={
            'X-Auth-Token': token,
            'OpenStack-API-Version': 'compute ' + version})
        if body is not None:
            req.json_body = body
        return req.get_response(self.api.app)


class TestDeleteHostingInstances(testscenarios.WithScenarios, APITestCase):

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        self.service = compute_fixtures.add_service(self.api.ctx, 'host1')
        table = models.Instance.__table__
        with self.api.db.writer.using(self.api.ctx) as session:
            session.execute(table.insert().values(
                uuid='3df201cf-2451-44f2-8d25-a4ca826fc1f3', host='host1',
                node='node-1', vm_state='active', power_state=1,
                power_generation=0, deleted=0))

    def _free_the_host(self):
        table = models.Instance.__table__
        with self.api.db.writer.using(self.api.ctx) as session:
            session.execute(table.update().values(deleted=table.c.id))

    def assertConflict(self, response):
        self.assertEqual(409, response.status_int)
        self.assertEqual({'conflictingRequest': {
            'code': 409,
            'message': 'Unable to delete compute service that is hosting '
                       'instances. Migrate or delete the instances first.'}},
            response.json_body)
        # Nothing changed: the service is still listed.
        listed = self.call('GET', '/v2.1/os-services').json_body['services']
        self.assertEqual([self.service.id], [s['id'] for s in listed])

    def test_delete_by_id_is_refused(self):
        self.assertConflict(self.call(
            'DELETE', '/v2.1/os-services/%d' % self.service.id))
        self._free_the_host()
        self.assertEqual(204, self.call(
            'DELETE', '/v2.1/os-services/%d' % self.service.id).status_int)

    def test_delete_by_uuid_is_refused(self):
        path = '/v2.1/os-services/' + self.service.uuid
        self.assertConflict(self.call('DELETE', path, '2.53'))
        self._free_the_host()
        response = self.call('DELETE', path, '2.53')
        self.assertEqual(204, response.status_int)
        self.assertEqual(b'', response.body)
        self.assertEqual([], self.call('GET', '/v2.1/os-services').json_body[
            'services'])


class TestPolicyFile(APITestCase):
    """An operator's policy file overrides Nova's defaults."""

    def setUp(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        policy_file = os.path.join(tmp, 'policy.yaml')
        with open(policy_file, 'w') as policy:
            policy.write('"os_compute_api:os-services:list": "role:reader"\n'
                         '"os_compute_api:os-services:update": "!"\n')
        self.conf_overrides = {'oslo_policy.policy_file': policy_file}
        super().setUp()
        compute_fixtures.add_service(self.api.ctx, 'host1')

    def test_readers_may_list(self):
        response = self.call('GET', '/v2.1/os-services', token='bob:p1:reader')
        self.assertEqual(200, response.status_int)
        self.assertEqual(['host1'],
                         [s['host'] for s in response.json_body['services']])

    def test_nobody_may_update_not_even_admin(self):
        response = self.call('PUT', '/v2.1/os-services/force-down', '2.11',
                             body={'host': 'host1', 'binary': COMPUTE,
                                   'forced_down': True})
        self.assertEqual(403, response.status_int)
        listed = self.call('GET', '/v2.1/os-services', '2.11').json_body
        self.assertIs(False, listed['services'][0]['forced_down'])

    def test_defaults_still_apply_to_other_rules(self):
        response = self.call('DELETE', '/v2.1/os-services/1',
                             token='bob:p1:reader')
        self.assertEqual(403, response.status_int)
        self.assertEqual("Policy doesn't allow os_compute_api:os-services:"
                         "delete to be performed.",
                         response.json_body['forbidden']['message'])
