from oslo_config import cfg

from powerbridge import config

api_group = cfg.OptGroup('api', title='Bare Metal API options')

api_opts = config.api_server_opts('Bare Metal API', 6385) + [
    cfg.StrOpt('auth_strategy', default='keystone',
               choices=[('keystone', 'keystonemiddleware auth_token'),
                        ('noauth', "Ironic's standalone mode: every request "
                                   "is an admin request. For tests and the "
                                   "demo only.")],
               help='How API requests are authenticated.'),
    cfg.IntOpt('max_limit', default=1000, min=1,
               help='The most items a list request returns.'),
]


def register_opts(conf):
    group = config.register_group(conf, api_group)
    conf.register_opts(api_opts, group=group)


def list_opts():
    return {api_group: api_opts}
