"""Conductor membership, node ownership and takeover on SQLite,
PostgreSQL and MariaDB."""

import datetime
import os
import threading
import time

import fixtures
from oslo_db import exception as db_exc
import sqlalchemy as sa
import testscenarios
import testtools

from baremetal_notifier.conductor import heartbeat
from baremetal_notifier.conductor import ownership
from baremetal_notifier.conductor import takeover
from baremetal_notifier.conf import conductor as conductor_conf
from baremetal_notifier import context
from baremetal_notifier.db import models
from baremetal_notifier.objects import conductors
from baremetal_notifier.objects import node_power
from powerbridge import db
from powerbridge import hashring
from tests.fixtures import conductor as cf
from tests.fixtures import dbfixture

CONDUCTORS = models.Conductor.__table__
TIMEOUT = 30


class OwnershipTestCase(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        self.logger = self.useFixture(fixtures.FakeLogger(level='INFO'))
        self.cf = self.useFixture(cf.ConductorFixture(
            self.backend, conductor={'heartbeat_timeout': TIMEOUT}))
        self.ctx = self.cf.ctx
        self.conf = self.cf.conf

    def view(self, host, group=''):
        view = ownership.Ownership(self.ctx, host, group, self.conf)
        view.refresh()
        return view

    def age_heartbeat(self, host, seconds):
        """Make ``host``'s last heartbeat ``seconds`` old by the
        database's clock (a conductor that stopped heartbeating)."""
        with self.ctx.db.writer.using(self.ctx) as session:
            then = db.server_utcnow(session) - datetime.timedelta(
                seconds=seconds)
            session.execute(CONDUCTORS.update().where(
                CONDUCTORS.c.hostname == host).values(updated_at=then))

    def nodes(self, count, **values):
        return [self.cf.add_node(**values) for _ in range(count)]


class TestMembership(OwnershipTestCase):

    def test_every_node_has_exactly_one_owner(self):
        for host in ('c-2', 'c-3'):
            heartbeat.register(self.ctx, host)
        nodes = self.nodes(60)
        views = [self.view(h) for h in (cf.HOST, 'c-2', 'c-3')]
        self.assertEqual({cf.HOST, 'c-2', 'c-3'}, views[0].live_hosts())
        shares = {}
        for node in nodes:
            owners = [v.host for v in views if v.owns(node)]
            self.assertEqual(1, len(owners), node)
            # Every view names the same owner.
            self.assertEqual({owners[0]}, {v.owner_of(node, '')
                                           for v in views})
            shares[owners[0]] = shares.get(owners[0], 0) + 1
        # The ring spreads the nodes: each of three owns some.
        self.assertEqual(3, len(shares), shares)
        self.assertEqual(
            {cf.HOST: shares[cf.HOST]},
            {cf.HOST: len(views[0].owned_nodes())})

    def test_the_ring_takes_the_partition_exponent(self):
        self.conf.set_override('hash_partition_exponent', 8)
        for host in ('c-2', 'c-3'):
            heartbeat.register(self.ctx, host)
        view = self.view(cf.HOST)
        ring = hashring.HostRing(view.live_hosts(), 2 ** 8)
        for node in self.nodes(30):
            self.assertEqual(ring.owner(node), view.owner_of(node, ''))

    def test_silent_conductor_leaves_and_comes_back(self):
        heartbeat.register(self.ctx, 'c-2')
        nodes = self.nodes(30)
        before = self.view(cf.HOST)
        theirs = [n for n in nodes if before.owner_of(n, '') == 'c-2']
        self.assertTrue(theirs)
        self.age_heartbeat('c-2', TIMEOUT + 5)
        after = self.view(cf.HOST)
        self.assertEqual({cf.HOST}, after.live_hosts())
        self.assertTrue(all(after.owns(n) for n in nodes))
        # Its heartbeat again: exactly its old share goes back to it.
        heartbeat.Heartbeat(self.ctx, 'c-2').touch()
        back = self.view(cf.HOST)
        self.assertEqual(theirs, [n for n in nodes
                                  if back.owner_of(n, '') == 'c-2'])

    def test_clean_stop_leaves_at_once(self):
        heartbeat.register(self.ctx, 'c-2')
        heartbeat.unregister(self.ctx, 'c-2')
        self.assertEqual({cf.HOST}, self.view(cf.HOST).live_hosts())
        row, = [r for r in conductors.get_all(self.ctx, TIMEOUT)
                if r.hostname == 'c-2']
        self.assertEqual((False, False), (row.online, row.alive))

    def test_a_conductor_not_alive_by_its_own_row_owns_nothing(self):
        heartbeat.register(self.ctx, 'c-2')
        nodes = self.nodes(20)
        # Its heartbeats failed (say, the database was out of its reach)
        # for longer than the timeout: it and its peer agree it is gone.
        self.age_heartbeat(cf.HOST, TIMEOUT + 5)
        view, peer = self.view(cf.HOST), self.view('c-2')
        self.assertEqual({'c-2'}, view.live_hosts())
        self.assertFalse(any(view.owns(n) for n in nodes))
        self.assertTrue(all(peer.owns(n) for n in nodes))
        self.assertIn('owns no node until one is', self.logger.output)
        # Healthy again: one heartbeat, and the nodes split, each with
        # one owner in both views.
        heartbeat.Heartbeat(self.ctx, cf.HOST).touch()
        view.refresh()
        peer.refresh()
        for node in nodes:
            self.assertEqual(1, [view.owns(node), peer.owns(node)].count(
                True))
        self.assertTrue(any(view.owns(n) for n in nodes))

    def test_an_unreadable_database_means_owning_nothing(self):
        nodes = self.nodes(5)
        view = self.view(cf.HOST)
        self.assertTrue(all(view.owns(n) for n in nodes))
        # A database the conductor cannot read its tables from (an empty
        # one): every query fails.
        empty = db.Database('sqlite:///' + os.path.join(
            self.useFixture(fixtures.TempDir()).path, 'empty.db'))
        self.addCleanup(empty.dispose)
        view.ctx = context.admin_context(empty)
        self.assertRaises(db_exc.DBError, view.refresh)
        # A stale ring could make it a second owner: it owns nothing.
        self.assertFalse(any(view.owns(n) for n in nodes))
        self.assertEqual(set(), view.live_hosts())

    def test_heartbeat_is_the_database_clock(self):
        with self.ctx.db.reader.using(self.ctx) as session:
            now = db.server_utcnow(session)
        row, = conductors.get_all(self.ctx, TIMEOUT)
        # Registered by the fixture moments ago, by the same clock.
        self.assertLess(abs(row.age), 10)
        self.assertLessEqual(row.updated_at, now)


class TestSameHostTwice(OwnershipTestCase):

    def test_a_running_namesake_is_refused(self):
        beat = heartbeat.Heartbeat(self.ctx, cf.HOST)
        stop = threading.Event()

        def beating():
            while not stop.wait(0.2):
                beat.touch()
        thread = threading.Thread(target=beating)
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(stop.set)
        exc = self.assertRaises(heartbeat.HostInUse,
                                heartbeat.ensure_not_running, self.ctx,
                                cf.HOST, 1, TIMEOUT)
        self.assertIn('a conductor named %s is already running' % cf.HOST,
                      str(exc))

    def test_what_a_killed_run_left_is_not_a_namesake(self):
        started = time.monotonic()
        heartbeat.ensure_not_running(self.ctx, cf.HOST, 1, TIMEOUT)
        # It waited for a heartbeat that never came.
        self.assertGreaterEqual(time.monotonic() - started, 2)

    def test_offline_or_silent_rows_need_no_wait(self):
        heartbeat.unregister(self.ctx, cf.HOST)
        heartbeat.register(self.ctx, 'c-2')
        self.age_heartbeat('c-2', TIMEOUT + 5)
        started = time.monotonic()
        for host in (cf.HOST, 'c-2', 'never-seen'):
            heartbeat.ensure_not_running(self.ctx, host, 5, TIMEOUT)
        self.assertLess(time.monotonic() - started, 5)


class TestGroups(OwnershipTestCase):

    def test_nodes_go_only_to_their_groups_conductors(self):
        heartbeat.register(self.ctx, 'rack-a', 'rack1')
        default = self.nodes(10)
        rack1 = self.nodes(10, conductor_group='rack1')
        mine, rack = self.view(cf.HOST), self.view('rack-a', 'Rack1')
        self.assertTrue(all(mine.owns(n, '') for n in default))
        self.assertFalse(any(mine.owns(n, 'rack1') for n in rack1))
        # Case-insensitive, as Ironic's groups.
        self.assertTrue(all(rack.owns(n, 'RACK1') for n in rack1))
        self.assertFalse(any(rack.owns(n, '') for n in default))
        self.assertEqual({}, mine.waiting_groups())

    def test_group_without_live_conductor_waits_and_says_so(self):
        nodes = self.nodes(4, conductor_group='rack9')
        view = self.view(cf.HOST)
        self.assertEqual({'rack9': 4}, view.waiting_groups())
        self.assertEqual({None}, {view.owner_of(n, 'rack9') for n in nodes})
        self.assertFalse(any(view.owns(n, 'rack9') for n in nodes))
        line = "4 nodes of conductor group 'rack9' wait"
        self.assertEqual(1, self.logger.output.count(line))
        view.refresh()  # nothing changed: not said again
        self.assertEqual(1, self.logger.output.count(line))
        heartbeat.register(self.ctx, 'rack-9', 'rack9')
        view.refresh()
        self.assertEqual({}, view.waiting_groups())
        self.assertEqual({'rack-9'}, {view.owner_of(n, 'rack9')
                                      for n in nodes})

    def test_group_names_as_ironic_validates_them(self):
        self.assertEqual('rack-1.a_b', conductor_conf.validate_conductor_group(
            'Rack-1.A_b'))
        self.assertEqual('', conductor_conf.validate_conductor_group(''))
        for bad in ('rack 1', 'rack/1', 'x' * 256, None):
            self.assertRaises(ValueError,
                              conductor_conf.validate_conductor_group, bad)


class TestTakeover(OwnershipTestCase):

    def test_new_owner_releases_a_gone_conductors_locks(self):
        heartbeat.register(self.ctx, 'c-2')
        heartbeat.register(self.ctx, 'c-3')
        nodes = self.nodes(30)
        ring = self.view(cf.HOST)
        dead_nodes = [n for n in nodes if ring.owner_of(n, '') == 'c-2']
        for node in dead_nodes:
            self.cf.update_node(node, reservation='c-2',
                                target_power_state='power on')
        alive_lock = [n for n in nodes if ring.owner_of(n, '') == 'c-3'][0]
        self.cf.update_node(alive_lock, reservation='c-3')
        self.age_heartbeat('c-2', TIMEOUT + 5)
        mine, peer = self.view(cf.HOST), self.view('c-3')
        released = takeover.take_over(self.ctx, mine, TIMEOUT)
        # Only the nodes that are now ours; c-3 releases the rest.
        ours = [n for n in dead_nodes if mine.owns(n)]
        self.assertEqual(len(ours), released)
        self.assertEqual(len(dead_nodes) - len(ours),
                         takeover.take_over(self.ctx, peer, TIMEOUT))
        for node in dead_nodes:
            row = self.cf.node(node)
            self.assertEqual((None, None, takeover.ABORTED_BY_TAKEOVER),
                             (row['reservation'], row['target_power_state'],
                              row['last_error']))
        # A live conductor's lock is never touched.
        self.assertEqual('c-3', self.cf.node(alive_lock)['reservation'])
        self.assertEqual(0, takeover.take_over(self.ctx, mine, TIMEOUT))

    def test_holder_that_came_back_keeps_its_locks(self):
        heartbeat.register(self.ctx, 'c-2')
        node = self.cf.add_node(reservation='c-2')
        self.age_heartbeat('c-2', TIMEOUT + 5)
        view = self.view(cf.HOST)
        # c-2 heartbeats between the ring refresh and the release.
        heartbeat.Heartbeat(self.ctx, 'c-2').touch()
        self.assertEqual(0, takeover.take_over(self.ctx, view, TIMEOUT))
        self.assertEqual('c-2', self.cf.node(node)['reservation'])

    def test_sync_covers_owned_nodes_once_across_conductors(self):
        nodes = self.nodes(24)
        other = self.cf.new_manager(host='c-2')
        first = self.cf.manager.sync_power_states()
        second = other.sync_power_states()
        self.assertEqual(24, first.nodes + second.nodes)
        self.assertTrue(first.nodes and second.nodes)
        gets = [k for call in self.cf.driver.calls if call[0] == 'get'
                for k in call[1]]
        self.assertEqual(sorted(nodes), sorted(gets))
        self.assertEqual(first.nodes, self.cf.manager.nodes_owned)
        # c-2 stops cleanly: the next cycle here covers every node.
        other.stop(timeout=5)
        self.cf.driver.reset_calls()
        self.assertEqual(24, self.cf.manager.sync_power_states().nodes)
        self.assertEqual([], node_power.get_recovery_candidates(self.ctx))
        with self.ctx.db.reader.using(self.ctx) as session:
            self.assertEqual(0, session.execute(sa.select(
                sa.func.count()).where(
                    models.Node.__table__.c.reservation.is_not(
                        None))).scalar())
