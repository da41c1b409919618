"""The whole product as real processes: what the demo, e2e tests and
benchmarks run.

``Stack.start()`` lays out a state directory, migrates both databases,
starts the vBMC fleet, ``baremetal-notifier``, ``compute-ext-api`` and one
``compute-ext-compute`` per host, waits until each is ready, enrolls one
node per BMC through the Bare Metal API and places one instance per node
with ``compute-ext-manage server import``.
"""

import atexit
import concurrent.futures
import contextlib
import dataclasses
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import requests

from powerbridge.stack import clients
from powerbridge.stack import cloud as stack_cloud
from powerbridge.stack import inventory
from powerbridge.stack import layout as stack_layout
from powerbridge.stack.process import find_script
from powerbridge.stack.process import Process
from powerbridge.stack.process import StackError
from powerbridge.stack.process import wait_for
from powerbridge.vbmc import control

VBMC = 'vbmc'
NOTIFIER = 'baremetal-notifier'
COMPUTE_API = 'compute-ext-api'
_READY_LINE = re.compile(r'^vbmc (\d+) ready on ([\d.]+):(\d+)$', re.M)
_CONTROL_LINE = re.compile(r'^vbmc control on (\S+)$', re.M)
# Seconds a process gets to become ready / to stop before SIGKILL.
START_TIMEOUT = 120.0
STOP_TIMEOUT = 10.0


@dataclasses.dataclass
class StackNode:
    """Node ``index`` is the BMC of the same index in the fleet."""

    index: int
    name: str
    bmc_port: int
    uuid: str = None
    instance_uuid: str = None
    instance_name: str = None


def _failure_text(result):
    """stderr, or else the stdout lines that say what failed (import)."""
    if result.stderr.strip():
        return result.stderr.strip()
    lines = result.stdout.strip().splitlines()
    failed = [line for line in lines if line.startswith('failed ')]
    return '\n'.join(failed[:10] or lines[-10:])


class Stack:
    """Real processes over real sockets; a context manager.

    :param root: the state directory (a new temporary one by default,
        removed by ``stop()`` unless ``keep`` is set).
    :param settings: a layout.Settings; keyword arguments override it.
    """

    def __init__(self, root=None, settings=None, keep=None, **overrides):
        settings = dataclasses.replace(settings or stack_layout.Settings(),
                                       **overrides)
        self._own_root = root is None
        self.keep = (not self._own_root) if keep is None else keep
        self.root = root or tempfile.mkdtemp(prefix='powerbridge-')
        os.makedirs(self.root, exist_ok=True)
        self.settings = settings
        self.layout = stack_layout.Layout(self.root, settings)
        self.processes = {}
        self.nodes = []
        self.bmc = None
        self.compute = clients.ComputeClient(
            self.layout.compute_url, stack_layout.NOAUTH2_ADMIN_TOKEN)
        self.baremetal = clients.BaremetalClient(self.layout.baremetal_url)
        self._password = None
        # Seconds each start-up step took (for the demo and benchmarks).
        self.timings = {}
        self._stopped = threading.Event()

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc_info):
        self.stop()

    @contextlib.contextmanager
    def _step(self, name):
        started = time.monotonic()
        yield
        self.timings[name] = time.monotonic() - started

    @property
    def cloud(self):
        """The Keystone cloud (a cloud.Cloud) or None."""
        return self.layout.cloud

    def _use_keystone(self):
        """Users, roles and this stack's catalog entries in Keystone;
        clients that authenticate with passwords."""
        with self._step('keystone cloud'):
            cloud = stack_cloud.populate(self.settings.keystone, {
                'compute': self.layout.compute_url,
                'baremetal': self.layout.baremetal_url})
        self.layout.cloud = cloud
        # The instances are alice's, in project demo.
        self.settings = dataclasses.replace(
            self.settings, instance_project=cloud.project_ids['demo'],
            instance_user=cloud.user_ids['alice'])
        self.layout.settings = self.settings
        self.compute = clients.ComputeClient.from_session(
            cloud.session('admin'), cloud.region)
        # Ironic's node rules want a system-scoped admin (or the service
        # role in the service project).
        self.baremetal = clients.BaremetalClient.from_session(
            cloud.session('admin', system_scope=True), cloud.region)

    def start(self):
        atexit.register(self.stop)
        if self.settings.keystone is not None:
            self._use_keystone()
        self._password = self.layout.create()
        self._define_processes()
        # The fleet needs no database: it starts while the schemas are made.
        self.processes[VBMC].start()
        with self._step('db sync'):
            # NOTE: both at once; they touch different databases.
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                for future in [pool.submit(
                        self.manage, script, name, 'db', 'sync')
                        for script, name in (
                            ('baremetal-notifier-manage', NOTIFIER),
                            ('compute-ext-manage', COMPUTE_API))]:
                    future.result()
        with self._step('services ready'):
            self.processes[NOTIFIER].start()
            self.processes[COMPUTE_API].start()
            for host in self.settings.compute_hosts:
                self.processes[host].start()
            self._wait_fleet()
            self.wait_api(NOTIFIER)
            self.wait_api(COMPUTE_API)
            self.wait_agents_up()
        with self._step('nodes enrolled'):
            inventory.enroll(self.baremetal, self.nodes, self.settings,
                             self._password)
        with self._step('nodes managed and adopted'):
            inventory.manage_and_adopt(self.baremetal, self.nodes,
                                       self.processes[NOTIFIER],
                                       START_TIMEOUT)
        with self._step('first power sync'):
            inventory.wait_synced(self.baremetal, self.processes[NOTIFIER],
                                  START_TIMEOUT)
        if self.settings.instances:
            with self._step('instances placed'):
                inventory.place_instances(self.baremetal, self.nodes,
                                          self._place_share)
        return self

    def stop(self):
        """Stop every process (SIGTERM, SIGKILL after a bound); idempotent."""
        if self._stopped.is_set():
            return
        groups = [list(self.settings.compute_hosts), [COMPUTE_API, NOTIFIER],
                  [VBMC]]
        for group in groups:
            procs = [self.processes[n] for n in group if n in self.processes]
            for proc in procs:
                proc.send(signal.SIGCONT)
                proc.send(signal.SIGTERM)
            for proc in procs:
                proc.stop(STOP_TIMEOUT)
        # NOTE: marked only now, so a stop interrupted half-way (a second
        # Ctrl-C) is finished by the atexit hook.
        self._stopped.set()
        atexit.unregister(self.stop)
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def _define_processes(self):
        lay = self.layout
        self.processes[VBMC] = Process(
            VBMC, 'baremetal-notifier-vbmc',
            ['--count', str(self.settings.nodes), '--address', '127.0.0.1',
             '--base-port', '0', '--username', self.settings.bmc_username,
             '--password-file', lay.password_file, '--control-port', '0']
            + (['--power-on'] if self.settings.bmcs_powered_on else []),
            lay.log_path(VBMC))
        for name, script in ((NOTIFIER, 'baremetal-notifier'),
                             (COMPUTE_API, 'compute-ext-api')):
            self.processes[name] = Process(
                name, script, ['--config-file', lay.config_path(name)],
                lay.log_path(name))
        for host in self.settings.compute_hosts:
            self.processes[host] = Process(
                host, 'compute-ext-compute',
                ['--config-file', lay.config_path(host), '--host', host],
                lay.log_path(host))

    def manage(self, script, config_name, *args, stdin=None, timeout=120):
        """Run a manage command with a process's config; its stdout.

        :param stdin: text for the command's standard input (none if None).
        """
        argv = [find_script(script), '--config-file',
                self.layout.config_path(config_name)] + list(args)
        result = subprocess.run(
            argv, input=stdin,
            stdin=subprocess.DEVNULL if stdin is None else None,
            capture_output=True, text=True, timeout=timeout)
        if result.returncode:
            raise StackError('%s %s failed (%d): %s' % (
                script, ' '.join(args), result.returncode,
                _failure_text(result)))
        return result.stdout

    def _wait_fleet(self):
        fleet = self.processes[VBMC]
        line = fleet.wait_for_log('vbmc control on', START_TIMEOUT)
        text = fleet.log_text(since_start=True)
        ports = {int(i): int(port) for i, _, port in _READY_LINE.findall(text)}
        if len(ports) != self.settings.nodes:
            raise StackError('vbmc announced %d of %d BMCs'
                             % (len(ports), self.settings.nodes))
        self.bmc = control.ControlClient(_CONTROL_LINE.search(line).group(1))
        self.nodes = [StackNode(i, 'node-%04d' % i, ports[i])
                      for i in range(self.settings.nodes)]

    # -- readiness ---------------------------------------------------------

    def url_of(self, name):
        # GET / (version discovery) needs no token under either auth.
        return {NOTIFIER: self.layout.baremetal_url + '/',
                COMPUTE_API: 'http://127.0.0.1:%d/'
                             % self.layout.compute_port}[name]

    def api_answers(self, name):
        try:
            response = requests.get(self.url_of(name), timeout=2)
            return response.status_code == 200
        except requests.RequestException:
            return False

    def wait_api(self, name, timeout=START_TIMEOUT):
        proc = self.processes[name]

        def ready():
            proc.check_alive()
            return self.api_answers(name)
        wait_for(ready, timeout, 0.1, '%s to answer GET /' % name)

    def services(self):
        """host -> the nova-compute service as the Compute API shows it."""
        return {s['host']: s for s in
                self.compute.services(binary='nova-compute')}

    def wait_agents_up(self, hosts=None, timeout=START_TIMEOUT):
        hosts = list(hosts or self.settings.compute_hosts)

        def all_up():
            for host in hosts:
                self.processes[host].check_alive()
            services = self.services()
            return all(services.get(h, {}).get('state') == 'up'
                       for h in hosts)
        wait_for(all_up, timeout, 0.2, 'compute services %s up' % hosts)

    # -- nodes and instances -----------------------------------------------

    def _place_share(self, nodes):
        """One ``server import`` run for ``nodes``' instances."""
        pairs = ''.join('%s %s\n' % (n.instance_name, n.uuid) for n in nodes)
        self.manage('compute-ext-manage', COMPUTE_API, 'server', 'import',
                    '--project', self.settings.instance_project,
                    '--user', self.settings.instance_user,
                    '-', stdin=pairs, timeout=600)

    def node_of_instance(self, instance_uuid):
        for node in self.nodes:
            if node.instance_uuid == instance_uuid:
                return node
        raise KeyError(instance_uuid)

    # -- acting on the stack -----------------------------------------------

    def flip(self, index, on):
        """Change a BMC's power "behind the API's back" (no IPMI)."""
        self.bmc.set_power(index, on)

    def set_fault(self, index, **faults):
        """latency_ms / loss_pct / hang of one BMC (all if index is None)."""
        return self.bmc.set_fault(index, **faults)

    def kill(self, name):
        """SIGKILL one process, as a crash would."""
        return self.processes[name].kill()

    def terminate(self, name):
        return self.processes[name].stop(STOP_TIMEOUT)

    def restart(self, name, wait=True):
        """Start a stopped process again (same config, same ports)."""
        proc = self.processes[name]
        if proc.alive():
            proc.stop(STOP_TIMEOUT)
        proc.start()
        if wait and name in (NOTIFIER, COMPUTE_API):
            self.wait_api(name)
        elif wait and name in self.settings.compute_hosts:
            self.wait_agents_up([name])
        return proc

    def openstack(self, *args, cloud='powerbridge', timeout=120,
                  check=True):
        """Run the real openstack CLI against the stack; CompletedProcess."""
        # NOTE: the caller's own OS_* settings would override clouds.yaml.
        env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
        env.update(OS_CLIENT_CONFIG_FILE=self.layout.clouds_yaml,
                   OS_CLOUD=cloud)
        result = subprocess.run([find_script('openstack')] + list(args),
                                env=env,
                                stdin=subprocess.DEVNULL,
                                capture_output=True, text=True,
                                timeout=timeout)
        if check and result.returncode:
            raise StackError('openstack %s failed (%d): %s' % (
                ' '.join(args), result.returncode, result.stderr.strip()))
        return result

    def logs(self):
        """name -> log text of every process (for test details)."""
        return {name: proc.log_text() for name, proc in
                self.processes.items()}

    def cli_hint(self):
        """Shell lines that point the openstack CLI at this stack."""
        return ['export OS_CLIENT_CONFIG_FILE=%s' % self.layout.clouds_yaml,
                'export OS_CLOUD=powerbridge']

    def wait_for(self, condition, timeout, interval=0.2, what='condition'):
        """wait_for, failing early with the log if a process died."""
        def checked():
            for proc in self.processes.values():
                if proc.starts and proc.popen and not proc.alive() and \
                        proc.returncode not in (0, -signal.SIGKILL,
                                                -signal.SIGTERM):
                    proc.check_alive()
            return condition()
        return wait_for(checked, timeout, interval, what)
