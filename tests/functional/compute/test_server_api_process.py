"""compute-ext-api as a real process, for the CLI tests and benchmarks.

The server listens on a port the kernel picks ([api] port = 0) and says
which in its log, so parallel test workers never collide on a port.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import fixtures
import testtools

from tests import dbfixture

LISTENING = re.compile(r'Compute API listening on http://([^:/]+):(\d+)/')
START_TIMEOUT = 30


def console_script(name):
    """A console script of this environment, by its operator name."""
    path = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.exists(path):
        return [path]
    module = {'compute-ext-api': 'compute_ext.cmd.api'}[name]
    return [sys.executable, '-c',
            'import sys; from %s import main; sys.exit(main())' % module]


class ComputeAPIProcess(fixtures.Fixture):
    """``compute-ext-api --config-file F`` on a migrated database.

    ``url`` (http://127.0.0.1:PORT) is set once the server listens; the
    log is in ``log_path``. SIGTERM on cleanup, as an init system would.
    """

    def __init__(self, connection, auth_strategy='noauth2', **options):
        super().__init__()
        self.connection = connection
        self.auth_strategy = auth_strategy
        self.options = options

    def _setUp(self):
        workdir = self.useFixture(fixtures.TempDir()).path
        self.config_path = os.path.join(workdir, 'compute-ext.conf')
        self.log_path = os.path.join(workdir, 'compute-ext-api.log')
        api = {'host': '127.0.0.1', 'port': 0,
               'auth_strategy': self.auth_strategy}
        api.update(self.options)
        with open(self.config_path, 'w') as conf:
            conf.write('[DEFAULT]\nstate_path = %s\n' % workdir)
            conf.write('[api]\n')
            conf.writelines('%s = %s\n' % item for item in api.items())
            conf.write('[database]\nconnection = %s\n' % self.connection)
        with open(self.log_path, 'wb') as log:
            self.process = subprocess.Popen(
                console_script('compute-ext-api')
                + ['--config-file', self.config_path],
                stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(self.stop)
        self.url = self._wait_for_port()

    def _wait_for_port(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            with open(self.log_path) as log:
                match = LISTENING.search(log.read())
            if match:
                return 'http://%s:%s' % match.groups()
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        with open(self.log_path) as log:
            raise RuntimeError('compute-ext-api did not start:\n'
                               + log.read()[-2000:])

    def stop(self):
        """SIGTERM and wait; the return code (killed after 10 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def request(url, method='GET', body=None, token='admin:admin',
            version='2.76', roles=None):
    """One HTTP request; (status, headers, decoded JSON or None)."""
    headers = {'X-Auth-Token': token, 'Accept': 'application/json',
               'OpenStack-API-Version': 'compute %s' % version}
    if roles:
        headers['X-Roles'] = roles
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers['Content-Type'] = 'application/json'
    req = urllib.request.Request(url, data=data, method=method,
                                 headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            status, raw, hdrs = response.status, response.read(), \
                response.headers
    except urllib.error.HTTPError as error:
        status, raw, hdrs = error.code, error.read(), error.headers
    return status, hdrs, json.loads(raw) if raw else None


class TestComputeAPIProcess(testtools.TestCase):

    def test_serves_and_stops_on_sigterm(self):
        database = self.useFixture(dbfixture.ThrowawayDatabase(
            'sqlite', tree='compute'))
        server = self.useFixture(ComputeAPIProcess(database.url))
        status, _headers, body = request(server.url + '/v2.1/')
        self.assertEqual(200, status)
        self.assertEqual(server.url + '/v2.1/',
                         body['version']['links'][0]['href'])
        status, _headers, body = request(server.url + '/v2.1/servers')
        self.assertEqual((200, {'servers': []}), (status, body))
        self.assertEqual(0, server.stop())
