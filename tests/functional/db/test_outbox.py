"""The event outbox on SQLite, PostgreSQL and MariaDB.

Rows are written with enqueue_power_update and drained by real senders
into a scripted Compute API (tests/fixtures/compute_peer.py).
"""

import datetime
import random
import threading
import uuid

import testscenarios
import testtools

from baremetal_notifier.notifier import outbox as sender_mod
from baremetal_notifier.notifier import status
from baremetal_notifier.objects import outbox as outbox_obj
from powerbridge import db as db_utils
from tests.fixtures import compute_peer as peer
from tests.fixtures import dbfixture

load_tests = testscenarios.load_tests_apply_scenarios


class Ceiling:
    """A random source at the top of full jitter's range: backoff delays
    are then exactly the capped exponential bound."""

    def uniform(self, low, high):
        return high


class OutboxTestCase(testtools.TestCase):
    """A migrated baremetal database, a scripted peer and a sender."""

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        database = self.useFixture(
            dbfixture.ServiceDatabase(self.backend, 'baremetal'))
        self.db = database.db
        self.url = database.url
        self.peer = self.useFixture(peer.ScriptedComputeAPI())
        self.conf = self.make_conf()
        self.sender = self.make_sender()

    def make_conf(self, **nova):
        options = peer.admin_token_options(self.peer.endpoint)
        options.update(nova)
        return self.useFixture(peer.NotifierConf(**options)).conf

    def make_sender(self, conf=None, db=None):
        return sender_mod.OutboxSender(conf or self.conf, db or self.db,
                                       rng=random.Random(42))

    def enqueue(self, instance_uuid, power_state='power on', db=None):
        with (db or self.db).writer.using(
                outbox_obj.new_context()) as session:
            return outbox_obj.enqueue_power_update(
                session, str(uuid.uuid4()), instance_uuid, power_state)

    def rows(self, **filters):
        events = status.list_events(self.db, limit=0)
        return [e for e in events
                if all(e[k] == v for k, v in filters.items())]

    def sent(self):
        return [(e['server_uuid'], e['tag']) for e in self.peer.sent_events()]


class TestEnqueue(OutboxTestCase):

    def test_only_power_on_and_off_of_nodes_with_an_instance(self):
        instance = str(uuid.uuid4())
        self.assertTrue(self.enqueue(instance, 'power on'))
        self.assertTrue(self.enqueue(instance, 'power off'))
        for state in ('error', None, 'rebooting', 'soft power off'):
            self.assertFalse(self.enqueue(instance, state))
        self.assertFalse(self.enqueue(None, 'power on'))
        self.assertFalse(self.enqueue('', 'power off'))
        rows = self.rows()
        self.assertEqual([('POWER_ON', 'pending', 0),
                          ('POWER_OFF', 'pending', 0)],
                         [(r['tag'], r['status'], r['attempts'])
                          for r in rows])
        self.assertLess(rows[0]['id'], rows[1]['id'])

    def test_row_rolls_back_with_the_callers_transaction(self):
        class Boom(Exception):
            pass

        def failed_state_change():
            with self.db.writer.using(outbox_obj.new_context()) as session:
                outbox_obj.enqueue_power_update(
                    session, str(uuid.uuid4()), str(uuid.uuid4()), 'power on')
                raise Boom()
        self.assertRaises(Boom, failed_state_change)
        self.assertEqual([], self.rows())


class TestDrain(OutboxTestCase):

    def test_coalesces_per_instance_and_keeps_id_order(self):
        a, b, c = (str(uuid.uuid4()) for _ in range(3))
        self.enqueue(a, 'power off')
        self.enqueue(b, 'power off')
        self.enqueue(a, 'power on')
        self.enqueue(c, 'power on')
        self.enqueue(a, 'power off')
        summary = self.sender.drain_once()
        self.assertEqual(1, summary.batches)
        self.assertEqual(2, summary.superseded)
        self.assertEqual([(b, 'POWER_OFF'), (c, 'POWER_ON'),
                          (a, 'POWER_OFF')], self.sent())
        self.assertEqual(['superseded', 'delivered', 'superseded',
                          'delivered', 'delivered'],
                         [r['status'] for r in self.rows()])
        self.assertEqual(0, self.sender.drain_once().batches)

    def test_batches_of_outbox_batch_size(self):
        sender = self.make_sender(self.make_conf(outbox_batch_size=3))
        instances = [str(uuid.uuid4()) for _ in range(7)]
        for instance in instances:
            self.enqueue(instance)
        summary = sender.drain_once()
        self.assertEqual((3, 7), (summary.batches, summary.delivered))
        self.assertEqual([3, 3, 1], [len(r['body']['events'])
                                     for r in self.peer.requests])
        self.assertEqual(instances, [u for u, _t in self.sent()])

    def test_newer_row_during_flight_is_left_for_its_own_send(self):
        instance = str(uuid.uuid4())
        self.enqueue(instance, 'power off')

        def answer(events):
            # The hardware changes again while the POST is on the wire.
            self.enqueue(instance, 'power on')
            return self.peer.echo(events)
        self.peer.script = [answer]
        self.sender.drain_once()
        self.assertEqual([(instance, 'POWER_OFF'), (instance, 'POWER_ON')],
                         self.sent())
        self.assertEqual(['delivered', 'delivered'],
                         [r['status'] for r in self.rows()])

    def test_failed_older_event_is_superseded_not_resent(self):
        instance = str(uuid.uuid4())
        self.enqueue(instance, 'power off')

        def answer(events):
            self.enqueue(instance, 'power on')
            return peer.nova_fault(500, 'boom')
        self.peer.script = [answer]
        first = self.sender.drain_once()
        self.assertEqual((1, 1), (first.batches, first.retried))
        older, newer = self.rows()
        self.assertEqual(('pending', 1), (older['status'], older['attempts']))
        self.assertIn('500', older['last_error'])
        self.assertEqual(('pending', 0), (newer['status'], newer['attempts']))
        self.sender.drain_once()
        self.assertEqual([(instance, 'POWER_OFF'), (instance, 'POWER_ON')],
                         self.sent())
        self.assertEqual(['superseded', 'delivered'],
                         [r['status'] for r in self.rows()])

    def test_undeliverable_events_never_block_or_come_back(self):
        good, unknown, hostless = (str(uuid.uuid4()) for _ in range(3))
        self.peer.codes = {unknown: 404, hostless: 422}
        for instance in (unknown, good, hostless):
            self.enqueue(instance)
        self.sender.drain_once()
        rows = {r['instance_uuid']: r for r in self.rows()}
        self.assertEqual('delivered', rows[good]['status'])
        self.assertEqual('undeliverable', rows[unknown]['status'])
        self.assertIn('404', rows[unknown]['last_error'])
        self.assertIn('422', rows[hostless]['last_error'])
        self.assertEqual(0, self.sender.drain_once().batches)
        self.assertEqual(1, len(self.peer.requests))

    def test_retry_backoff_doubles_up_to_the_cap(self):
        sender = sender_mod.OutboxSender(
            self.make_conf(retry_initial_delay=10, retry_max_delay=25),
            self.db, rng=Ceiling())
        self.enqueue(str(uuid.uuid4()))
        self.peer.default = lambda events: peer.nova_fault(500, 'boom')
        delays = []
        for attempt in range(1, 5):
            before = db_utils.utcnow()
            self.assertEqual(1, sender.drain_once().retried)
            (row,) = self.rows()
            self.assertEqual(attempt, row['attempts'])
            delays.append((row['next_attempt_at'] - before).total_seconds())
            # Not due yet: a second drain sends nothing.
            self.assertEqual(0, sender.drain_once().batches)
            self.make_due()
        # MySQL DATETIME keeps whole seconds (rounded): allow one second.
        for delay, expected in zip(delays, [10, 20, 25, 25], strict=True):
            self.assertTrue(expected - 1 <= delay <= expected + 1, delays)
        self.assertEqual(4, len(self.peer.requests))

    def make_due(self):
        past = db_utils.utcnow() - datetime.timedelta(seconds=5)
        with self.db.writer.using(outbox_obj.new_context()) as session:
            session.execute(outbox_obj.OUTBOX.update()
                            .values(next_attempt_at=past))

    def test_outage_backlog_goes_out_once_the_api_answers(self):
        sender = sender_mod.OutboxSender(
            self.make_conf(retry_initial_delay=600, retry_max_delay=600),
            self.db, rng=Ceiling())
        down = [str(uuid.uuid4()) for _ in range(3)]
        broken = str(uuid.uuid4())
        for instance in down:
            self.enqueue(instance)
        self.peer.script = [lambda ev: peer.nova_fault(503, 'down')]
        sender.drain_once()
        self.enqueue(broken)
        self.peer.script = [lambda ev: peer.nova_fault(500, 'bug')]
        sender.drain_once()
        self.assertEqual(0, sender.drain_once().batches)
        # A new event gets through: the Compute API is back, so the 503
        # backlog goes at once; the 500 keeps its own backoff.
        late = str(uuid.uuid4())
        self.enqueue(late)
        summary = sender.drain_once()
        self.assertEqual(4, summary.delivered)
        rows = {r['instance_uuid']: r for r in self.rows()}
        self.assertEqual('pending', rows[broken]['status'])
        self.assertEqual(['delivered'] * 4,
                         [rows[i]['status'] for i in down + [late]])

    def test_notifications_disabled_sends_nothing_and_says_why(self):
        sender = self.make_sender(self.make_conf(
            send_power_notifications=False))
        self.enqueue(str(uuid.uuid4()))
        self.assertEqual(1, sender.drain_once().undeliverable)
        (row,) = self.rows()
        self.assertEqual('undeliverable', row['status'])
        self.assertEqual(sender_mod.DISABLED_REASON, row['last_error'])
        self.assertEqual([], self.peer.requests)


class TestRestartAndConcurrency(OutboxTestCase):

    def test_new_sender_picks_up_a_dead_senders_rows(self):
        instances = [str(uuid.uuid4()) for _ in range(3)]
        for instance in instances:
            self.enqueue(instance)
        # A sender claimed the first two an hour ago and died mid-POST.
        long_ago = db_utils.utcnow() - datetime.timedelta(hours=1)
        claims, _s = outbox_obj.claim_batch(self.db, long_ago, 2, 30)
        self.assertEqual(2, len(claims))
        self.assertEqual(['pending'] * 3,
                         [r['status'] for r in self.rows()])
        other_db = db_utils.Database(self.url)
        self.addCleanup(other_db.dispose)
        self.make_sender(db=other_db).drain_once()
        self.assertEqual(sorted(instances), sorted(u for u, _ in self.sent()))
        self.assertEqual(['delivered'] * 3, [r['status'] for r in self.rows()])
        self.assertEqual([2, 2, 1], [r['attempts'] for r in self.rows()])

    def test_claimed_rows_and_their_instances_wait_for_the_lease(self):
        instance = str(uuid.uuid4())
        self.enqueue(instance, 'power off')
        claims, _s = outbox_obj.claim_batch(self.db, db_utils.utcnow(), 5, 60)
        self.assertEqual(1, len(claims))
        self.enqueue(instance, 'power on')
        # The older event is in flight elsewhere: the newer must not race
        # it to the Compute API.
        self.assertEqual(0, self.sender.drain_once().batches)
        outbox_obj.release(self.db, claims, db_utils.utcnow())
        self.sender.drain_once()
        self.assertEqual([(instance, 'POWER_ON')], self.sent())

    def test_concurrent_senders_never_double_send_or_reorder(self):
        conf = self.make_conf(outbox_batch_size=7)
        instances = [str(uuid.uuid4()) for _ in range(12)]
        rng = random.Random(7)
        producer_db = db_utils.Database(self.url)
        self.addCleanup(producer_db.dispose)
        done = threading.Event()
        errors = []

        def produce():
            try:
                for _ in range(120):
                    self.enqueue(rng.choice(instances),
                                 rng.choice(['power on', 'power off']),
                                 db=producer_db)
            except Exception as exc:  # reported by the assertion below
                errors.append(exc)
            finally:
                done.set()

        def drain(sender):
            try:
                while not done.is_set():
                    sender.drain_once()
                sender.drain_once()
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=produce)]
        for _ in range(2):
            database = db_utils.Database(self.url)
            self.addCleanup(database.dispose)
            threads.append(threading.Thread(
                target=drain, args=(self.make_sender(conf, database),)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertEqual([], errors)
        self.make_sender(conf).drain_once()
        rows = self.rows()
        delivered = [r for r in rows if r['status'] == 'delivered']
        self.assertEqual({'delivered', 'superseded'},
                         {r['status'] for r in rows})
        # Each delivered row was sent exactly once, and per instance the
        # Compute API saw the delivered rows in id order, ending with the
        # newest state.
        self.assertEqual(len(delivered), len(self.sent()))
        for instance in instances:
            mine = [r for r in rows if r['instance_uuid'] == instance]
            if not mine:
                continue
            self.assertEqual(
                [r['tag'] for r in delivered
                 if r['instance_uuid'] == instance],
                [t for u, t in self.sent() if u == instance])
            self.assertEqual('delivered', mine[-1]['status'])


class TestStatus(OutboxTestCase):

    def test_counts_backlog_and_last_errors(self):
        unknown = str(uuid.uuid4())
        self.peer.codes = {unknown: 404}
        self.enqueue(unknown)
        self.enqueue(str(uuid.uuid4()))
        self.sender.drain_once()
        waiting = str(uuid.uuid4())
        self.enqueue(waiting)
        later = db_utils.utcnow() + datetime.timedelta(seconds=90)
        summary = status.outbox_status(self.db, now=later)
        self.assertEqual(
            (1, 1, 1, 0, 0, 0),
            tuple(summary[k] for k in ('pending', 'delivered',
                                       'undeliverable', 'superseded',
                                       'retrying', 'in_flight')))
        self.assertTrue(89 <= summary['oldest_pending_age'] <= 92)
        (error,) = summary['last_errors']
        self.assertEqual(unknown, error['instance_uuid'])
        self.assertEqual((1, summary['oldest_pending_age']),
                         status.backlog(self.db, now=later))
        listed = status.list_events(self.db, status='undeliverable')
        self.assertEqual([unknown], [e['instance_uuid'] for e in listed])
        line = status.format_event(listed[0])
        self.assertIn('undeliverable POWER_ON instance=%s' % unknown, line)
        self.assertIn('reason: 404', line)
