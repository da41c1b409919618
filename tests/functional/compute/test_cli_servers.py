"""The real openstack CLI against a live compute-ext-api (noauth2).

`server list/show/start/stop` and `server event list/show` unmodified,
the way an operator types them, with the admin token of noauth2.
Instances are placed straight through objects.instances: the command that
places one on a node is the compute agent's.
"""

import datetime
import json
import os
import subprocess

import fixtures
import testtools

from powerbridge import db
from compute_ext import context as compute_context
from compute_ext.compute import states
from compute_ext.objects import instances as instance_obj
from tests.fixtures import compute as compute_fixtures
from tests.fixtures import dbfixture
from tests.fixtures import processes

BM1 = 'b0000000-0000-4000-8000-000000000001'
BM2 = 'b0000000-0000-4000-8000-000000000002'
NODE1 = 'c0000000-0000-4000-8000-000000000001'


class TestOpenstackCLI(testtools.TestCase):

    def setUp(self):
        super().setUp()
        database = self.useFixture(dbfixture.ThrowawayDatabase(
            'sqlite', tree='compute'))
        handle = db.Database(database.url)
        self.addCleanup(handle.dispose)
        self.ctx = compute_context.admin_context(handle)
        compute_fixtures.add_service(self.ctx, 'host1')
        created = datetime.datetime(2026, 2, 1)
        for uuid, name, vm_state, power_state, minute in (
                (BM1, 'bm-1', states.ACTIVE, states.RUNNING, 1),
                (BM2, 'bm-2', states.STOPPED, states.SHUTDOWN, 2)):
            instance_obj.create(
                self.ctx, uuid=uuid, name=name, host='host1', node=NODE1,
                vm_state=vm_state, power_state=power_state,
                project_id='admin', user_id='admin',
                created_at=created + datetime.timedelta(minutes=minute))
        self.server = self.useFixture(
            processes.ComputeAPIProcess(database.url))
        self.home = self.useFixture(fixtures.TempDir()).path

    def cli(self, *args, expect_rc=0):
        command = [processes.script_path('openstack') or 'openstack',
                   '--os-auth-type', 'admin_token',
                   '--os-token', 'admin:admin',
                   '--os-endpoint', self.server.url + '/v2.1',
                   '--os-identity-api-version', '3'] + list(args)
        # A private HOME: no clouds.yaml or cache of the user's applies.
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_')}
        env['HOME'] = self.home
        # `server list` builds an identity v3 proxy even when it never
        # calls it; with admin_token the SDK would discover "identity" at
        # the compute endpoint and find v2.1. Naming that endpoint for
        # identity as well skips the version check (nothing is sent).
        env['OS_IDENTITY_ENDPOINT_OVERRIDE'] = self.server.url + '/v2.1'
        result = subprocess.run(command, capture_output=True, text=True,
                                timeout=120, env=env, check=False)
        self.assertEqual(expect_rc, result.returncode,
                         '%s\nstdout: %s\nstderr: %s'
                         % (' '.join(args), result.stdout, result.stderr))
        return result

    def json(self, *args):
        return json.loads(self.cli(*args, '-f', 'json').stdout)

    def test_list_show_stop_start_and_events(self):
        listed = {s['Name']: s for s in self.json('server', 'list')}
        self.assertEqual({'bm-1', 'bm-2'}, set(listed))
        self.assertEqual('ACTIVE', listed['bm-1']['Status'])
        self.assertEqual('SHUTOFF', listed['bm-2']['Status'])
        self.assertEqual('baremetal', listed['bm-1']['Flavor'])

        by_id = self.json('server', 'show', BM1)
        self.assertEqual(('bm-1', 'ACTIVE', 1, 'host1', NODE1),
                         (by_id['name'], by_id['status'],
                          by_id['OS-EXT-STS:power_state'],
                          by_id['OS-EXT-SRV-ATTR:host'],
                          by_id['OS-EXT-SRV-ATTR:hypervisor_hostname']))
        by_name = self.json('server', 'show', 'bm-2')
        self.assertEqual((BM2, 'SHUTOFF', 4),
                         (by_name['id'], by_name['status'],
                          by_name['OS-EXT-STS:power_state']))

        self.cli('server', 'stop', 'bm-1')
        self.cli('server', 'start', BM2)
        refused = self.cli('server', 'stop', 'bm-1', expect_rc=1)
        self.assertIn("Cannot 'stop' instance %s while it is in task_state "
                      "powering-off" % BM1, refused.stderr)
        self.assertEqual(states.POWERING_OFF, instance_obj.get_by_uuid(
            self.ctx, BM1).task_state)

        (event,) = self.json('server', 'event', 'list', 'bm-1')
        self.assertEqual(('stop', BM1), (event['Action'], event['Server ID']))
        shown = self.json('server', 'event', 'show', 'bm-1',
                          event['Request ID'])
        self.assertEqual(('stop', 'admin', 'admin'),
                         (shown['action'], shown['user_id'],
                          shown['project_id']))

    def test_a_power_update_shows_in_the_cli(self):
        status, _headers, body = processes.request(
            self.server.url + '/v2.1/os-server-external-events', 'POST',
            {'events': [{'name': 'power-update', 'server_uuid': BM1,
                         'tag': 'POWER_OFF'}]},
            token='ironic:service:service')
        self.assertEqual((200, 200), (status, body['events'][0]['code']))
        shown = self.json('server', 'show', 'bm-1')
        self.assertEqual(('SHUTOFF', 4),
                         (shown['status'], shown['OS-EXT-STS:power_state']))
        (event,) = self.json('server', 'event', 'list', BM1, '--long')
        self.assertEqual(('stop', 'ironic', 'service'),
                         (event['Action'], event['User ID'],
                          event['Project ID']))
