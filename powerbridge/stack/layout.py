"""The state directory of a Stack: settings, ports, config files, secrets.

Every process gets its own oslo.config file, written here before it
starts, so an operator (or a failing test's details) can read exactly what
each one ran with. The vBMC password lives in a 0600 file and reaches the
fleet through ``--password-file`` and the Bare Metal API through a request
body; it is never on a command line.
"""

import configparser
import dataclasses
import os
import random
import secrets
import socket
import string
import typing

from oslo_log import log as logging
import yaml

NOAUTH2_ADMIN_TOKEN = 'admin:admin'
# The conductor logs a quiet sync cycle at DEBUG; the observer counts
# cycles from that line, so let just this logger through.
CYCLE_LOGGER = 'baremetal_notifier.conductor.power_sync=DEBUG'
COMPUTE_PREFIX = '/v2.1'


@dataclasses.dataclass
class Settings:
    """What a Stack runs; the defaults suit tests (short intervals)."""

    nodes: int = 4
    # One instance per node, placed with `compute-ext-manage server create`.
    instances: bool = True
    compute_hosts: typing.Sequence[str] = ('compute-1', 'compute-2')
    # Bare metal side.
    conductor_sync_interval: int = 1
    # [ipmi] min_command_interval: below the sync interval, so every
    # cycle reads every BMC.
    min_command_interval: float = 0.5
    force_power_state_during_sync: bool = False
    send_power_notifications: bool = True
    power_state_sync_max_retries: int = 3
    # Outbox backoff: short, so a recovered Compute API is found quickly.
    retry_initial_delay: float = 0.2
    retry_max_delay: float = 2.0
    # Compute side. A long agent sync interval shows that what changes
    # instances is the events, not the agents' own periodic sync.
    compute_sync_interval: int = 600
    power_state_authority: str = 'baremetal'
    report_interval: int = 1
    service_down_time: int = 6
    ring_refresh_interval: int = 1
    # vBMC fleet.
    bmc_username: str = 'admin'
    bmcs_powered_on: bool = True
    # SQLAlchemy URLs; SQLite files in the state directory when None.
    compute_db: typing.Optional[str] = None
    baremetal_db: typing.Optional[str] = None
    # A Prometheus /metrics listener on each service (the demo's live
    # view reads them).
    metrics: bool = True
    # Extra options: {'baremetal'|'compute-api'|'compute': {section:
    # {option: value}}}, applied last.
    overrides: dict = dataclasses.field(default_factory=dict)
    # Who owns the placed instances (project and user ids).
    instance_project: str = 'admin'
    instance_user: str = 'admin'
    # A started keystone.KeystoneServer: both APIs then run with
    # auth_strategy = keystone and find each other through its catalog.
    keystone: typing.Any = None


# Ports handed out by this process, so two stacks in one test worker
# never get the same one.
_HANDED_OUT = set()


def _ephemeral_range():
    """The kernel's range for port-0 binds (Linux default 32768-60999)."""
    try:
        with open('/proc/sys/net/ipv4/ip_local_port_range') as handle:
            low, high = (int(part) for part in handle.read().split())
        return low, high
    except (OSError, ValueError):
        return 32768, 60999


def free_port(host='127.0.0.1'):
    """A TCP port nobody listens on now, outside the ephemeral range.

    The port is chosen once per stack and kept across restarts, because
    the peers' config files name it.  It is taken below the kernel's
    ephemeral range: a port the kernel picked for a port-0 bind could be
    handed to another process (a vBMC control listener, a client
    socket) between this choice and the service's own bind.
    """
    low, _high = _ephemeral_range()
    floor = 10000 if low > 12000 else 1024
    rng = random.SystemRandom()
    for _attempt in range(200):
        port = rng.randrange(floor, low)
        if port in _HANDED_OUT:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise OSError('no free TCP port on %s below %d' % (host, low))


def new_password():
    """An IPMI password: at most 20 bytes, letters and digits."""
    alphabet = string.ascii_letters + string.digits
    return ''.join(secrets.choice(alphabet) for _ in range(16))


def write_secret(path, text):
    """Write ``text`` to a new file only its owner can read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w', encoding='utf-8') as handle:
        handle.write(text + '\n')


def write_config(path, sections):
    """Write {section: {option: value}} as an oslo.config INI file."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    for section, options in sections.items():
        parser[section] = {key: _ini(value) for key, value in options.items()
                           if value is not None}
    # NOTE: 0600: under Keystone the files hold service passwords.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w', encoding='utf-8') as handle:
        parser.write(handle)


def _ini(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (list, tuple)):
        return ','.join(str(v) for v in value)
    return str(value)


def _merge(sections, overrides):
    for section, options in (overrides or {}).items():
        sections.setdefault(section, {}).update(options)
    return sections


class Layout:
    """Paths and ports of one stack under ``root``."""

    def __init__(self, root, settings):
        self.root = root
        self.settings = settings
        self.logs = os.path.join(root, 'logs')
        self.etc = os.path.join(root, 'etc')
        self.compute_state = os.path.join(root, 'compute')
        self.baremetal_state = os.path.join(root, 'baremetal')
        self.password_file = os.path.join(root, 'bmc-password')
        self.clouds_yaml = os.path.join(root, 'clouds.yaml')
        self.compute_port = free_port()
        self.baremetal_port = free_port()
        # name (baremetal-notifier, compute-ext-api or a compute host) ->
        # port of its metrics listener.
        self.metrics_ports = {
            name: free_port() for name in
            ['baremetal-notifier', 'compute-ext-api']
            + list(settings.compute_hosts)}
        # A cloud.Cloud, set before create() when Keystone is in use.
        self.cloud = None

    def metrics_url(self, name):
        """The /metrics URL of a process (see ``metrics_ports``)."""
        return 'http://127.0.0.1:%d/metrics' % self.metrics_ports[name]

    def _metrics_section(self, name):
        return {'enabled': self.settings.metrics, 'host': '127.0.0.1',
                'port': self.metrics_ports[name]}

    @property
    def compute_url(self):
        return 'http://127.0.0.1:%d%s' % (self.compute_port, COMPUTE_PREFIX)

    @property
    def baremetal_url(self):
        return 'http://127.0.0.1:%d' % self.baremetal_port

    @property
    def compute_db(self):
        return self.settings.compute_db or 'sqlite:///%s' % os.path.join(
            self.compute_state, 'compute.sqlite')

    @property
    def baremetal_db(self):
        return self.settings.baremetal_db or 'sqlite:///%s' % os.path.join(
            self.baremetal_state, 'baremetal.sqlite')

    def config_path(self, name):
        return os.path.join(self.etc, '%s.conf' % name)

    def log_path(self, name):
        return os.path.join(self.logs, '%s.log' % name)

    def create(self):
        """Make the directories, the password file and every config."""
        for path in (self.logs, self.etc, self.compute_state,
                     self.baremetal_state):
            os.makedirs(path, exist_ok=True)
        os.chmod(self.root, 0o700)
        password = new_password()
        write_secret(self.password_file, password)
        write_config(self.config_path('baremetal-notifier'),
                     self.baremetal_sections())
        write_config(self.config_path('compute-ext-api'),
                     self.compute_sections('compute-ext-api'))
        for host in self.settings.compute_hosts:
            write_config(self.config_path(host),
                         self.compute_sections(host, host=host))
        self.write_clouds_yaml()
        return password

    def baremetal_sections(self):
        s = self.settings
        return _merge({
            'DEFAULT': {'state_path': self.baremetal_state,
                        'host': 'conductor-1',
                        # The compute agent reaches the Bare Metal API as
                        # the nova service user (service role in the
                        # service project), as DevStack lets Nova reach
                        # Ironic.
                        'rbac_service_role_elevated_access':
                            self.cloud is not None,
                        'default_log_levels':
                            logging.get_default_log_levels() + [
                                CYCLE_LOGGER]},
            'api': {'host': '127.0.0.1', 'port': self.baremetal_port,
                    'auth_strategy': 'keystone' if self.cloud else 'noauth'},
            'database': {'connection': self.baremetal_db},
            'metrics': self._metrics_section('baremetal-notifier'),
            'ipmi': {'min_command_interval': s.min_command_interval},
            'conductor': {
                'sync_power_state_interval': s.conductor_sync_interval,
                'force_power_state_during_sync':
                    s.force_power_state_during_sync,
                'power_state_sync_max_retries':
                    s.power_state_sync_max_retries,
                'power_state_change_timeout': 10,
                'heartbeat_interval': 2},
            'nova': dict(self._peer_auth('nova', {
                'auth_type': 'admin_token', 'endpoint': self.compute_url,
                'token': NOAUTH2_ADMIN_TOKEN}),
                send_power_notifications=s.send_power_notifications,
                timeout=5, retry_initial_delay=s.retry_initial_delay,
                retry_max_delay=s.retry_max_delay),
            **self._authtoken('ironic'),
        }, s.overrides.get('baremetal'))

    def _peer_auth(self, user, without_keystone):
        """A keystoneauth section: ``user``'s password and the catalog
        (no endpoint override) under Keystone, else ``without_keystone``.
        """
        if self.cloud is None:
            return without_keystone
        return dict(self.cloud.service_auth_options(user),
                    region_name=self.cloud.region,
                    valid_interfaces='internal,public')

    def _authtoken(self, user):
        """[keystone_authtoken] as a deployment writes it, or nothing."""
        if self.cloud is None:
            return {}
        return {'keystone_authtoken': dict(
            self.cloud.service_auth_options(user),
            www_authenticate_uri=self.cloud.auth_url,
            region_name=self.cloud.region,
            # Fail fast when Keystone does not answer (the default
            # timeout is none, and three retries).
            http_connect_timeout=3, http_request_max_retries=1)}

    def compute_sections(self, name, host=None):
        s = self.settings
        sections = {
            'DEFAULT': {'state_path': self.compute_state,
                        'host': host,
                        'report_interval': s.report_interval,
                        'service_down_time': s.service_down_time,
                        'sync_power_state_interval': s.compute_sync_interval,
                        'power_state_authority': s.power_state_authority,
                        'ring_refresh_interval': s.ring_refresh_interval,
                        'power_action_timeout': 20},
            'api': {'host': '127.0.0.1', 'port': self.compute_port,
                    'auth_strategy':
                        'keystone' if self.cloud else 'noauth2'},
            'database': {'connection': self.compute_db},
            'metrics': self._metrics_section(host or 'compute-ext-api'),
            'baremetal': dict(self._peer_auth('nova', {
                'auth_type': 'none',
                'endpoint_override': self.baremetal_url}),
                api_retry_interval=0.2),
            **self._authtoken('nova'),
        }
        _merge(sections, s.overrides.get('compute'))
        return _merge(sections, s.overrides.get(
            'compute-api' if host is None else host))

    def write_clouds_yaml(self):
        """Clouds for the openstack CLI, as in clients.md."""
        if self.cloud is not None:
            return self._write_keystone_clouds_yaml()
        compute = self.compute_url
        clouds = {'clouds': {
            # Admin on the Compute API (noauth2), and the Bare Metal API.
            'powerbridge': {
                'auth_type': 'admin_token',
                'auth': {'endpoint': compute, 'token': NOAUTH2_ADMIN_TOKEN},
                'identity_api_version': 3,
                # NOTE: `server list` builds an identity proxy and insists
                # on v3; discovered from the v2.1 URL it reads as "v2"
                # unless identity has an endpoint of its own.
                'identity_endpoint_override': compute,
                'compute_endpoint_override': compute,
                'baremetal_endpoint_override': self.baremetal_url,
            },
            # The Bare Metal API only, with no token at all.
            'powerbridge-baremetal': {
                'auth_type': 'none',
                'auth': {'endpoint': self.baremetal_url},
                'baremetal_endpoint_override': self.baremetal_url,
            },
        }}
        with open(self.clouds_yaml, 'w', encoding='utf-8') as handle:
            yaml.safe_dump(clouds, handle, default_flow_style=False)

    def _write_keystone_clouds_yaml(self):
        """One cloud per user, password auth, endpoints from the catalog:
        ``powerbridge`` is admin in project admin (Compute API),
        ``powerbridge-system`` admin with system scope (Bare Metal API,
        whose defaults want a system-scoped admin)."""
        def entry(user, system_scope=False):
            env = self.cloud.os_env(user, system_scope)
            auth = {'auth_url': env['OS_AUTH_URL'], 'username': user,
                    'password': env['OS_PASSWORD'],
                    'user_domain_name': env['OS_USER_DOMAIN_NAME']}
            if system_scope:
                auth['system_scope'] = 'all'
            else:
                auth.update(project_name=env['OS_PROJECT_NAME'],
                            project_domain_name=env[
                                'OS_PROJECT_DOMAIN_NAME'])
            return {'auth_type': 'password', 'auth': auth,
                    'identity_api_version': 3,
                    'region_name': self.cloud.region,
                    'interface': 'public'}
        clouds = {'powerbridge': entry('admin'),
                  'powerbridge-system': entry('admin', system_scope=True)}
        for user in self.cloud.passwords:
            if user != 'admin':
                clouds['powerbridge-%s' % user] = entry(user)
        fd = os.open(self.clouds_yaml, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                     0o600)
        with os.fdopen(fd, 'w', encoding='utf-8') as handle:
            yaml.safe_dump({'clouds': clouds}, handle,
                           default_flow_style=False)
