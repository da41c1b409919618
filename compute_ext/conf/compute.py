from oslo_config import cfg

from powerbridge import config
from compute_ext.conf import baremetal

compute_opts = [
    cfg.IntOpt('sync_power_state_interval', default=600,
               help='Seconds between periodic power state syncs of the '
                    'instances this host owns. 0 or less disables it.'),
    cfg.IntOpt('sync_power_state_pool_size', default=5, min=1,
               help='Instances synced in parallel by the periodic sync.'),
    cfg.StrOpt('power_state_authority', default='baremetal',
               choices=[('baremetal', ('the bare metal service sends '
                                       'power-update events: the sync '
                                       'records the hardware state and '
                                       'never forces it')),
                        ('compute', ("Nova's classic rules: the sync stops "
                                     "instances the hardware reports off "
                                     "and powers off stopped instances "
                                     "found running"))],
               help='Which side is the source of truth for power state.'),
    cfg.IntOpt('ring_refresh_interval', default=5, min=1,
               help='Seconds between rebuilds of the node hash ring from '
                    'the live nova-compute services. A forced-down or dead '
                    "host's nodes move to its peers within this time."),
    cfg.IntOpt('power_action_timeout', default=60, min=1,
               help='Seconds to wait for a node to reach the target power '
                    'state after os-start/os-stop.'),
    cfg.FloatOpt('power_action_poll_interval', default=0.5, min=0.01,
                 help='Seconds between scans for instances whose os-start '
                      'or os-stop this host must carry out.'),
    cfg.IntOpt('max_concurrent_power_actions', default=10, min=1,
               help='Power actions (os-start/os-stop) carried out at once; '
                    'each holds a thread while it waits for its node.'),
]

# Nova's [ironic] retry options, in the [baremetal] client section.
baremetal_client_opts = [
    cfg.IntOpt('api_max_retries', default=60, min=0,
               help='Retries of a Bare Metal API request answered 409 '
                    '(node locked) or 503 before giving up.'),
    cfg.FloatOpt('api_retry_interval', default=2.0, min=0.0,
                 help='Seconds between those retries, and between polls '
                      'of a node while waiting for a power state.'),
]


def register_opts(conf):
    conf.register_opts(compute_opts)
    # The [baremetal] group is shared with compute_ext.conf.baremetal,
    # which adds the keystoneauth options to it.
    conf.register_opts(
        baremetal_client_opts,
        group=config.register_group(conf, baremetal.baremetal_group))


def list_opts():
    return {'DEFAULT': compute_opts,
            baremetal.baremetal_group: baremetal_client_opts}
