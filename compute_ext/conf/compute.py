from oslo_config import cfg

compute_opts = [
    cfg.IntOpt('sync_power_state_interval', default=600,
               help='Seconds between periodic power state syncs of the '
                    'instances this host owns. 0 or less disables it.'),
    cfg.IntOpt('sync_power_state_pool_size', default=5, min=1,
               help='Instances synced in parallel by the periodic sync.'),
    cfg.StrOpt('power_state_authority', default='baremetal',
               choices=[('baremetal', 'the bare metal service sends '
                                      'power-update events: the sync '
                                      'records the hardware state and '
                                      'never forces it'),
                        ('compute', "Nova's classic rules: the sync stops "
                                    "instances the hardware reports off "
                                    "and powers off stopped instances "
                                    "found running")],
               help='Which side is the source of truth for power state.'),
    cfg.IntOpt('ring_refresh_interval', default=5, min=1,
               help='Seconds between rebuilds of the node hash ring from '
                    'the live nova-compute services.'),
    cfg.IntOpt('power_action_timeout', default=60, min=1,
               help='Seconds to wait for a node to reach the target power '
                    'state after os-start/os-stop.'),
]


def register_opts(conf):
    conf.register_opts(compute_opts)


def list_opts():
    return {'DEFAULT': compute_opts}
