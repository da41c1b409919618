"""baremetal-notifier-conductor: a conductor (and outbox sender), no API.

Ironic's ``ironic-conductor``: any number of these, each with its own
``[DEFAULT] host``, and any number of ``baremetal-notifier`` processes
share one database; the nodes of each conductor group are spread over the
group's live conductors (baremetal_notifier.conductor.ownership). SIGTERM
stops it cleanly and marks it offline at once, so its peers take its
nodes on their next cycle.
"""

import sys

from oslo_config import cfg
from oslo_log import log as logging

from baremetal_notifier.cmd import service as service_cmd
from baremetal_notifier import conf as baremetal_conf
from baremetal_notifier.conductor import manager
from baremetal_notifier import metrics
from powerbridge import db
from powerbridge import metrics as base_metrics
from powerbridge import service
from powerbridge import wsgi_server

LOG = logging.getLogger(__name__)
PROG = 'baremetal-notifier-conductor'


def main(argv=None):
    signals = wsgi_server.SignalWaiter()
    conf = cfg.ConfigOpts()
    argv = sys.argv[1:] if argv is None else argv
    service.load_config(conf, argv, PROG, baremetal_conf.register_opts)
    service_cmd.check_conf(conf, PROG)
    database = db.Database.from_conf(conf)
    driver = service_cmd.build_driver(conf)
    process_metrics = metrics.BaremetalMetrics()
    process_metrics.watch_database(database)
    conductor = manager.ConductorManager(conf, database, driver,
                                         metrics=process_metrics)
    workers = [conductor]
    sender = service_cmd.build_sender(conf, database, process_metrics)
    if sender is not None:
        conductor.on_events = sender.wake
        workers.append(sender)
    try:
        listener = base_metrics.listen(conf, process_metrics)
    except base_metrics.StartupError as exc:
        service.fail(PROG, str(exc))
    service_cmd.start_all(PROG, workers)
    LOG.info('Conductor %s running (no API in this process)', conductor.host)
    signals.wait()
    LOG.info('Conductor %s stopping', conductor.host)
    if listener is not None:
        listener.stop()
    # The conductor before the sender, so its last events get sent.
    service_cmd.stop_all(workers)
    database.dispose()
    return 0
