"""Is a service up? Nova's database servicegroup driver rule."""

from oslo_log import log as logging

from powerbridge import db

LOG = logging.getLogger(__name__)


class ServiceGroup:
    """``is_up`` with the configured service_down_time."""

    def __init__(self, conf):
        self.service_down_time = conf.service_down_time
        if self.service_down_time <= conf.report_interval:
            # A service that is down between two heartbeats would flap.
            new = int(conf.report_interval * 2.5)
            LOG.warning('Report interval must be less than service down '
                        'time. Current config: <service_down_time: %(d)s, '
                        'report_interval: %(r)s>. Setting service_down_time '
                        'to: %(new)s', {'d': self.service_down_time,
                                        'r': conf.report_interval,
                                        'new': new})
            self.service_down_time = new

    def is_up(self, service, now=None):
        """False at once when forced down; else by the last heartbeat.

        Liveness uses last_seen_up (heartbeats only), never updated_at,
        which admin updates also bump.
        """
        if service.forced_down:
            return False
        last_heartbeat = service.last_seen_up or service.created_at
        if last_heartbeat is None:
            return False
        now = now or db.utcnow()
        elapsed = (now - last_heartbeat).total_seconds()
        # abs(): a heartbeat stamped slightly in the future (clock skew
        # between hosts) still counts as up, as in Nova.
        is_up = abs(elapsed) <= self.service_down_time
        if not is_up:
            LOG.debug('Seems service %(binary)s on host %(host)s is down. '
                      'Last heartbeat was %(last)s. Elapsed time is %(el)s',
                      {'binary': service.binary, 'host': service.host,
                       'last': last_heartbeat, 'el': elapsed})
        return is_up
