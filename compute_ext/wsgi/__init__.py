"""WSGI entry point for uwsgi, gunicorn or mod_wsgi."""

import os

from oslo_config import cfg

from powerbridge import db
from powerbridge import metrics as base_metrics
from powerbridge import service
from compute_ext import conf as compute_conf
from compute_ext import deploy
from compute_ext import metrics
from compute_ext import policy


def load_app(conf, serve_metrics=False):
    """Build the application from an already parsed ConfigOpts.

    :param serve_metrics: start the ``[metrics]`` listener (when enabled)
        here; raises powerbridge.metrics.StartupError for a taken port.
    """
    database = db.Database.from_conf(conf)
    enforcer = policy.Enforcer(conf)
    process_metrics = metrics.ComputeMetrics()
    process_metrics.watch_services(conf, database)
    if serve_metrics:
        base_metrics.listen(conf, process_metrics)
    return deploy.deploy(conf, database, enforcer, metrics=process_metrics)


def init_application(argv=None):
    """Parse config (COMPUTE_EXT_CONFIG_FILE or argv) and build the app."""
    conf = cfg.ConfigOpts()
    if argv is None:
        config_file = os.environ.get('COMPUTE_EXT_CONFIG_FILE')
        argv = ['--config-file', config_file] if config_file else []
    service.load_config(conf, argv, 'compute-ext',
                        compute_conf.register_opts)
    try:
        # NOTE: in each worker: under a multi-process server they share
        # the port and each answers with the sum over all workers.
        return load_app(conf, serve_metrics=True)
    except base_metrics.StartupError as exc:
        service.fail('compute-ext', str(exc))
