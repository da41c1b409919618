from oslo_config import cfg

from powerbridge import config

api_group = cfg.OptGroup('api', title='Compute API options')

api_opts = config.api_server_opts('Compute API', 8774) + [
    cfg.StrOpt('auth_strategy', default='keystone',
               choices=[('keystone', 'keystonemiddleware auth_token'),
                        ('noauth2', "Nova's test-only mode: the token is "
                                    "'user:project', user 'admin' is "
                                    "admin. Never use it in production.")],
               help='How API requests are authenticated.'),
]


def register_opts(conf):
    group = config.register_group(conf, api_group)
    conf.register_opts(api_opts, group=group)


def list_opts():
    return {api_group: api_opts}
