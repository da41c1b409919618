"""WSGI entry point for uwsgi, gunicorn or mod_wsgi."""

import os

from oslo_config import cfg

from powerbridge import db
from powerbridge import service
from compute_ext import conf as compute_conf
from compute_ext import deploy
from compute_ext import policy


def load_app(conf):
    """Build the application from an already parsed ConfigOpts."""
    database = db.Database.from_conf(conf)
    enforcer = policy.Enforcer(conf)
    return deploy.deploy(conf, database, enforcer)


def init_application(argv=None):
    """Parse config (COMPUTE_EXT_CONFIG_FILE or argv) and build the app."""
    conf = cfg.ConfigOpts()
    if argv is None:
        config_file = os.environ.get('COMPUTE_EXT_CONFIG_FILE')
        argv = ['--config-file', config_file] if config_file else []
    service.load_config(conf, argv, 'compute-ext',
                        compute_conf.register_opts)
    return load_app(conf)
