"""compute-ext-api: the Compute API on the built-in WSGI server."""

import sys

from oslo_config import cfg
from oslo_log import log as logging

from powerbridge import metrics
from powerbridge import service
from powerbridge import wsgi_server
from compute_ext import conf as compute_conf
from compute_ext import wsgi

LOG = logging.getLogger(__name__)


def main(argv=None):
    signals = wsgi_server.SignalWaiter()
    conf = cfg.ConfigOpts()
    argv = sys.argv[1:] if argv is None else argv
    service.load_config(conf, argv, 'compute-ext', compute_conf.register_opts)
    try:
        app = wsgi.load_app(conf, serve_metrics=True)
        server = wsgi_server.ServerThread(
            app, conf.api.host, conf.api.port, conf.api.wsgi_threads,
            wsgi_server.Limits.from_conf(conf.api))
    except (wsgi_server.StartupError, metrics.StartupError) as exc:
        service.fail('compute-ext-api', str(exc))
    server.start()
    LOG.info('Compute API listening on http://%s:%s/ (auth_strategy=%s)',
             conf.api.host, server.port, conf.api.auth_strategy)
    signals.wait()
    LOG.info('Compute API stopping')
    server.stop()
    return 0
