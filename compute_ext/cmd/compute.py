"""compute-ext-compute: the compute agent of one host."""

import sys

from oslo_config import cfg
from oslo_log import log as logging

from powerbridge import db
from powerbridge import metrics
from powerbridge import service
from powerbridge import wsgi_server
from compute_ext.compute import agent as compute_agent
from compute_ext import conf as compute_conf
from compute_ext import metrics as compute_metrics

LOG = logging.getLogger(__name__)


def main(argv=None):
    signals = wsgi_server.SignalWaiter()
    conf = cfg.ConfigOpts()
    argv = sys.argv[1:] if argv is None else argv
    service.load_config(conf, argv, 'compute-ext', compute_conf.register_opts)
    process_metrics = compute_metrics.ComputeMetrics()
    try:
        listener = metrics.listen(conf, process_metrics)
    except metrics.StartupError as exc:
        service.fail('compute-ext-compute', str(exc))
    agent = compute_agent.ComputeAgent(conf, db.Database.from_conf(conf),
                                       process_metrics)
    try:
        agent.start()
    except Exception as exc:
        # One line for the operator: database errors carry the whole SQL
        # statement on the lines after the cause.
        reason = str(exc).splitlines()[0] if str(exc) else repr(exc)
        service.fail('compute-ext-compute', 'cannot start: %s' % reason)
    signals.wait()
    agent.stop()
    if listener is not None:
        listener.stop()
    return 0
