import os

from oslo_config import cfg

paths_opts = [
    cfg.StrOpt('state_path', default=os.path.abspath('state'),
               sample_default='$pwd/state',
               help='Directory for the SQLite database and other state.'),
]


def register_opts(conf):
    conf.register_opts(paths_opts)


def list_opts():
    return {'DEFAULT': paths_opts}
