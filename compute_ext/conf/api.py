from oslo_config import cfg

from compute_ext.common import config

api_group = cfg.OptGroup('api', title='Compute API options')

api_opts = [
    cfg.HostAddressOpt('host', default='127.0.0.1',
                       help='Address the Compute API listens on.'),
    cfg.PortOpt('port', default=8774,
                help='Port the Compute API listens on.'),
    cfg.StrOpt('auth_strategy', default='keystone',
               choices=[('keystone', 'keystonemiddleware auth_token'),
                        ('noauth2', "Nova's test-only mode: the token is "
                                    "'user:project', user 'admin' is "
                                    "admin. Never use it in production.")],
               help='How API requests are authenticated.'),
    cfg.IntOpt('max_request_body_size', default=114688, min=1,
               help='Largest request body accepted, in bytes (Nova: '
                    '114688); larger bodies get 413.'),
    cfg.IntOpt('wsgi_threads', default=16, min=1,
               help='Worker threads of the WSGI server.'),
]


def register_opts(conf):
    group = config.register_group(conf, api_group)
    conf.register_opts(api_opts, group=group)


def list_opts():
    return {api_group: api_opts}
