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
]


def register_opts(conf):
    group = config.register_group(conf, ipmi_group)
    conf.register_opts(ipmi_opts, group=group)


def list_opts():
    return {ipmi_group: ipmi_opts}
