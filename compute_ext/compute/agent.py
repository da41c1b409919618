"""The compute agent: a nova-compute service row and its heartbeat, and
the bare metal work of this host: node ownership (hash ring), os-start/
os-stop, and the periodic power sync."""

from oslo_log import log as logging

from powerbridge import periodic
from compute_ext.compute import actions
from compute_ext.compute import baremetal
from compute_ext.compute import hash_ring
from compute_ext.compute import power_sync
from compute_ext import context as compute_context
from compute_ext import exception
from compute_ext import metrics as compute_metrics
from compute_ext.objects import services as service_obj
from compute_ext import servicegroup

LOG = logging.getLogger(__name__)
TOPIC = 'compute'


class ComputeAgent:
    """Registers ``[DEFAULT] host`` as nova-compute and heartbeats; owns
    its share of the nodes, carries out os-start/os-stop on them and runs
    the periodic power sync."""

    def __init__(self, conf, db, metrics=None):
        self.conf = conf
        self.metrics = metrics or compute_metrics.ComputeMetrics()
        self.host = conf.host
        self.ctx = compute_context.admin_context(db)
        self.service = None
        self._periodics = None
        self._report_failing = False
        self.client = None
        self.ring = None
        self.runner = None
        self.power_sync = None

    def start(self):
        self.service = service_obj.get_or_create(
            self.ctx, self.host, service_obj.COMPUTE_BINARY, TOPIC)
        LOG.info('Compute agent on host %s started (service %s)', self.host,
                 self.service.uuid)
        self.report_state()
        tasks = [periodic.Task('heartbeat', self.report_state,
                               self.conf.report_interval,
                               self.conf.report_interval)]
        tasks.extend(self._start_power_management())
        self._periodics = periodic.PeriodicRunner(
            'compute-agent-periodics', tasks).start()

    def _start_power_management(self):
        """Set up the ring, the os-start/os-stop runner and the sync;
        returns their periodic Tasks.

        Runs after the first heartbeat, so this host is in its own ring.
        """
        conf = self.conf
        self.client = baremetal.BaremetalClient.from_conf(conf)
        self.ring = hash_ring.NodeRing(
            self.ctx, servicegroup.ServiceGroup(conf), self.host)
        self.runner = actions.PowerActionRunner(
            self.ctx, self.client, self.ring, conf.power_action_timeout,
            conf.max_concurrent_power_actions)
        self.refresh_ring()
        tasks = [
            periodic.Task('hash-ring', self.refresh_ring,
                          conf.ring_refresh_interval,
                          conf.ring_refresh_interval),
            periodic.Task('power-actions', self.runner.poll,
                          conf.power_action_poll_interval, 0),
        ]
        if conf.sync_power_state_interval <= 0:
            LOG.info('Periodic power sync disabled '
                     '(sync_power_state_interval=%d)',
                     conf.sync_power_state_interval)
            return tasks
        self.power_sync = power_sync.PowerSync(
            self.ctx, self.client, self.ring, self.runner,
            conf.power_state_authority, conf.sync_power_state_pool_size)
        LOG.info('Power sync every %(interval)ds, %(authority)s is the '
                 'source of truth',
                 {'interval': conf.sync_power_state_interval,
                  'authority': conf.power_state_authority})
        # Nova's sync runs at start-up too (run_immediately).
        tasks.append(periodic.Task('power-sync', self.sync_power_states,
                                   conf.sync_power_state_interval, 0))
        return tasks

    def sync_power_states(self):
        """One periodic power sync; returns {instance uuid: outcome}."""
        outcomes = self.power_sync.run()
        self.metrics.sync_done(outcomes)
        return outcomes

    def refresh_ring(self):
        """Rebuild the ring and take over the instances of moved nodes."""
        self.ring.refresh()
        self.ring.adopt()

    def report_state(self):
        """One heartbeat; keeps going while forced down (only an admin
        clears that flag)."""
        try:
            service_obj.report_state(self.ctx, self.service.id)
        except exception.ServiceNotFound:
            LOG.error('The services table record for the %s service on host '
                      '%s is gone; an admin deleted it. Restart the agent '
                      'to register again.', service_obj.COMPUTE_BINARY,
                      self.host)
            return
        except Exception:
            if not self._report_failing:
                LOG.exception('Unable to report service status.')
            self._report_failing = True
            return
        if self._report_failing:
            LOG.info('Recovered from being unable to report status.')
            self._report_failing = False

    def stop(self):
        if self.client is not None:
            # Ends power waits and retries at once: an interrupted start
            # or stop keeps its task_state and resumes on the next start
            # (or on the peer that takes the node over).
            self.client.stop()
        if self._periodics is not None:
            self._periodics.stop()
            self._periodics = None
        for pool in (self.power_sync, self.runner):
            if pool is not None:
                pool.shutdown()
        LOG.info('Compute agent on host %s stopped', self.host)
