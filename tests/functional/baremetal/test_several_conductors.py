"""Several baremetal-notifier-conductor processes on one database.

Three conductors (each its own process, host and outbox sender) share
twelve nodes whose BMCs are virtual BMCs in this process, on PostgreSQL,
MariaDB and SQLite. Each node's BMC flip is recorded by exactly one
conductor, the ring owner, and its event reaches the Compute API once;
a conductor killed with SIGKILL loses its nodes (and the lock it held) to
the others once heartbeat_timeout has passed; one stopped with SIGTERM
loses them at once; a second process under a running conductor's name is
refused; the killed one, restarted, gets its share back.
"""

import collections
import json
import os
import signal
import subprocess
import time
import uuid

import fixtures
import sqlalchemy as sa
import testscenarios
import testtools
from testtools import content

from baremetal_notifier import context
from baremetal_notifier.db import models
from powerbridge.stack import layout
from tests.fixtures import compute_peer as peer
from tests.fixtures import conductor as conductor_fixtures
from tests.fixtures import dbfixture
from tests.fixtures import processes
from tests.fixtures import vbmc
from tests.fixtures.waiting import wait_for

NODES = models.Node.__table__
OUTBOX = models.EventOutbox.__table__
HOSTS = ('cond-a', 'cond-b', 'cond-c')
COUNT = 12
HEARTBEAT_TIMEOUT = 4
INTERVAL = 1
# What a loaded machine may add to heartbeat_timeout + one cycle before
# the takeover counts as late (the default timeout alone is 60 s).
SLACK = 12


def changed_line(node_uuid, state):
    return ("Node %s: power state '%s' does not match the recorded state"
            % (node_uuid, state))


class TestSeveralConductors(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        reason = dbfixture.unreachable_reason(self.backend)
        if reason:
            self.skipTest(reason)
        self.tmp = self.useFixture(fixtures.TempDir()).path
        database = self.useFixture(dbfixture.ServiceDatabase(
            self.backend, 'baremetal'))
        self.url, self.db = database.url, database.db
        self.ctx = context.admin_context(self.db)
        self.fleet = self.useFixture(vbmc.FleetFixture(COUNT)).fleet
        self.peer = self.useFixture(peer.ScriptedComputeAPI())
        self.nodes = [self.add_node(i) for i in range(COUNT)]
        self.instance = {}
        self.procs = {}
        for host in HOSTS:
            self.start(host)
        self.view = conductor_fixtures.observer_ring(
            self.ctx, HEARTBEAT_TIMEOUT)
        wait_for(lambda: self.view.refresh() == set(HOSTS),
                 'three live conductors')

    # -- set-up ------------------------------------------------------------

    def add_node(self, index):
        node_uuid = str(uuid.uuid4())
        info = {'ipmi_address': '127.0.0.1',
                'ipmi_port': self.fleet.ports[index],
                'ipmi_username': vbmc.USERNAME,
                'ipmi_password': vbmc.PASSWORD}
        with self.db.writer.using(self.ctx) as session:
            session.execute(NODES.insert().values(
                uuid=node_uuid, driver='ipmi', driver_info=json.dumps(info),
                provision_state='active', maintenance=False,
                power_sync_failures=0, power_state='power off',
                instance_uuid=str(uuid.uuid4())))
        return node_uuid

    def config(self, host):
        path = os.path.join(self.tmp, host + '.conf')
        layout.write_config(path, {
            'DEFAULT': {'host': host, 'state_path': self.tmp},
            'database': {'connection': self.url},
            'conductor': {'heartbeat_interval': INTERVAL,
                          'heartbeat_timeout': HEARTBEAT_TIMEOUT,
                          'sync_power_state_interval': INTERVAL,
                          'power_failure_recovery_interval': 0,
                          'power_state_change_timeout': 5},
            'ipmi': {'min_command_interval': 0.2},
            'nova': dict(peer.admin_token_options(self.peer.endpoint, 5),
                         outbox_poll_interval=0.2),
        })
        return path

    def start(self, host):
        log_path = os.path.join(self.tmp, host + '.log')
        with open(log_path, 'wb') as log:
            popen = subprocess.Popen(
                processes.console_script('baremetal-notifier-conductor')
                + ['--config-file', self.config(host)],
                stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        self.procs[host] = (popen, log_path)
        self.addCleanup(self._reap, popen)
        self.addOnException(lambda _exc_info, host=host: self.addDetail(
            host + '.log', content.text_content(self.log(host))))

    @staticmethod
    def _reap(popen):
        if popen.poll() is None:
            popen.kill()
            popen.wait()

    def log(self, host):
        with open(self.procs[host][1], encoding='utf-8',
                  errors='replace') as log:
            return log.read()

    def manage(self, *args):
        return subprocess.run(
            processes.console_script('baremetal-notifier-manage')
            + ['--config-file', self.config(HOSTS[0])] + list(args),
            check=True, capture_output=True, text=True).stdout

    def conductor_list(self):
        out = self.manage('conductor', 'list', '--format', 'json')
        return {c['host']: c for c in json.loads(out)['conductors']}

    # -- observing ---------------------------------------------------------

    def states(self, nodes):
        with self.db.reader.using(self.ctx) as session:
            return dict(session.execute(
                sa.select(NODES.c.uuid, NODES.c.power_state)
                .where(NODES.c.uuid.in_(nodes))).all())

    def flip(self, nodes, on):
        for node in nodes:
            self.fleet.set_power(self.nodes.index(node), on)
        state = 'power on' if on else 'power off'
        return lambda: all(s == state for s in self.states(nodes).values())

    def lines(self):
        """{(host, node, state): times its log says the flip was seen}."""
        logs = {h: self.log(h) for h in HOSTS}
        return collections.Counter({
            (h, n, state): logs[h].count(changed_line(n, state))
            for h in HOSTS for n in self.nodes
            for state in ('power on', 'power off')})

    def recorders(self, before, node, state):
        """Hosts that logged a new flip of ``node`` to ``state``, one per
        time they did."""
        after = self.lines()
        return sorted(h for h in HOSTS
                      for _ in range(after[(h, node, state)]
                                     - before[(h, node, state)]))

    def events(self):
        return collections.Counter((e['server_uuid'], e['tag'])
                                   for e in self.peer.sent_events())

    def instances(self, nodes):
        with self.db.reader.using(self.ctx) as session:
            return dict(session.execute(
                sa.select(NODES.c.uuid, NODES.c.instance_uuid)
                .where(NODES.c.uuid.in_(nodes))).all())

    # -- the test ----------------------------------------------------------

    def test_share_takeover_and_clean_stop(self):
        owners = {n: self.view.owner_of(n, '') for n in self.nodes}
        listed = self.conductor_list()
        self.assertEqual({h: sum(1 for o in owners.values() if o == h)
                          for h in HOSTS},
                         {h: listed[h]['nodes_owned'] for h in HOSTS})
        host = HOSTS[0]
        self.assertEqual(
            sorted(n for n in self.nodes if owners[n] == host),
            [line.split()[0] for line in self.manage(
                'conductor', 'nodes', '--host', host).splitlines()])
        text = self.manage('conductor', 'list').splitlines()
        self.assertEqual(['host', 'group', 'online', 'alive'],
                         text[0].split()[:4])
        self.assertEqual(sorted(HOSTS), sorted(t.split()[0]
                                               for t in text[1:]))
        instances = self.instances(self.nodes)
        expected = collections.Counter()

        # Each flip is recorded by exactly one conductor: the owner.
        before = self.lines()
        wait_for(self.flip(self.nodes, True), 'every flip recorded')
        for node in self.nodes:
            self.assertEqual([owners[node]],
                             self.recorders(before, node, 'power on'))
        expected.update((instances[n], 'POWER_ON') for n in self.nodes)
        wait_for(lambda: self.events() == expected,
                 'each event delivered once', seen=self.events)
        # NOTE: and recorded as such: a sender killed between the Compute
        # API's answer and that write sends again once its lease ends
        # (at least once; a repeated power-update changes nothing).
        wait_for(lambda: not self.pending(), 'the outbox recorded')

        # SIGKILL the conductor owning most nodes, as if in the middle of
        # a power action on one of them.
        victim = max(HOSTS, key=lambda h: (listed[h]['nodes_owned'], h))
        theirs = [n for n in self.nodes if owners[n] == victim]
        popen, _log = self.procs[victim]
        popen.kill()
        popen.wait()
        killed_at = time.monotonic()
        with self.db.writer.using(self.ctx) as session:
            session.execute(NODES.update().where(NODES.c.uuid == theirs[0])
                            .values(reservation=victim,
                                    target_power_state='power off'))
        before = self.lines()
        recorded = self.flip(theirs[1:], False)
        wait_for(lambda: recorded() and self.unlocked(theirs[0]),
                 "the killed conductor's nodes taken over",
                 seen=lambda: self.states(theirs))
        took = time.monotonic() - killed_at
        self.addDetail('takeover-seconds', content.text_content(
            '%.2f' % took))
        self.assertLess(took, HEARTBEAT_TIMEOUT + INTERVAL + SLACK)
        survivors = [h for h in HOSTS if h != victim]
        self.assertEqual(set(survivors), self.view.refresh())
        for node in theirs[1:]:
            self.assertEqual([self.view.owner_of(node, '')],
                             self.recorders(before, node, 'power off'))
        # Only the node's new owner released the lock, aborting the
        # action the killed conductor left.
        self.assertEqual(
            [self.view.owner_of(theirs[0], '')],
            [h for h in survivors if 'took over 1 nodes locked by conductor '
             '%s, which is gone' % victim in self.log(h)])
        self.assertIn('aborting 1 power actions', self.log(
            self.view.owner_of(theirs[0], '')))
        expected.update((instances[n], 'POWER_OFF') for n in theirs[1:])
        wait_for(lambda: self.events() == expected,
                 'each event delivered once', seen=self.events)

        # SIGTERM another: offline at once, the last one owns every node.
        stopped, last = sorted(survivors, key=lambda h: -sum(
            1 for n in self.nodes if self.view.owner_of(n, '') == h))
        popen, _log = self.procs[stopped]
        popen.send_signal(signal.SIGTERM)
        self.assertEqual(0, popen.wait(processes.STOP_TIMEOUT))
        self.assertNotIn('Traceback', self.log(stopped))
        listed = self.conductor_list()
        self.assertEqual((False, False), (listed[stopped]['online'],
                                          listed[stopped]['alive']))
        self.assertFalse(listed[victim]['alive'])
        self.assertEqual((True, COUNT), (listed[last]['alive'],
                                         listed[last]['nodes_owned']))
        before = self.lines()
        back_on = self.flip(theirs[1:], True)
        others = [n for n in self.nodes if n not in theirs[1:]]
        off = self.flip(others, False)
        wait_for(lambda: back_on() and off(), 'the last conductor syncs all')
        for node in self.nodes:
            state = 'power on' if node in theirs[1:] else 'power off'
            self.assertEqual([last], self.recorders(before, node, state))
        expected.update((instances[n], 'POWER_ON') for n in theirs[1:])
        expected.update((instances[n], 'POWER_OFF') for n in others)
        wait_for(lambda: self.events() == expected,
                 'each event delivered once', seen=self.events)

        # A second process under a running conductor's name is refused
        # (after two heartbeat intervals that show the name is in use).
        twin = subprocess.run(
            processes.console_script('baremetal-notifier-conductor')
            + ['--config-file', self.config(last)], capture_output=True,
            text=True, timeout=60)
        self.assertEqual(2, twin.returncode)
        self.assertIn('cannot start ConductorManager: a conductor named %s '
                      'is already running' % last, twin.stderr)
        self.assertTrue(self.conductor_list()[last]['alive'])

        # The killed conductor comes back: its share returns to it.
        self.start(victim)
        wait_for(lambda: self.view.refresh() == {victim, last},
                 'the killed conductor back in the ring')
        back = [n for n in self.nodes
                if self.view.owner_of(n, '') == victim]
        self.assertEqual(len(back), self.conductor_list()[victim][
            'nodes_owned'])
        self.assertTrue(set(theirs) <= set(back))
        # Those that are off now (the rest were switched on before).
        changing = [n for n in back if n not in theirs[1:]]
        before = self.lines()
        wait_for(self.flip(back, True), 'flips recorded')
        for node in changing:
            self.assertEqual([victim],
                             self.recorders(before, node, 'power on'))
        expected.update((instances[n], 'POWER_ON') for n in changing)
        wait_for(lambda: self.events() == expected,
                 'each event delivered once', seen=self.events)
        for host in (victim, last):
            popen, _log = self.procs[host]
            popen.send_signal(signal.SIGTERM)
            self.assertEqual(0, popen.wait(processes.STOP_TIMEOUT))
            self.assertNotIn('Traceback', self.log(host))

    def pending(self):
        with self.db.reader.using(self.ctx) as session:
            return session.execute(sa.select(sa.func.count()).where(
                OUTBOX.c.status == 'pending')).scalar()

    def unlocked(self, node):
        with self.db.reader.using(self.ctx) as session:
            row = session.execute(sa.select(
                NODES.c.reservation, NODES.c.target_power_state)
                .where(NODES.c.uuid == node)).one()
        return tuple(row) == (None, None)
