from oslo_config import cfg

from powerbridge import config

ipmi_group = cfg.OptGroup('ipmi', title='IPMI driver options')

ipmi_opts = [
    cfg.FloatOpt('login_timeout', default=6.0, min=0.1,
                 help='Seconds one IPMI session login may take before the '
                      'attempt is abandoned.'),
    cfg.FloatOpt('command_timeout', default=4.0, min=0.1,
                 help='Seconds one IPMI command may take before the attempt '
                      'is abandoned.'),
    cfg.IntOpt('attempts', default=3, min=1,
               help='Attempts per BMC query within one sync.'),
    cfg.IntOpt('window', default=256, min=1,
               help='IPMI requests in flight at once.'),
    cfg.FloatOpt('min_command_interval', default=5.0, min=0.0,
                 help='Minimum time, in seconds, between IPMI operations '
                      'sent to one BMC (address and port): a power read, '
                      'a chassis control, the reads that verify it. An '
                      'operation that comes sooner waits, without holding '
                      "up other BMCs. Ironic's option and default: some "
                      'BMCs crash when asked too often. It bounds how '
                      'often the power sync can read a BMC, so keep it at '
                      'or below [conductor] sync_power_state_interval. 0 '
                      'disables the guard.'),
]


def register_opts(conf):
    group = config.register_group(conf, ipmi_group)
    conf.register_opts(ipmi_opts, group=group)


def list_opts():
    return {ipmi_group: ipmi_opts}
