"""A 403 from the real Compute API: held, shown, delivered once fixed.

The Compute API (compute_ext, noauth2: the token is ``user:project``, and
only ``admin`` or the service role may post external events) refuses the
notifier's user. The events must stay pending, ``outbox status`` must say
why, the sender must warn once per hold, and once the role (a new token
from Keystone) or the policy is fixed they must arrive without a restart.
"""

import io
import json
import os
import uuid

import fixtures
from oslo_config import cfg
import testtools

from baremetal_notifier.cmd import outbox_commands
from baremetal_notifier.notifier import compute
from baremetal_notifier.notifier import outbox as sender_mod
from baremetal_notifier.notifier import status
from baremetal_notifier.objects import outbox as outbox_obj
from compute_ext.compute import states
from compute_ext.objects import instances as instance_obj
from powerbridge import wsgi_server
from tests.fixtures import compute as compute_fixtures
from tests.fixtures import compute_peer as peer
from tests.fixtures import dbfixture
from tests.fixtures.waiting import wait_for

HOLD = dict(forbidden_retry_initial_delay=0.2, forbidden_retry_max_delay=0.4,
            outbox_poll_interval=0.01)
WARNING = 'refuses power-update events with 403'


class ForbiddenTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(level='INFO'))
        tmp = self.useFixture(fixtures.TempDir()).path
        self.policy_file = os.path.join(tmp, 'policy.json')
        self.write_policy({})
        self.api = self.useFixture(compute_fixtures.ComputeAPI(**{
            'oslo_policy.policy_file': self.policy_file}))
        server = wsgi_server.ServerThread(self.api.app, '127.0.0.1', 0,
                                          threads=4)
        server.start()
        self.addCleanup(server.stop)
        self.root = 'http://127.0.0.1:%d' % server.port
        database = self.useFixture(dbfixture.ServiceDatabase('sqlite',
                                                             'baremetal'))
        self.db, self.url = database.db, database.url

    def write_policy(self, rules):
        with open(self.policy_file, 'w') as f:
            json.dump(rules, f)

    def stopped_instances(self, count):
        return [instance_obj.create(
            self.api.ctx, host='host1', node=str(uuid.uuid4()),
            vm_state=states.STOPPED, power_state=states.SHUTDOWN,
            project_id='p', user_id='u').uuid for _ in range(count)]

    def enqueue(self, instances):
        with self.db.writer.using(outbox_obj.new_context()) as session:
            for instance in instances:
                outbox_obj.enqueue_power_update(session, str(uuid.uuid4()),
                                                instance, 'power on')

    def start_sender(self, **nova):
        conf = self.useFixture(peer.NotifierConf(
            connection=self.url, **dict(HOLD, **nova))).conf
        sender = sender_mod.OutboxSender(conf, self.db).start()
        self.addCleanup(sender.stop)
        return sender

    def manage_status(self, *argv):
        command = cfg.SubCommandOpt(
            'category', handler=outbox_commands.add_outbox_parsers)
        conf = self.useFixture(peer.NotifierConf(
            connection=self.url, argv=('outbox', 'status') + argv,
            cli_opts=[command])).conf
        out = io.StringIO()
        with fixtures.MonkeyPatch('sys.stdout', out):
            conf.category.func(conf)
        return out.getvalue()

    def power_states(self, instances):
        return {instance_obj.get_by_uuid(self.api.ctx, i).power_state
                for i in instances}

    def assert_held_and_visible(self, instances):
        wait_for(lambda: status.held_forbidden(self.db) == len(instances))
        # Kept, not dropped, and not applied.
        self.assertEqual({'pending'},
                         {e['status'] for e in status.list_events(self.db)})
        self.assertEqual({states.SHUTDOWN}, self.power_states(instances))
        # NOTE: while a retry is in flight the rows are claimed, not held:
        # each view is read until it shows the hold.
        held = 'held by an authorization fault: %d' % len(instances)

        def text_showing_the_hold():
            text = self.manage_status()
            return text if held in text else None
        text = wait_for(text_showing_the_hold, 'the status to show the hold')
        self.assertIn("forbidden: check the [nova] user's roles", text)
        self.assertIn('HTTP 403', text)

        def fault_holding_all():
            fault = json.loads(self.manage_status('--format', 'json'))[
                'authorization_fault']
            return fault if fault and fault['held'] == len(instances) else None
        fault = wait_for(fault_holding_all, 'the JSON status to show the hold')
        self.assertEqual(compute.FORBIDDEN_HINT, fault['hint'])
        self.assertTrue(fault['last_error'].startswith('forbidden: HTTP 403'))
        # Let a few holds pass: one WARNING per hold, whatever the count.
        wait_for(lambda: self.log.output.count(WARNING) >= 3)
        warnings = [line for line in self.log.output.splitlines()
                    if WARNING in line]
        self.assertLessEqual(len(warnings), 3 + 1)  # one may be on its way
        self.assertIn('%d events held, none dropped' % len(instances),
                      warnings[-1])

    def assert_delivered(self, instances):
        wait_for(lambda: {e['status'] for e in status.list_events(self.db)}
                 == {'delivered'}, timeout=10)
        self.assertEqual({states.RUNNING}, self.power_states(instances))
        self.assertIsNone(json.loads(self.manage_status(
            '--format', 'json'))['authorization_fault'])
        self.assertNotIn('authorization fault', self.manage_status())


class TestForbidden(ForbiddenTestCase):

    def test_role_granted_in_keystone_needs_no_restart(self):
        # A Keystone whose tokens name a user without the role; keystone-
        # auth must fetch a fresh token after a 403, or the grant below
        # would go unseen until the cached token expired.
        keystone = self.useFixture(peer.ScriptedComputeAPI(
            keystone=True, token_format='ironic:p-%d'))
        keystone.endpoint = self.root
        instances = self.stopped_instances(3)
        self.enqueue(instances)
        self.start_sender(auth_type='v3password',
                          auth_url=keystone.url + '/identity/v3',
                          username='ironic', password='secret',
                          user_domain_name='Default', project_name='p',
                          project_domain_name='Default')
        self.assert_held_and_visible(instances)
        issued = keystone.tokens_issued
        self.assertGreater(issued, 1)  # re-authenticated after a 403
        keystone.token_format = 'admin:p-%d'  # the operator grants the role
        self.assert_delivered(instances)
        self.assertIn('held by a 403 are due now', self.log.output)

    def test_policy_fixed_needs_no_restart(self):
        instances = self.stopped_instances(2)
        self.enqueue(instances)
        self.start_sender(**peer.admin_token_options(self.root + '/v2.1')
                          | {'token': 'ironic:p'})
        self.assert_held_and_visible(instances)
        # New events arriving during the fault are held too.
        (late,) = self.stopped_instances(1)
        self.enqueue([late])
        wait_for(lambda: status.held_forbidden(self.db) == 3)
        self.write_policy(
            {'os_compute_api:os-server-external-events:create': '@'})
        self.assert_delivered(instances + [late])
