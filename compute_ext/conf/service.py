import socket

from oslo_config import cfg

host_opt = cfg.StrOpt('host', default=socket.gethostname(),
                      sample_default='<current_hostname>',
                      help='Name of this compute host: the nova-compute '
                           'service row and the hash ring member.')

service_opts = [
    cfg.IntOpt('report_interval', default=10, min=1,
               help='Seconds between service heartbeats.'),
    cfg.IntOpt('service_down_time', default=60, min=1,
               help='A service whose last heartbeat is older than this many '
                    'seconds is down. Forced-down services are down at '
                    'once, whatever their heartbeat.'),
]


def register_opts(conf):
    # --host on the command line, or [DEFAULT] host in a config file.
    conf.register_cli_opt(host_opt)
    conf.register_opts(service_opts)


def list_opts():
    return {'DEFAULT': [host_opt] + service_opts}
