"""The compute agent: a nova-compute service row and its heartbeat."""

from oslo_log import log as logging

from compute_ext.common import periodic
from compute_ext import context as compute_context
from compute_ext import exception
from compute_ext.objects import services as service_obj

LOG = logging.getLogger(__name__)
TOPIC = 'compute'


class ComputeAgent:
    """Registers ``[DEFAULT] host`` as nova-compute and heartbeats."""

    def __init__(self, conf, db):
        self.conf = conf
        self.host = conf.host
        self.ctx = compute_context.admin_context(db)
        self.service = None
        self._loops = []
        self._report_failing = False

    def start(self):
        self.service = service_obj.get_or_create(
            self.ctx, self.host, service_obj.COMPUTE_BINARY, TOPIC)
        LOG.info('Compute agent on host %s started (service %s)', self.host,
                 self.service.uuid)
        self.report_state()
        self._loops.append(periodic.Periodic(
            'heartbeat', self.report_state, self.conf.report_interval,
            initial_delay=self.conf.report_interval).start())

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
        for loop in reversed(self._loops):
            loop.stop()
        LOG.info('Compute agent on host %s stopped', self.host)
