"""baremetal-notifier: the Bare Metal API and the conductor in one process.

Like Ironic's single-process mode: the API serves on the built-in HTTP
server and hands power actions to the conductor in the same process, which
also runs the periodic power sync. With ``[nova] send_power_notifications``
the outbox sender posts power-update events to the Compute API.
"""

import importlib
import sys

from oslo_config import cfg
from oslo_log import log as logging

from baremetal_notifier import conf as baremetal_conf
from baremetal_notifier.conf import conductor as conductor_conf
from baremetal_notifier import drivers
from baremetal_notifier import metrics
from baremetal_notifier import wsgi
from powerbridge import db
from powerbridge import metrics as base_metrics
from powerbridge import service
from powerbridge import wsgi_server

LOG = logging.getLogger(__name__)
PROG = 'baremetal-notifier'
CONDUCTOR_MODULE = 'baremetal_notifier.conductor.manager'
OUTBOX_MODULE = 'baremetal_notifier.notifier.outbox'


def optional_module(name):
    """Import ``name``; None only when that module itself is missing.

    The conductor and the outbox sender are built alongside this command;
    an import error inside them is a real error and is raised.
    """
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None
        raise


def check_conf(conf, prog):
    """Exit with one line when the conductor's options cannot work."""
    try:
        conductor_conf.conductor_group_of(conf)
    except ValueError as exc:
        service.fail(prog, 'bad configuration: [conductor] conductor_group: '
                     '%s' % exc)


def build_driver(conf):
    # NOTE: load_driver imports pyghmi only now; a pyghmi other than the
    # pinned one raises PyghmiVersionError (an ImportError naming pyghmi),
    # which the operator gets as one line rather than a traceback.
    try:
        return drivers.load_driver(
            'ipmi', login_timeout=conf.ipmi.login_timeout,
            command_timeout=conf.ipmi.command_timeout,
            attempts=conf.ipmi.attempts, window=conf.ipmi.window,
            min_command_interval=conf.ipmi.min_command_interval)
    except ImportError as exc:
        if exc.name != 'pyghmi':
            raise
        service.fail(PROG, str(exc))


def build_workers(conf, database, driver, metrics=None):
    """The background parts, in start order: conductor, outbox sender."""
    workers = []
    manager = optional_module(CONDUCTOR_MODULE)
    if manager is None:
        LOG.error('%s is not installed: the API serves, but there is no '
                  'power sync, and power actions wait for a conductor '
                  'process', CONDUCTOR_MODULE)
        conductor = None
    else:
        conductor = manager.ConductorManager(conf, database, driver,
                                             metrics=metrics)
        workers.append(conductor)
    sender = build_sender(conf, database, metrics)
    if sender is not None:
        workers.append(sender)
        if conductor is not None:
            conductor.on_events = sender.wake
    return conductor, workers


def build_sender(conf, database, metrics=None):
    """The outbox sender, or None when nothing is to be sent."""
    if not conf.nova.send_power_notifications:
        return None
    outbox = optional_module(OUTBOX_MODULE)
    if outbox is None:
        LOG.error('%s is not installed: power-update events stay in the '
                  'outbox', OUTBOX_MODULE)
        return None
    return outbox.OutboxSender(conf, database, metrics=metrics)


def stop_all(things):
    for thing in things:
        try:
            thing.stop()
        except Exception:
            LOG.exception('Error stopping %s', type(thing).__name__)


def start_all(prog, workers, on_failure=None):
    """Start each part in order; if one fails, stop those started, call
    ``on_failure`` and exit with one line naming it."""
    started = []
    try:
        # The conductor starts (and stops) the driver it was given.
        for part in workers:
            part.start()
            started.append(part)
    except Exception as exc:
        stop_all(reversed(started))
        if on_failure is not None:
            on_failure()
        # The first line only: database errors go on to quote parameters.
        service.fail(prog, 'cannot start %s: %s' % (
            type(part).__name__, (str(exc) or repr(exc)).splitlines()[0]))
    service.tune_gc()


def main(argv=None):
    signals = wsgi_server.SignalWaiter()
    conf = cfg.ConfigOpts()
    argv = sys.argv[1:] if argv is None else argv
    service.load_config(conf, argv, PROG, baremetal_conf.register_opts)
    check_conf(conf, PROG)
    database = db.Database.from_conf(conf)
    driver = build_driver(conf)
    process_metrics = metrics.BaremetalMetrics()
    process_metrics.watch_database(database)
    conductor, workers = build_workers(conf, database, driver,
                                       process_metrics)
    app = wsgi.load_app(conf, conductor=conductor, database=database,
                        metrics=process_metrics)
    try:
        # Bind first: a taken port fails before any BMC is polled.
        server = wsgi_server.ServerThread(
            app, conf.api.host, conf.api.port, conf.api.wsgi_threads,
            wsgi_server.Limits.from_conf(conf.api))
    except wsgi_server.StartupError as exc:
        service.fail(PROG, str(exc))
    try:
        listener = base_metrics.listen(conf, process_metrics)
    except base_metrics.StartupError as exc:
        server.server.stop()  # never served: close the bound socket
        service.fail(PROG, str(exc))
    # A server that never served: close its bound socket.
    start_all(PROG, workers, on_failure=server.server.stop)
    server.start()
    LOG.info('Bare Metal API listening on http://%s:%s/ (auth_strategy=%s)',
             conf.api.host, server.port, conf.api.auth_strategy)
    signals.wait()
    LOG.info('Bare Metal API stopping')
    server.stop()
    if listener is not None:
        listener.stop()
    # The conductor before the sender, so its last events get sent.
    stop_all(workers)
    database.dispose()
    return 0
