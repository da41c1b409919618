"""baremetal-notifier-vbmc: serve a fleet of virtual BMCs on loopback.

    baremetal-notifier-vbmc --count N --address 127.0.0.1 --base-port P \\
        --username U --password-file F [--control-port C] [--power-on]

BMC i answers IPMI 2.0 (lanplus) on UDP port P + i. When every BMC is
ready one line per BMC goes to stdout, then ``vbmc control on URL`` (or
``vbmc control disabled``), so scripts can wait for the last line. The
password is read from a file so that it never shows in process listings.
"""

import signal
import sys
import threading

from oslo_config import cfg
from oslo_log import log as logging

PROG = 'baremetal-notifier-vbmc'
LOG = logging.getLogger(__name__)

cli_opts = [
    cfg.IntOpt('count', default=1,
               help='Number of virtual BMCs.'),
    cfg.StrOpt('address', default='127.0.0.1',
               help='IP address every BMC binds to.'),
    cfg.IntOpt('base-port', default=6230,
               help='UDP port of BMC 0; BMC i uses base-port + i. 0 picks '
                    'free ports.'),
    cfg.StrOpt('username', default='admin',
               help='IPMI user name of every BMC.'),
    cfg.StrOpt('password-file',
               help='File holding the IPMI password (first line).'),
    cfg.IntOpt('control-port',
               help='Serve the JSON control API on this TCP port of the '
                    'address (0 picks a free port). Off when unset.'),
    cfg.BoolOpt('power-on', default=False,
                help='Start every BMC powered on.'),
]


def list_opts():
    return [(None, cli_opts)]


class UsageError(Exception):
    """Bad arguments; the message is one line for the operator."""


def read_password(path):
    if not path:
        raise UsageError('--password-file is required')
    try:
        with open(path, encoding='utf-8') as handle:
            password = handle.readline().rstrip('\r\n')
    except OSError as exc:
        raise UsageError('cannot read password file %s: %s'
                         % (path, exc.strerror or exc)) from None
    except UnicodeError:
        raise UsageError('password file %s is not UTF-8 text'
                         % path) from None
    if not password:
        raise UsageError('password file %s is empty' % path)
    if len(password.encode('utf-8')) > 20:
        raise UsageError('an IPMI password is at most 20 bytes')
    return password


def check_args(conf):
    if conf.count < 1:
        raise UsageError('--count must be at least 1')
    if not 0 <= conf.base_port <= 65535:
        raise UsageError('--base-port must be between 0 and 65535')
    if conf.base_port and conf.base_port + conf.count - 1 > 65535:
        raise UsageError('--base-port %d with --count %d goes past port 65535'
                         % (conf.base_port, conf.count))
    if conf.control_port is not None and not 0 <= conf.control_port <= 65535:
        raise UsageError('--control-port must be between 0 and 65535')
    if not conf.username or len(conf.username.encode('utf-8')) > 16:
        raise UsageError('--username must be 1 to 16 bytes')


def _fail(message):
    sys.stderr.write('%s: error: %s\n' % (PROG, message))
    return 2


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    conf = cfg.ConfigOpts()
    conf.register_cli_opts(cli_opts)
    logging.register_options(conf)
    # NOTE: stdout carries only the "ready" lines that scripts wait for;
    # oslo.log would otherwise log there when no log file is set.
    conf.set_default('use_stderr', True)
    try:
        conf(argv, project='baremetal_notifier', prog=PROG,
             default_config_files=[])
        check_args(conf)
        password = read_password(conf.password_file)
    except (cfg.Error, UsageError) as exc:
        return _fail(exc)
    logging.setup(conf, 'baremetal_notifier')
    try:
        # NOTE: imported here, not at the top, because with a pyghmi other
        # than the pinned one this import raises PyghmiVersionError, and
        # the operator gets its one line rather than a traceback.
        from powerbridge.vbmc import control
        from powerbridge.vbmc import fleet as vbmc_fleet
    except ImportError as exc:
        if exc.name != 'pyghmi':
            raise
        return _fail(exc)

    fleet = vbmc_fleet.VirtualBmcFleet(
        conf.count, address=conf.address, base_port=conf.base_port,
        username=conf.username, password=password,
        powered_on=conf.power_on)
    server = None
    try:
        fleet.start()
        if conf.control_port is not None:
            server = control.ControlServer(fleet, host=conf.address,
                                           port=conf.control_port)
            server.start()
    except vbmc_fleet.FleetError as exc:
        fleet.stop()
        return _fail(exc)

    stop = threading.Event()

    def _on_signal(signum, frame):
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _on_signal)

    out = sys.stdout
    for index, port in enumerate(fleet.ports):
        out.write('vbmc %d ready on %s:%d\n' % (index, conf.address, port))
    if server is not None:
        out.write('vbmc control on %s\n' % server.url)
    else:
        out.write('vbmc control disabled\n')
    out.flush()

    # NOTE: wait with a timeout so the signal handler runs promptly.
    while not stop.wait(0.5):
        pass
    LOG.info('Stopping %d virtual BMCs', conf.count)
    if server is not None:
        server.stop()
    fleet.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
