"""powerbridge-demo: the whole product in one command.

    powerbridge-demo [--nodes N] [--duration S] [--once] [--state-dir D]
                     [--keystone]

Starts N virtual BMCs, ``baremetal-notifier``, ``compute-ext-api`` and two
``compute-ext-compute`` agents on SQLite, enrolls one node per BMC through
the Bare Metal API, places one instance per node, prints how to point the
openstack CLI at it, and then shows a live view while a scripted scenario
flips BMCs, stops and starts a server and forces a compute host down and
up. Ctrl-C (or SIGTERM) stops every process.

``--keystone`` puts the same stack behind a real Keystone (installed from
the package index into a cached venv on first use): both APIs authenticate
with keystonemiddleware, find each other through the catalog, and the
demo prints the OS_* variables that drive the openstack CLI with a
password.

``--once`` runs the scenario, prints a summary and exits 0 only when every
step converged. ``--duration S`` ends the demo after S seconds.
"""

import dataclasses
import os
import signal
import sys
import threading
import time

from oslo_config import cfg

from powerbridge import stack as pb_stack
from powerbridge.stack import keystone
from powerbridge.stack import observe
from powerbridge.stack import scenario as pb_scenario
from powerbridge.stack import venvs

PROG = 'powerbridge-demo'

cli_opts = [
    cfg.IntOpt('nodes', default=50, min=2, max=1000,
               help='Virtual BMCs, nodes and instances.'),
    cfg.FloatOpt('duration', min=0,
                 help='Stop after this many seconds (default: run the '
                      'scenario, then keep going until Ctrl-C).'),
    cfg.BoolOpt('once', default=False,
                help='Run the scenario, print a summary and exit: 0 when '
                     'everything converged, 1 otherwise.'),
    cfg.BoolOpt('keystone', default=False,
                help='Run behind a real Keystone (password auth, service '
                     'catalog) instead of the no-auth modes.'),
    cfg.StrOpt('state-dir',
               help='Directory for configs, logs and databases (kept '
                    'afterwards). Default: a temporary one, removed.'),
]

# Intervals short enough to watch things happen.
DEMO_SETTINGS = dict(conductor_sync_interval=5, compute_sync_interval=30,
                     report_interval=2, service_down_time=10,
                     ring_refresh_interval=2)
CLEAR = '\x1b[H\x1b[2J'


SYSTEM_SCOPE = ('env -u OS_PROJECT_NAME -u OS_PROJECT_DOMAIN_NAME '
                'OS_SYSTEM_SCOPE=all ')


def keystone_hint(stack):
    """OS_* lines for the cloud admin (project admin)."""
    env = stack.cloud.os_env('admin')
    return ['export %s=%s' % item for item in sorted(env.items())] + [
        '# other users (passwords in %s): alice (member of demo), rita '
        '(reader of demo), olga (member of other)' % stack.layout.clouds_yaml,
        "# Ironic's node rules want a system-scoped admin: the bare metal "
        'commands drop the project and ask for system scope']


def cli_examples(stack):
    """Commands that work against the running demo, for the operator."""
    lay = stack.layout
    first = stack.nodes[0]
    host = stack.settings.compute_hosts[0]
    server = first.instance_name
    if stack.cloud:
        # The servers are alice's (project demo): the admin lists every
        # project's and names a server by its id.
        hint, bm, listing = keystone_hint(stack), SYSTEM_SCOPE, \
            'openstack server list --all-projects'
        server = first.instance_uuid
    else:
        hint, bm, listing = stack.cli_hint(), '', 'openstack server list'
    return hint + [
        listing,
        'openstack server stop %s; openstack server start %s'
        % (server, server),
        'openstack server event list %s' % server,
        'openstack compute service list --long',
        'openstack compute service set --down %s nova-compute' % host,
        'openstack compute service set --up %s nova-compute' % host,
        bm + 'openstack baremetal node list',
        bm + 'openstack baremetal node power off %s' % first.name,
        'baremetal-notifier-manage --config-file %s outbox status'
        % lay.config_path(pb_stack.NOTIFIER),
        '# logs: %s' % lay.logs,
    ]


def _ms(seconds):
    return '-' if seconds is None else '%.0f ms' % (seconds * 1000)


def _age(seconds):
    return '-' if seconds is None else '%.1f s' % seconds


def _n(value):
    return '-' if value is None else '%d' % value


def render(snap, figures, stack, lag, steps, started):
    """The live view as a list of lines; ``figures`` are
    observe.metric_figures (the services' /metrics endpoints)."""
    f = figures
    summary = lag.summary()
    lines = [
        'powerbridge demo: %d nodes, up %.0f s (Ctrl-C stops everything)'
        % (len(stack.nodes), time.monotonic() - started),
        '  conductor sync cycles: %s (every %d s, mean %s)'
        % (_n(f['cycles']), stack.settings.conductor_sync_interval,
           _ms(f['cycle_mean'])),
        '  nodes in sync with their BMC and instance: %d/%d'
        % (snap.in_sync(stack.nodes), len(stack.nodes)),
        '  power failures: %s' % _n(f['power_failures']),
        '  events: %s pending (oldest %s), %s delivered, %s undeliverable, '
        '%s superseded, %s retried; %s applied by the Compute API'
        % (_n(f['pending']), _age(f['oldest_pending_age']),
           _n(f['delivered']), _n(f['undeliverable']),
           _n(f['superseded']), _n(f['retried']), _n(f['applied'])),
        '  outbox delivery lag (node change -> Compute API): p50 %s, '
        'p99 %s' % (_ms(f['delivery_lag_p50']), _ms(f['delivery_lag_p99'])),
        '  flip -> Compute API lag, detection included: p50 %s, p99 %s '
        '(%d samples)' % (_ms(summary['p50']), _ms(summary['p99']),
                          summary['count']),
        '  compute services: %s up, %s down (%s forced down), %s disabled'
        % (_n(f['services_up']), _n(f['services_down']),
           _n(f['services_forced_down']), _n(f['services_disabled'])),
    ]
    owned = snap.hosts_of_servers()
    for host in sorted(snap.services):
        service = snap.services[host]
        lines.append('    %-12s %-4s forced_down=%-5s instances=%d' % (
            host, service['state'], service['forced_down'],
            owned.get(host, 0)))
    lines.append('  scenario:')
    for number, step in enumerate(steps, 1):
        mark = {None: '..', True: 'ok', False: 'FAILED'}[step.ok]
        lines.append('    %d. %-40s %s %s' % (number, step.title, mark,
                                              step.detail))
    return lines


class Console:
    """Redraws on a terminal; plain lines, less often, otherwise."""

    def __init__(self, out=sys.stdout):
        self.out = out
        self.tty = out.isatty()
        self._last_plain = 0.0

    def say(self, line):
        if not self.tty:
            self.out.write(line + '\n')
            self.out.flush()

    def show(self, lines, header):
        if self.tty:
            self.out.write(CLEAR + '\n'.join(header + [''] + lines) + '\n')
            self.out.flush()
        elif time.monotonic() - self._last_plain >= 5:
            self._last_plain = time.monotonic()
            self.out.write(' | '.join(line.strip() for line in lines[1:6])
                           + '\n')
            self.out.flush()


def _install_signal_handlers():
    def _interrupt(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, _interrupt)


def start_keystone(root, console):
    """A started KeystoneServer under ``root``."""
    console.out.write('Starting Keystone %s (the first run installs it '
                      'into %s) ...\n' % (keystone.VERSION,
                                          venvs.cache_root()))
    console.out.flush()
    venv, _ = keystone.ensure_venv()
    server = keystone.KeystoneServer(root, venv)
    try:
        server.setup()
        return server.start()
    except BaseException:
        server.stop()
        raise


def run(conf, console):
    settings = pb_stack.Settings(nodes=conf.nodes, **DEMO_SETTINGS)
    stack = pb_stack.Stack(root=conf.state_dir, settings=settings)
    server = None
    if conf.keystone:
        try:
            server = start_keystone(os.path.join(stack.root, 'keystone'),
                                    console)
        except venvs.VenvError as exc:
            raise pb_stack.StackError('Keystone cannot be installed: %s'
                                      % exc) from None
        stack.settings = dataclasses.replace(stack.settings,
                                             keystone=server)
    try:
        return _run(conf, console, stack)
    finally:
        if server is not None:
            server.stop()


def _run(conf, console, stack):
    settings = stack.settings
    console.out.write('Starting %d virtual BMCs, baremetal-notifier, '
                      'compute-ext-api and %d compute agents in %s ...\n'
                      % (conf.nodes, len(settings.compute_hosts),
                         stack.root))
    console.out.flush()
    observer = observe.Observer(stack)
    lag = observe.LagTracker()
    try:
        stack.start()
        header = ['Point the openstack CLI at it:'] + [
            '  ' + line for line in cli_examples(stack)]
        console.out.write('\n'.join(header) + '\n\n')
        console.out.flush()
        script = pb_scenario.Scenario(stack, lag, say=console.say)
        worker = threading.Thread(target=script.run, name='scenario',
                                  daemon=True)
        started = time.monotonic()
        worker.start()
        try:
            while True:
                snap = observer.snapshot()
                console.show(render(snap, observe.metric_figures(stack),
                                    stack, lag, script.steps, started),
                             header)
                elapsed = time.monotonic() - started
                if conf.once and not worker.is_alive():
                    break
                if conf.duration is not None and elapsed >= conf.duration:
                    break
                time.sleep(1.0)
        except KeyboardInterrupt:
            console.out.write('\nInterrupted.\n')
        script.stopping = True
        return finish(script, lag, console, conf)
    finally:
        # NOTE: a second Ctrl-C must not cut the shutdown short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        observer.close()
        console.out.write('Stopping every process ...\n')
        console.out.flush()
        stack.stop()


def finish(script, lag, console, conf):
    summary = lag.summary()
    out = console.out
    out.write('\nScenario summary:\n')
    for number, step in enumerate(script.steps, 1):
        out.write('  %d. %s: %s in %.1f s %s\n' % (
            number, step.title, {None: 'not finished', True: 'ok',
                                 False: 'FAILED'}[step.ok],
            step.seconds, step.detail))
    out.write('  flip -> Compute API lag: p50 %s, p99 %s over %d changes\n'
              % (_ms(summary['p50']), _ms(summary['p99']),
                 summary['count']))
    if conf.once:
        out.write('RESULT: %s\n' % ('converged' if script.ok
                                    else 'NOT converged'))
        return 0 if script.ok else 1
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    conf = cfg.ConfigOpts()
    conf.register_cli_opts(cli_opts)
    try:
        conf(argv, project='powerbridge', prog=PROG, default_config_files=[])
    except cfg.Error as exc:
        sys.stderr.write('%s: error: %s\n' % (PROG, exc))
        return 2
    _install_signal_handlers()
    console = Console()
    try:
        return run(conf, console)
    except KeyboardInterrupt:
        return 130 if conf.once else 0
    except pb_stack.StackError as exc:
        sys.stderr.write('%s: %s\n' % (PROG, exc))
        return 1


if __name__ == '__main__':
    sys.exit(main())
