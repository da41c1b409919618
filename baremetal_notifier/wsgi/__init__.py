"""WSGI entry point for uwsgi, gunicorn or mod_wsgi.

An application built here serves the API only: the power and provision
actions it accepts are queued in the database (conductor/action_api.py)
and carried out by the node's owning conductor, in a
``baremetal-notifier`` or conductor-only process sharing that database.
"""

import os

from oslo_config import cfg

from baremetal_notifier import conf as baremetal_conf
from baremetal_notifier import deploy
from baremetal_notifier import metrics
from baremetal_notifier import policy
from powerbridge import db
from powerbridge import metrics as base_metrics
from powerbridge import service

PROJECT = 'baremetal-notifier'
CONFIG_ENV = 'BAREMETAL_NOTIFIER_CONFIG_FILE'


def load_app(conf, conductor=None, database=None, metrics=None):
    """Build the application from an already parsed ConfigOpts.

    :param conductor: the ConductorManager of this process, which starts
        the actions of its own nodes at once; None for an API-only
        process.
    :param database: a Database to share with the conductor; one is built
        from ``[database]`` when not given.
    :param metrics: the process's BaremetalMetrics (a private one if None).
    """
    if database is None:
        database = db.Database.from_conf(conf)
    return deploy.deploy(conf, database, policy.Enforcer(conf),
                         conductor=conductor, metrics=metrics)


def init_application(argv=None):
    """Build the app from $BAREMETAL_NOTIFIER_CONFIG_FILE (or argv)."""
    conf = cfg.ConfigOpts()
    if argv is None:
        config_file = os.environ.get(CONFIG_ENV)
        argv = ['--config-file', config_file] if config_file else []
    service.load_config(conf, argv, PROJECT, baremetal_conf.register_opts)
    database = db.Database.from_conf(conf)
    process_metrics = metrics.BaremetalMetrics()
    process_metrics.watch_database(database)
    try:
        # NOTE: in each worker: under a multi-process server they share
        # the port and each answers with the sum over all workers.
        base_metrics.listen(conf, process_metrics)
    except base_metrics.StartupError as exc:
        service.fail(PROJECT, str(exc))
    return load_app(conf, database=database, metrics=process_metrics)
