"""The sender's thread, its log lines and the operator's manage command."""

import io
import json
import re
import uuid

import fixtures
from oslo_config import cfg
import testtools

from baremetal_notifier.cmd import outbox_commands
from baremetal_notifier.notifier import outbox as sender_mod
from baremetal_notifier.notifier import status
from baremetal_notifier.objects import outbox as outbox_obj
from tests.fixtures import compute_peer as peer
from tests.fixtures import dbfixture
from tests.fixtures.waiting import wait_for


class SenderTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        database = self.useFixture(dbfixture.ServiceDatabase('sqlite',
                                                             'baremetal'))
        self.db = database.db
        self.url = database.url
        self.peer = self.useFixture(peer.ScriptedComputeAPI())

    def make_conf(self, **options):
        nova = peer.admin_token_options(self.peer.endpoint)
        nova.update(outbox_poll_interval=0.01)
        nova.update(options)
        return self.useFixture(peer.NotifierConf(connection=self.url,
                                                 **nova)).conf

    def enqueue(self, instance_uuid, power_state='power on'):
        with self.db.writer.using(outbox_obj.new_context()) as session:
            outbox_obj.enqueue_power_update(session, str(uuid.uuid4()),
                                            instance_uuid, power_state)

    def statuses(self):
        return [e['status'] for e in status.list_events(self.db)]


class TestSenderThread(SenderTestCase):

    def test_runs_until_stopped(self):
        sender = sender_mod.OutboxSender(self.make_conf(), self.db).start()
        thread = sender._thread
        self.enqueue(str(uuid.uuid4()))
        self.enqueue(str(uuid.uuid4()))
        wait_for(lambda: self.statuses() == ['delivered', 'delivered'])
        sender.stop()
        self.assertFalse(thread.is_alive())

    def test_stop_does_not_wait_for_a_hung_compute_api(self):
        conf = self.make_conf(timeout=60)
        sender = sender_mod.OutboxSender(conf, self.db).start()
        thread = sender._thread
        self.peer.default = lambda events: (200, 'hang')
        self.enqueue(str(uuid.uuid4()))
        wait_for(lambda: self.peer.requests)
        sender.stop(timeout=0.05)
        # The abandoned attempt is handed back: a restarted sender sends it
        # at once rather than after the claim's lease.
        (event,) = status.list_events(self.db)
        self.assertEqual(('pending', 0, None),
                         (event['status'], event['attempts'],
                          event['next_attempt_at']))
        self.peer.release_hung()
        thread.join(15)
        self.assertFalse(thread.is_alive())
        (event,) = status.list_events(self.db)
        self.assertEqual(0, event['attempts'])


class TestSenderLog(SenderTestCase):

    def test_backlog_line_without_credentials(self):
        log = self.useFixture(fixtures.FakeLogger(level='DEBUG'))
        sender = sender_mod.OutboxSender(self.make_conf(), self.db)
        self.peer.default = lambda events: peer.nova_fault(503, 'down')
        self.enqueue(str(uuid.uuid4()))
        self.enqueue(str(uuid.uuid4()))
        sender.drain_once()
        self.assertRegex(log.output, 'Outbox backlog: 2 power-update events '
                         r'pending, oldest \d+\.\d s')
        self.assertIn('will retry', log.output)
        self.assertNotIn('admin:admin', log.output)

    def test_disabled_notifications_are_logged(self):
        log = self.useFixture(fixtures.FakeLogger())
        conf = self.make_conf(send_power_notifications=False)
        self.enqueue(str(uuid.uuid4()))
        sender_mod.OutboxSender(conf, self.db).drain_once()
        self.assertIn('Not sending 1 power-update events', log.output)


class TestManageCommands(SenderTestCase):

    def manage(self, *argv):
        command = cfg.SubCommandOpt(
            'category', handler=outbox_commands.add_outbox_parsers)
        conf = self.useFixture(peer.NotifierConf(
            connection=self.url, argv=argv, cli_opts=[command])).conf
        out = self.useFixture(fixtures.MonkeyPatch('sys.stdout',
                                                   io.StringIO())).new_value
        conf.category.func(conf)
        return out.getvalue()

    def populate(self):
        unknown = str(uuid.uuid4())
        self.peer.codes = {unknown: 404}
        self.enqueue(unknown)
        self.enqueue(str(uuid.uuid4()))
        sender_mod.OutboxSender(self.make_conf(), self.db).drain_once()
        self.enqueue(str(uuid.uuid4()))
        return unknown

    def test_status(self):
        unknown = self.populate()
        lines = self.manage('outbox', 'status').splitlines()
        self.assertRegex(lines[0], r'^pending: 1 \(oldest \d+\.\d s; 0 in '
                         r'flight, 0 waiting to retry\)$')
        self.assertEqual(['delivered: 1', 'undeliverable: 1',
                          'superseded: 0', 'last errors:'], lines[1:5])
        self.assertIn('instance=%s' % unknown, lines[5])
        self.assertIn('reason: 404', lines[5])

    def test_status_text_is_the_default(self):
        self.populate()

        def ageless(text):
            # The oldest pending age moves between the two calls.
            return re.sub(r'oldest \d+\.\d s', 'oldest N s', text)
        self.assertEqual(
            ageless(self.manage('outbox', 'status')),
            ageless(self.manage('outbox', 'status', '--format', 'text')))

    def test_status_json(self):
        unknown = self.populate()
        out = self.manage('outbox', 'status', '--format', 'json')
        self.assertEqual(1, len(out.splitlines()), out)
        summary = json.loads(out)
        (error,) = summary.pop('last_errors')
        self.assertIsInstance(summary.pop('oldest_pending_age'), float)
        self.assertEqual({'pending': 1, 'delivered': 1, 'undeliverable': 1,
                          'superseded': 0, 'in_flight': 0, 'retrying': 0,
                          'authorization_fault': None}, summary)
        self.assertEqual((unknown, 'undeliverable', 1),
                         (error['instance_uuid'], error['status'],
                          error['attempts']))
        self.assertIn('404', error['last_error'])
        # Timestamps as the APIs print them.
        self.assertRegex(error['created_at'],
                         r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}')

    def test_status_json_of_an_empty_outbox(self):
        self.assertEqual(
            {'pending': 0, 'delivered': 0, 'undeliverable': 0,
             'superseded': 0, 'in_flight': 0, 'retrying': 0,
             'oldest_pending_age': None, 'last_errors': [],
             'authorization_fault': None},
            json.loads(self.manage('outbox', 'status', '--format', 'json')))

    def test_bad_format_is_refused(self):
        self.assertRaises(SystemExit, self.manage, 'outbox', 'status',
                          '--format', 'yaml')

    def test_list_undeliverable(self):
        unknown = self.populate()
        (line,) = self.manage('outbox', 'list', '--status',
                              'undeliverable').splitlines()
        self.assertRegex(line, r'^\d+ undeliverable POWER_ON instance=%s '
                         r'node=\S+ attempts=1 at=\S+ reason: 404: ' % unknown)

    def test_list_all(self):
        self.populate()
        lines = self.manage('outbox', 'list').splitlines()
        self.assertEqual(['undeliverable', 'delivered', 'pending'],
                         [line.split()[1] for line in lines])

    def test_bad_status_is_refused(self):
        self.assertRaises(SystemExit, self.manage, 'outbox', 'list',
                          '--status', 'lost')
