"""A real Keystone on loopback: the identity service of a test cloud.

Keystone comes from the package index into its own cached virtual
environment (venvs.py). ``KeystoneServer.start()`` writes a keystone.conf
(SQLite, fernet tokens), runs ``keystone-manage db_sync``,
``fernet_setup``, ``credential_setup`` and ``bootstrap`` as a deployment
does, and serves Keystone's WSGI application with gunicorn on a free
loopback port. The bootstrap password reaches keystone-manage through
its environment (``OS_BOOTSTRAP_PASSWORD``), never its arguments.
"""

import concurrent.futures
import grp
import os
import pwd
import secrets
import signal
import subprocess
import time

import requests

from powerbridge.stack import layout as stack_layout
from powerbridge.stack import process as stack_process
from powerbridge.stack import venvs

NAME = 'keystone'
VERSION = '30.0.0'
REQUIREMENTS = ['keystone==%s' % VERSION, 'gunicorn']
REGION = 'RegionOne'
# Keystone's WSGI application, as its own WSGI module names it.
APPLICATION = 'keystone.wsgi.api:application'
WORKERS = 2
START_TIMEOUT = 60.0


def new_password():
    return secrets.token_urlsafe(18)


def ensure_venv():
    """(venv path, seconds spent building it); VenvError if impossible."""
    return venvs.ensure(NAME, VERSION, REQUIREMENTS)


def write_gunicorn_config(directory, application, port, workers,
                          access_log=None):
    """``directory``/gunicorn.conf.py, which gunicorn reads from its
    working directory: the application, a loopback port, the workers,
    and no control socket (one per user by default, which two servers
    would share)."""
    settings = {'wsgi_app': application,
                'bind': ['127.0.0.1:%d' % port],
                'workers': workers, 'timeout': 60, 'graceful_timeout': 5,
                'control_socket_disable': True}
    if access_log:
        # %(p)s: the worker's pid, to see which process served a request.
        settings.update(accesslog=access_log,
                        access_log_format='%(p)s "%(r)s" %(s)s')
    with open(os.path.join(directory, 'gunicorn.conf.py'), 'w',
              encoding='utf-8') as handle:
        for key, value in settings.items():
            handle.write('%s = %r\n' % (key, value))


class KeystoneServer:
    """One Keystone under ``root``: config, keys, SQLite and a server.

    :param venv: the virtual environment holding keystone and gunicorn.
    :param token_expiration: seconds a token lives ([token] expiration).
    """

    def __init__(self, root, venv, token_expiration=3600):
        self.root = root
        self.venv = venv
        self.token_expiration = token_expiration
        self.port = stack_layout.free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.auth_url = self.url + '/v3'
        self.config_path = os.path.join(root, 'keystone.conf')
        self.log_path = os.path.join(root, 'keystone.log')
        self.admin_password = new_password()
        # Every user's password once cloud.populate() made them.
        self.passwords = {}
        self.process = None
        self.timings = {}

    def _env(self, **extra):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_')}
        # Keystone's WSGI module reads its config files from here.
        env['OS_KEYSTONE_CONFIG_FILES'] = self.config_path
        env.update(extra)
        return env

    def write_config(self):
        os.makedirs(self.root, exist_ok=True)
        os.chmod(self.root, 0o700)
        sections = {
            'DEFAULT': {'debug': False},
            # bcrypt's fewest rounds: a throwaway cloud whose users log in
            # on every test; a production Keystone keeps its default.
            'identity': {'password_hash_rounds': 4},
            'database': {'connection': 'sqlite:///%s' % os.path.join(
                self.root, 'keystone.sqlite')},
            'token': {'provider': 'fernet',
                      'expiration': self.token_expiration},
            'fernet_tokens': {'key_repository': os.path.join(
                self.root, 'fernet-keys')},
            'fernet_receipts': {'key_repository': os.path.join(
                self.root, 'fernet-keys')},
            'credential': {'key_repository': os.path.join(
                self.root, 'credential-keys')},
        }
        stack_layout.write_config(self.config_path, sections)

    def manage(self, *args, env=None):
        argv = [venvs.script(self.venv, 'keystone-manage'),
                '--config-file', self.config_path] + list(args)
        result = subprocess.run(argv, capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, timeout=300,
                                env=self._env(**(env or {})))
        if result.returncode:
            raise stack_process.StackError(
                'keystone-manage %s failed (%d): %s' % (
                    args[0], result.returncode,
                    '\n'.join(result.stderr.splitlines()[-10:])))
        return result.stdout

    def setup(self):
        """Database, keys and the bootstrap admin, as a deployment does."""
        self.write_config()
        started = time.monotonic()
        # The key repositories belong to whoever runs the server: us.
        owner = ['--keystone-user', pwd.getpwuid(os.getuid()).pw_name,
                 '--keystone-group', grp.getgrgid(os.getgid()).gr_name]
        # NOTE: the keys need no database: made while the schema is.
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            for future in [pool.submit(self.manage, 'db_sync')] + [
                    pool.submit(self.manage, keys, *owner)
                    for keys in ('fernet_setup', 'credential_setup')]:
                future.result()
        self.manage(
            'bootstrap', '--bootstrap-username', 'admin',
            '--bootstrap-project-name', 'admin',
            '--bootstrap-role-name', 'admin',
            '--bootstrap-service-name', 'keystone',
            '--bootstrap-region-id', REGION,
            '--bootstrap-admin-url', self.auth_url,
            '--bootstrap-internal-url', self.auth_url,
            '--bootstrap-public-url', self.auth_url,
            env={'OS_BOOTSTRAP_PASSWORD': self.admin_password})
        self.timings['keystone-manage'] = time.monotonic() - started

    def start(self):
        """Serve Keystone; returns once it answers GET /v3."""
        started = time.monotonic()
        # NOTE: Keystone's WSGI module parses sys.argv with oslo.config,
        # so gunicorn takes everything from ./gunicorn.conf.py instead of
        # its command line.
        write_gunicorn_config(self.root, APPLICATION, self.port, WORKERS)
        with open(self.log_path, 'ab') as log:
            self.process = subprocess.Popen(
                [venvs.script(self.venv, 'gunicorn')], cwd=self.root,
                stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=self._env(),
                start_new_session=True)
        stack_process.wait_for(self._answers, START_TIMEOUT, 0.1,
                               'Keystone to answer GET /v3')
        self.timings['keystone start'] = time.monotonic() - started
        return self

    def _answers(self):
        if self.process.poll() is not None:
            raise stack_process.StackError(
                'Keystone exited (%s): %s' % (self.process.returncode,
                                              self.log_tail()))
        try:
            return requests.get(self.auth_url, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, encoding='utf-8',
                      errors='replace') as log:
                return '\n'.join(log.read().splitlines()[-lines:])
        except FileNotFoundError:
            return ''

    def stop(self):
        """SIGTERM to the gunicorn arbiter (its workers follow)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def pause(self):
        """SIGSTOP the whole server: it holds its port, answers nothing."""
        os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self):
        os.killpg(self.process.pid, signal.SIGCONT)
