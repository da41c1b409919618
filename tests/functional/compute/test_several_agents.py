"""Three compute agents sharing the nodes on one database.

Three ComputeAgents (in this process, as test_agent runs them; each with
its own Database handle, host and heartbeat) share the instances of
INSTANCES nodes through the hash ring, on SQLite, PostgreSQL and MariaDB,
next to a real Compute API (cheroot). Each instance is owned by exactly
one agent and the shares add up to all of them; an agent forced down
through PUT /os-services/{id} loses its instances to the two others on
their next ring pass, and gets them back when the flag is cleared; an
agent that stops heartbeating loses them once the servicegroup rule
(service_down_time) says it is down, and a restarted one rebalances.

No Bare Metal side is needed: the agents run no power sync and no power
action here, so only the ring and the services table are exercised.
"""

import os
import time
import uuid

import fixtures
from oslo_config import cfg
import requests
import testscenarios
import testtools

from compute_ext.compute import agent as compute_agent
from compute_ext.compute import hash_ring
from compute_ext.compute import states
from compute_ext import conf as compute_conf
from compute_ext import context as compute_context
from compute_ext import deploy
from compute_ext.objects import instances as instance_obj
from compute_ext.objects import services as service_obj
from compute_ext import policy
from compute_ext import servicegroup
from powerbridge import db
from powerbridge import hashring
from powerbridge.stack import layout
from tests.fixtures import dbfixture
from tests.fixtures import ironic as fake
from tests.fixtures.waiting import wait_for

HOSTS = ('agent-a', 'agent-b', 'agent-c')
INSTANCES = 30
RING_INTERVAL = 1
REPORT_INTERVAL = 1
SERVICE_DOWN_TIME = 5
# One ring pass is RING_INTERVAL; what a loaded machine (2 cores, other
# test runs) may add before a move counts as late.
SLACK = 8
ADMIN = {'X-Auth-Token': 'admin:admin',
         'OpenStack-API-Version': 'compute 2.53'}


class TestSeveralAgents(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        reason = dbfixture.unreachable_reason(self.backend)
        if reason:
            self.skipTest(reason)
        self.useFixture(fixtures.Timeout(120, gentle=True))
        self.tmp = self.useFixture(fixtures.TempDir()).path
        database = self.useFixture(dbfixture.ServiceDatabase(
            self.backend, 'compute'))
        self.db = database.db
        self.ctx = compute_context.admin_context(self.db)
        api_conf = self.conf('api')
        self.api_url = fake.serve(self, deploy.deploy(
            api_conf, self.db, policy.Enforcer(api_conf)))
        self.agents = {host: self.start_agent(host) for host in HOSTS}
        # The instances' nodes; host is set by whichever agent adopts it.
        self.servers = [instance_obj.create(
            self.ctx, name='server-%d' % i, node=str(uuid.uuid4()),
            host=None, vm_state=states.ACTIVE, power_state=states.RUNNING,
            project_id='p', user_id='u').uuid for i in range(INSTANCES)]
        self.view = hash_ring.NodeRing(
            self.ctx, servicegroup.ServiceGroup(self.conf('view')), None)

    def conf(self, name, host=None):
        path = os.path.join(self.tmp, name + '.conf')
        layout.write_config(path, {
            'DEFAULT': {'host': host or name, 'state_path': self.tmp,
                        'report_interval': REPORT_INTERVAL,
                        'service_down_time': SERVICE_DOWN_TIME,
                        'ring_refresh_interval': RING_INTERVAL,
                        'power_action_poll_interval': 0.5,
                        'sync_power_state_interval': 0},
            'api': {'auth_strategy': 'noauth2'},
            'database': {'connection': self.db.connection},
            # Never called: no power action or sync runs in this test.
            'baremetal': {'auth_type': 'none',
                          'endpoint_override': 'http://127.0.0.1:9'}})
        conf = cfg.ConfigOpts()
        compute_conf.register_opts(conf)
        conf(['--config-file', path], project='compute-ext',
             default_config_files=[])
        return conf

    def start_agent(self, host):
        handle = db.Database(self.db.connection)
        self.addCleanup(handle.dispose)
        agent = compute_agent.ComputeAgent(self.conf(host, host), handle)
        agent.start()
        self.addCleanup(agent.stop)
        return agent

    # -- observing ---------------------------------------------------------

    def instances(self):
        return instance_obj.get_by_uuids(self.ctx, self.servers).values()

    def hosts_of(self):
        """{instance uuid: instance.host}."""
        return {inst.uuid: inst.host for inst in self.instances()}

    def expected(self, live):
        """{instance uuid: owner} on a ring of the ``live`` hosts."""
        ring = hashring.HostRing(live)
        return {inst.uuid: ring.owner(inst.node)
                for inst in self.instances()}

    def settled(self, live):
        """Every instance on its owner in a ring of ``live``, and every
        running agent of ``live`` agreeing (its ring spans ``live``)."""
        return (self.hosts_of() == self.expected(live)
                and all(self.agents[h].ring.hosts == tuple(sorted(live))
                        for h in live))

    def assert_exactly_one_owner(self, live):
        hosts = self.hosts_of()
        for server in self.servers:
            owners = [h for h in live
                      if self.agents[h].ring.owns(
                          instance_obj.get_by_uuid(self.ctx, server).node)]
            self.assertEqual([hosts[server]], owners, server)
        shares = {h: len(self.agents[h].ring.my_instances()) for h in live}
        self.assertEqual(INSTANCES, sum(shares.values()), shares)
        # Thirty instances over three hosts: nobody is left empty.
        self.assertTrue(all(shares.values()), shares)
        return shares

    def wait_settled(self, live, what, timeout):
        wait_for(lambda: self.settled(live), what, timeout=timeout,
                 seen=self.hosts_of)

    def set_forced_down(self, host, forced_down):
        service = service_obj.get_by_host_and_binary(
            self.ctx, host, service_obj.COMPUTE_BINARY)
        response = requests.put(
            self.api_url + '/v2.1/os-services/%s' % service.uuid,
            json={'forced_down': forced_down}, headers=ADMIN, timeout=10)
        self.assertEqual(200, response.status_code, response.text)

    def is_up(self, host):
        return self.view.servicegroup.is_up(
            service_obj.get_by_host_and_binary(
                self.ctx, host, service_obj.COMPUTE_BINARY))

    # -- the test ----------------------------------------------------------

    def test_share_force_down_death_and_return(self):
        self.wait_settled(HOSTS, 'every instance adopted by its owner',
                          timeout=30)
        before = self.hosts_of()
        shares = self.assert_exactly_one_owner(HOSTS)

        # Forced down through the Compute API: gone from every ring on its
        # next pass; only its instances move.
        self.set_forced_down('agent-a', True)
        rest = ('agent-b', 'agent-c')
        self.wait_settled(rest, "agent-a's instances to move",
                          timeout=RING_INTERVAL + SLACK)
        after = self.hosts_of()
        moved = {u for u in self.servers if after[u] != before[u]}
        self.assertEqual({u for u in self.servers
                          if before[u] == 'agent-a'}, moved)
        self.assertEqual(shares['agent-a'], len(moved))
        self.assertEqual(0, len(self.agents['agent-a'].ring.my_instances()))
        self.assert_exactly_one_owner(rest)

        self.set_forced_down('agent-a', False)
        self.wait_settled(HOSTS, 'agent-a to take its instances back',
                          timeout=RING_INTERVAL + SLACK)
        self.assertEqual(before, self.hosts_of())

        # Dead: agent-b stops heartbeating. Its instances stay while the
        # servicegroup still counts it up, and move once it is down.
        self.agents['agent-b'].stop()
        wait_for(lambda: not self.is_up('agent-b'), 'agent-b to be down',
                 timeout=SERVICE_DOWN_TIME + SLACK)
        rest = ('agent-a', 'agent-c')
        self.wait_settled(rest, "agent-b's instances to move",
                          timeout=RING_INTERVAL + SLACK)
        after = self.hosts_of()
        self.assertEqual({u for u in self.servers
                          if before[u] == 'agent-b'},
                         {u for u in self.servers if after[u] != before[u]})
        self.assert_exactly_one_owner(rest)

        # Back (a new process would do the same: the row is reused).
        self.agents['agent-b'] = self.start_agent('agent-b')
        self.wait_settled(HOSTS, 'agent-b to take its instances back',
                          timeout=RING_INTERVAL + SLACK)
        self.assertEqual(before, self.hosts_of())
        self.assert_exactly_one_owner(HOSTS)

    def test_dead_agent_keeps_its_instances_until_down(self):
        self.wait_settled(HOSTS, 'every instance adopted by its owner',
                          timeout=30)
        before = self.hosts_of()
        self.agents['agent-c'].stop()
        # While the servicegroup rule still counts it up, nothing moves:
        # sampled until it goes down. The hosts are read before asking
        # is_up: up then means up at the read too (the last heartbeat is
        # fixed, the clock only moves on), so the sample is fair.
        deadline = time.monotonic() + SERVICE_DOWN_TIME + SLACK
        samples = 0
        while True:
            hosts = self.hosts_of()
            if not self.is_up('agent-c'):
                break
            self.assertEqual(before, hosts)
            samples += 1
            self.assertLess(time.monotonic(), deadline, 'agent-c never down')
            time.sleep(0.2)
        self.assertGreater(samples, 0)
        self.wait_settled(('agent-a', 'agent-b'),
                          "agent-c's instances to move",
                          timeout=RING_INTERVAL + SLACK)
