from oslo_config import cfg

from powerbridge import config
from powerbridge import ksa

GROUP = 'nova'
nova_group = cfg.OptGroup(
    GROUP, title='Compute API client',
    help='How power-update events reach the Compute API (keystoneauth1 '
         'session, auth and adapter options), as in Ironic.')

nova_opts = [
    cfg.BoolOpt('send_power_notifications', default=True, mutable=True,
                help='Send power-update events to the Compute API. Set to '
                     'False where no compute service exists.'),
    cfg.IntOpt('outbox_batch_size', default=100, min=1,
               help='Events sent in one POST /os-server-external-events.'),
    # NOTE: an event waits half this on average before it is sent, so it
    # is short: one indexed query per scan is cheap next to 50 ms of lag.
    cfg.FloatOpt('outbox_poll_interval', default=0.5, min=0.01,
                 help='Seconds between outbox scans when it is idle. The '
                      'conductor in the same process wakes the sender as '
                      'soon as it commits events, so this only bounds '
                      'how late events from other processes and retries '
                      'that come due are picked up. Each scan is a '
                      'database transaction: at 0.02 s the idle scans '
                      'alone cost about 12 % of a core (measured).'),
    cfg.FloatOpt('retry_initial_delay', default=1.0, min=0.01,
                 help='First retry delay after a failed delivery; it doubles '
                      'per attempt, with jitter.'),
    cfg.FloatOpt('retry_max_delay', default=60.0, min=0.1,
                 help='Cap on the delay between delivery attempts.'),
    cfg.FloatOpt('forbidden_retry_initial_delay', default=5.0, min=0.01,
                 help='When the Compute API refuses events with 403 (the '
                      '[nova] user lacks the service or admin role), the '
                      'sender keeps them and holds all sending this long '
                      'before one probe batch; the hold doubles per 403 in '
                      'a row (between half and all of it, jittered). Once '
                      'a probe is accepted, held events go at once.'),
    cfg.FloatOpt('forbidden_retry_max_delay', default=60.0, min=0.1,
                 help='Cap on the hold after repeated 403 answers: the '
                      'longest a fixed role or policy waits to be seen.'),
]


def register_opts(conf):
    group = config.register_group(conf, nova_group)
    conf.register_opts(nova_opts, group=group)
    ksa.register_auth_opts(conf, group, 'compute')


def list_opts():
    return {nova_group: nova_opts + ksa.list_auth_opts('compute')}
