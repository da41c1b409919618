from oslo_config import cfg

from powerbridge import config
from powerbridge import ksa

GROUP = 'baremetal'
baremetal_group = cfg.OptGroup(
    GROUP, title='Bare Metal service client',
    help='How the compute agent reaches the Bare Metal API (keystoneauth1 '
         'session, auth and adapter options).')


def register_opts(conf):
    ksa.register_auth_opts(conf, config.register_group(conf, baremetal_group),
                           'baremetal')


def list_opts():
    return {baremetal_group: ksa.list_auth_opts('baremetal')}
