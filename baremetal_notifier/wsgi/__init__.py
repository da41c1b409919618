"""WSGI entry point for uwsgi, gunicorn or mod_wsgi.

An application built here serves the API only: power actions need a
conductor in the same process, which ``baremetal-notifier`` provides.
"""

import os

from oslo_config import cfg

from baremetal_notifier import conf as baremetal_conf
from baremetal_notifier import deploy
from baremetal_notifier import policy
from powerbridge import db
from powerbridge import service

PROJECT = 'baremetal-notifier'
CONFIG_ENV = 'BAREMETAL_NOTIFIER_CONFIG_FILE'


def load_app(conf, conductor=None, database=None):
    """Build the application from an already parsed ConfigOpts.

    :param conductor: the ConductorManager power actions go to.
    :param database: a Database to share with the conductor; one is built
        from ``[database]`` when not given.
    """
    if database is None:
        database = db.Database.from_conf(conf)
    return deploy.deploy(conf, database, policy.Enforcer(conf),
                         conductor=conductor)


def init_application(argv=None):
    """Build the app from $BAREMETAL_NOTIFIER_CONFIG_FILE (or argv)."""
    conf = cfg.ConfigOpts()
    if argv is None:
        config_file = os.environ.get(CONFIG_ENV)
        argv = ['--config-file', config_file] if config_file else []
    service.load_config(conf, argv, PROJECT, baremetal_conf.register_opts)
    return load_app(conf)
