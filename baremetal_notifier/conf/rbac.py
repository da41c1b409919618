"""Ironic's [DEFAULT] options for the service role (ironic/conf/default.py).

By default a user with the ``service`` role is scoped like any project
user: it sees only what its project owns. A cloud whose Nova (here: the
compute agent) reaches the Bare Metal API as a service user in the
service project turns elevated access on, as DevStack does for Ironic;
``rule:service_role`` then matches that user.
"""

from oslo_config import cfg

rbac_opts = [
    cfg.BoolOpt('rbac_service_role_elevated_access', default=False,
                help='Enable elevated access for users with the service '
                     'role in the rbac_service_project_name project when '
                     'using the default policy (Ironic\'s option). Off: '
                     'service role requests are scoped to the service '
                     'user\'s project, which owns no node.'),
    cfg.StrOpt('rbac_service_project_name', default='service',
               help='The project name of the reserved service project '
                    'that rule:service_role matches (Ironic\'s option).'),
]


def register_opts(conf):
    conf.register_opts(rbac_opts)


def list_opts():
    return {'DEFAULT': rbac_opts}
