"""Two compute agents with the real Bare Metal side, in one process.

Everything is real and talks over loopback sockets: the Compute API
(cheroot), two ComputeAgents, the Bare Metal API with its conductor and
outbox sender, and a fleet of virtual BMCs spoken to over IPMI. Config is
read from files, as the console scripts read it.
"""

import os
import uuid

import fixtures
from oslo_config import cfg
import requests
import testtools

from compute_ext.cmd import server_commands
from powerbridge import db
from compute_ext.compute import agent as compute_agent
from compute_ext.compute import baremetal
from compute_ext.compute import hash_ring
from compute_ext.compute import states
from compute_ext import conf as compute_conf
from compute_ext import context as compute_context
from compute_ext import deploy
from compute_ext.objects import instance_actions
from compute_ext.objects import instances as instance_obj
from compute_ext.objects import services as service_obj
from compute_ext import policy
from compute_ext import servicegroup
from tests.fixtures import dbfixture
from tests.fixtures import ironic as fake
from tests.fixtures.waiting import wait_for

try:
    from baremetal_notifier.cmd import service as bm_service
    from baremetal_notifier import conf as bm_conf
    from baremetal_notifier import context as bm_context
    import baremetal_notifier.conductor.manager  # noqa: F401
    from powerbridge.stack import layout
    from baremetal_notifier import wsgi as bm_wsgi
    from tests.fixtures import baremetal as bm_fixtures
    from tests.fixtures import vbmc as vbmc_fixtures
    MISSING = None
except ImportError as exc:
    MISSING = 'the Bare Metal service is not importable yet: %s' % exc

ADMIN = {'X-Auth-Token': 'admin:admin',
         'OpenStack-API-Version': 'compute 2.53'}


class Powerbridge(fixtures.Fixture):
    """Compute API, agents, Bare Metal API + conductor, virtual BMCs."""

    def __init__(self, nodes_per_host=2, hosts=('host-a', 'host-b'),
                 compute_sync_interval=0, authority='baremetal',
                 send_power_notifications=True, powered_on=True):
        super().__init__()
        self.powered_on = powered_on
        self.nodes_per_host = nodes_per_host
        self.hosts = hosts
        self.compute_sync_interval = compute_sync_interval
        self.authority = authority
        self.send_power_notifications = send_power_notifications

    def _setUp(self):
        self.tmp = self.useFixture(fixtures.TempDir()).path
        compute_db = self.useFixture(
            dbfixture.ServiceDatabase('sqlite', 'compute'))
        self.compute_url_db = compute_db.url
        self.db = compute_db.db
        self.ctx = compute_context.admin_context(self.db)
        api_conf = self.compute_conf('api')
        self.compute_url = fake.serve(self, deploy.deploy(
            api_conf, self.db, policy.Enforcer(api_conf)))
        self.fleet = self.useFixture(vbmc_fixtures.FleetFixture(
            len(self.hosts) * self.nodes_per_host,
            powered_on=self.powered_on)).fleet
        self._start_baremetal()
        self.agents = {host: self.start_agent(host) for host in self.hosts}
        self.client = baremetal.BaremetalClient.from_conf(
            self.compute_conf('client'))
        self.addCleanup(self.client.stop)
        self.nodes = self._enroll_nodes()

    # -- configuration, as the console scripts read it ------------------

    def _write(self, name, sections):
        path = os.path.join(self.tmp, name + '.conf')
        layout.write_config(path, sections)
        return path

    def compute_conf(self, name, host=None):
        path = self._write('compute-' + name, {
            'DEFAULT': {'host': host or 'manage', 'state_path': self.tmp,
                        'report_interval': 1, 'service_down_time': 5,
                        'ring_refresh_interval': 1,
                        'power_action_poll_interval': 0.1,
                        'power_action_timeout': 45,
                        'sync_power_state_interval':
                            self.compute_sync_interval,
                        'power_state_authority': self.authority},
            'api': {'auth_strategy': 'noauth2'},
            'database': {'connection': self.compute_url_db},
            'baremetal': {'auth_type': 'none',
                          'endpoint_override': getattr(self, 'bm_url', ''),
                          # Room for node locks held by a slow conductor
                          # on a loaded machine.
                          'api_retry_interval': 0.1,
                          'api_max_retries': 300}})
        conf = cfg.ConfigOpts()
        compute_conf.register_opts(conf)
        conf(['--config-file', path], project='compute-ext',
             default_config_files=[])
        return conf

    def _baremetal_conf(self):
        path = self._write('baremetal', {
            'DEFAULT': {'host': 'conductor-1', 'state_path': self.tmp},
            'api': {'auth_strategy': 'noauth'},
            'database': {'connection': self.bm_db.url},
            'conductor': {'sync_power_state_interval': 1,
                          'power_state_change_timeout': 40,
                          'heartbeat_interval': 1},
            # Below the 1 s sync, so every cycle reads every BMC.
            'ipmi': {'min_command_interval': 0.5},
            'nova': {'send_power_notifications':
                         self.send_power_notifications,
                     'auth_type': 'admin_token',
                     'endpoint': self.compute_url + '/v2.1',
                     'token': 'admin:admin', 'timeout': 5,
                     'retry_initial_delay': 0.1, 'retry_max_delay': 1}})
        conf = cfg.ConfigOpts()
        bm_conf.register_opts(conf)
        conf(['--config-file', path], project='baremetal-notifier',
             default_config_files=[])
        return conf

    def _start_baremetal(self):
        self.bm_db = self.useFixture(
            dbfixture.ServiceDatabase('sqlite', 'baremetal'))
        conf = self._baremetal_conf()
        conductor, workers = bm_service.build_workers(
            conf, self.bm_db.db, bm_service.build_driver(conf))
        self.bm_url = fake.serve(self, bm_wsgi.load_app(
            conf, conductor=conductor, database=self.bm_db.db))
        for worker in workers:
            worker.start()
        # The conductor first, so its last events still get sent.
        for worker in workers:
            self.addCleanup(worker.stop)

    def start_agent(self, host):
        agent = compute_agent.ComputeAgent(self.compute_conf(host, host),
                                           db.Database(self.db.connection))
        agent.start()
        self.addCleanup(agent.stop)
        return agent

    # -- nodes and servers -----------------------------------------------

    def _enroll_nodes(self):
        """``nodes_per_host`` nodes owned by each host, with a server."""
        ring = hash_ring.NodeRing(
            self.ctx, servicegroup.ServiceGroup(self.compute_conf('ring')),
            'ring')
        wait_for(lambda: len(ring.refresh()) == len(self.hosts),
                 'every agent in the ring')
        wanted = {host: self.nodes_per_host for host in self.hosts}
        nodes = []
        bm_ctx = bm_context.admin_context(self.bm_db.db)
        while len(nodes) < len(self.hosts) * self.nodes_per_host:
            node_uuid = str(uuid.uuid4())
            owner = ring.owner(node_uuid)
            if not wanted[owner]:
                continue
            wanted[owner] -= 1
            index = len(nodes)
            bm_fixtures.add_node(bm_ctx, uuid=node_uuid, driver_info={
                'ipmi_address': '127.0.0.1',
                'ipmi_port': self.fleet.ports[index],
                'ipmi_username': vbmc_fixtures.USERNAME,
                'ipmi_password': vbmc_fixtures.PASSWORD})
            nodes.append((index, node_uuid, owner))
        wait_for(lambda: all(self.client.get_node(n)['power_state']
                             for _, n, _ in nodes),
                 'the conductor to record every power state')
        self.servers = {}
        for index, node_uuid, owner in nodes:
            inst = server_commands.create_server(
                self.ctx, self.compute_conf('manage'), self.client,
                'server-%d' % index, node_uuid)
            self.servers[inst.uuid] = (index, node_uuid, owner)
        return nodes

    # -- reading and acting ------------------------------------------------

    def instance(self, instance_uuid):
        return instance_obj.get_by_uuid(self.ctx, instance_uuid)

    def hosts_of(self):
        return {u: self.instance(u).host for u in self.servers}

    def compute(self, method, path, body=None):
        response = requests.request(method, self.compute_url + '/v2.1' + path,
                                    json=body, headers=ADMIN, timeout=10)
        return response

    def service_uuid(self, host):
        return service_obj.get_by_host_and_binary(
            self.ctx, host, service_obj.COMPUTE_BINARY).uuid

    def set_forced_down(self, host, forced_down):
        response = self.compute('PUT', '/os-services/%s'
                                % self.service_uuid(host),
                                {'forced_down': forced_down})
        assert response.status_code == 200, response.text

    def wait_states(self, instance_uuid, vm_state, power_state):
        def reached():
            inst = self.instance(instance_uuid)
            return (inst.vm_state, inst.power_state, inst.task_state) == (
                vm_state, power_state, None)
        wait_for(reached, 'instance %s %s' % (instance_uuid, vm_state))


class AgentTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        if MISSING:
            self.skipTest(MISSING)
        self.useFixture(fixtures.Timeout(300, gentle=True))


class TestTwoAgents(AgentTestCase):

    def test_forced_down_hosts_nodes_move_and_start_stop_keep_working(self):
        pb = self.useFixture(Powerbridge())
        for host in pb.hosts:
            self.assertEqual(pb.nodes_per_host,
                             list(pb.hosts_of().values()).count(host))
        pb.set_forced_down('host-a', True)
        wait_for(lambda: set(pb.hosts_of().values()) == {'host-b'},
                 'host-b to take every instance over')
        moved = next(u for u, (_, _, owner) in pb.servers.items()
                     if owner == 'host-a')
        index, node_uuid, _ = pb.servers[moved]

        for action, vm_state, power_state, bmc_on, node_power in (
                ('os-stop', states.STOPPED, states.SHUTDOWN, False,
                 'power off'),
                ('os-start', states.ACTIVE, states.RUNNING, True,
                 'power on')):
            response = pb.compute('POST', '/servers/%s/action' % moved,
                                  {action: None})
            self.assertEqual(202, response.status_code, response.text)
            pb.wait_states(moved, vm_state, power_state)
            self.assertEqual(bmc_on, pb.fleet.get_power(index))
            self.assertEqual(node_power,
                             pb.client.get_node(node_uuid)['power_state'])
        # host-b carried both out and said so (as in Nova, the event is
        # finished just after the instance is saved).
        def events():
            return {(a.action, e.event, e.result, e.host)
                    for a in instance_actions.get_all(pb.ctx, moved)
                    for e in instance_actions.get_events(pb.ctx, a.id)}
        wanted = {(action, 'compute_%s_instance' % action, 'Success',
                   'host-b') for action in ('stop', 'start')}
        wait_for(lambda: wanted <= events(), 'both events finished',
                 seen=events)
        # The forced-down agent keeps heartbeating but owns nothing.
        self.assertEqual(('host-b',), pb.agents['host-a'].ring.hosts)

        pb.set_forced_down('host-a', False)
        wait_for(lambda: sorted(pb.hosts_of().values()) ==
                 sorted(h for _, _, h in pb.servers.values()),
                 'host-a to take its nodes back')

    def test_notifier_event_for_an_action_is_a_no_op(self):
        pb = self.useFixture(Powerbridge(nodes_per_host=1))
        server = next(iter(pb.servers))
        index = pb.servers[server][0]
        response = pb.compute('POST', '/servers/%s/action' % server,
                              {'os-stop': None})
        self.assertEqual(202, response.status_code, response.text)
        pb.wait_states(server, states.STOPPED, states.SHUTDOWN)

        def event_arrived():
            return [a for a in instance_actions.get_all(pb.ctx, server)
                    if any(e.event == 'compute_power_update' for e in
                           instance_actions.get_events(pb.ctx, a.id))]
        (event_action,) = wait_for(event_arrived,
                                   "the notifier's POWER_OFF event")
        self.assertEqual('stop', event_action.action)
        # Still stopped, and the BMC was told once.
        inst = pb.instance(server)
        self.assertEqual((states.STOPPED, None),
                         (inst.vm_state, inst.task_state))
        self.assertFalse(pb.fleet.get_power(index))


class TestSyncWithoutNotifications(AgentTestCase):
    """With events switched off, only the agents' sync sees the change."""

    def test_baremetal_mode_records_an_out_of_band_power_off(self):
        pb = self.useFixture(Powerbridge(
            nodes_per_host=1, compute_sync_interval=1,
            send_power_notifications=False))
        server, (index, _, _) = next(iter(pb.servers.items()))
        self.assertEqual(states.ACTIVE, pb.instance(server).vm_state)
        pb.fleet.set_power(index, False)
        pb.wait_states(server, states.STOPPED, states.SHUTDOWN)
        # Recorded, never forced: the BMC stays off, told nothing.
        self.assertFalse(pb.fleet.get_power(index))
        self.assertEqual(0, pb.fleet.describe(index)['counters'].get('on', 0))

    def test_compute_mode_forces_a_stopped_instance_off(self):
        pb = self.useFixture(Powerbridge(
            nodes_per_host=1, compute_sync_interval=1, authority='compute',
            send_power_notifications=False))
        server, (index, _, _) = next(iter(pb.servers.items()))
        response = pb.compute('POST', '/servers/%s/action' % server,
                              {'os-stop': None})
        self.assertEqual(202, response.status_code, response.text)
        pb.wait_states(server, states.STOPPED, states.SHUTDOWN)
        # Powered on behind the API's back: Nova's force_stop undoes it.
        pb.fleet.set_power(index, True)
        wait_for(lambda: any(a.request_id and a.user_id is None for a in
                             instance_actions.get_all(pb.ctx, server)),
                 "the sync's stop action")
        wait_for(lambda: not pb.fleet.get_power(index),
                 'the node forced off again')
        pb.wait_states(server, states.STOPPED, states.SHUTDOWN)
