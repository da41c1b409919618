"""Metrics across processes: a multi-process WSGI server's workers add up,
and a metrics port already taken stops a service with one clear line."""

import os
import signal
import socket
import subprocess
import sys
import time

import fixtures
import requests
import testtools

from powerbridge.stack import layout
from tests.fixtures import metrics as read
from tests.fixtures import processes

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def _write_conf(path, db_path, metrics_port, **extra):
    sections = {
        'api': {'auth_strategy': 'noauth2', 'port': layout.free_port()},
        'database': {'connection': 'sqlite:///%s' % db_path},
        'metrics': {'enabled': True, 'host': '127.0.0.1',
                    'port': metrics_port},
    }
    for section, options in extra.items():
        sections.setdefault(section, {}).update(options)
    layout.write_config(path, sections)


def _wait(predicate, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError('timed out waiting for %s' % what)


def _answers(url):
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


class TestMultiProcessAggregation(testtools.TestCase):
    """Three pre-forked Compute API workers share one metrics port."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.multiproc = os.path.join(self.tmp, 'prometheus')
        os.mkdir(self.multiproc)
        self.metrics_port = layout.free_port()
        conf = os.path.join(self.tmp, 'compute.conf')
        _write_conf(conf, os.path.join(self.tmp, 'compute.sqlite'),
                    self.metrics_port)
        subprocess.run(processes.console_script('compute-ext-manage')
                       + ['--config-file', conf, 'db', 'sync'],
                       check=True, capture_output=True, timeout=120)
        self.ports = [layout.free_port() for _ in range(3)]
        env = dict(os.environ, COMPUTE_EXT_CONFIG_FILE=conf,
                   PROMETHEUS_MULTIPROC_DIR=self.multiproc)
        self.log = open(os.path.join(self.tmp, 'prefork.log'), 'w+')
        self.addCleanup(self.log.close)
        self.server = subprocess.Popen(
            [sys.executable, '-m', 'tests.fixtures.prefork']
            + [str(p) for p in self.ports], cwd=ROOT, env=env,
            stdout=self.log, stderr=subprocess.STDOUT)
        self.addCleanup(self._stop)
        for port in self.ports:
            url = 'http://127.0.0.1:%d/' % port
            _wait(lambda url=url: _answers(url), 60,
                  'worker on port %d' % port)

    def _stop(self):
        self.server.send_signal(signal.SIGTERM)
        try:
            self.server.wait(20)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()

    def scrape(self):
        return requests.get('http://127.0.0.1:%d/metrics' % self.metrics_port,
                            timeout=5).text

    def test_request_counts_add_up_over_workers(self):
        for count, port in zip((2, 5, 9), self.ports, strict=True):
            for _ in range(count):
                response = requests.get(
                    'http://127.0.0.1:%d/v2.1/os-services' % port,
                    headers={'X-Auth-Token': 'admin:admin'}, timeout=5)
                self.assertEqual(200, response.status_code)
        # Whichever worker answers a scrape, it answers with the sum.
        for _ in range(6):
            text = self.scrape()
            self.assertEqual(16, read.value(
                text, 'compute_api_request_duration_seconds_count',
                route='/v2.1/os-services', method='GET', status=200))
            self.assertEqual(3, read.value(
                text, 'compute_api_request_duration_seconds_count',
                route='/', status=200))
        # One file per worker: the values really come from three processes.
        pids = {name.rsplit('_', 1)[1] for name in os.listdir(self.multiproc)
                if name.startswith('histogram_')}
        self.assertEqual(3, len(pids), os.listdir(self.multiproc))


class TestMetricsPortTaken(testtools.TestCase):

    BAREMETAL = {'baremetal-notifier': {
        'api': {'auth_strategy': 'noauth'},
        'nova': {'send_power_notifications': False}}}

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        holder = socket.socket()
        self.addCleanup(holder.close)
        holder.bind(('127.0.0.1', 0))
        holder.listen(1)
        self.port = holder.getsockname()[1]

    def _run(self, script):
        conf = os.path.join(self.tmp, script + '.conf')
        _write_conf(conf, os.path.join(self.tmp, script + '.sqlite'),
                    self.port, **self.BAREMETAL.get(script, {}))
        env = dict(os.environ)
        env.pop('PROMETHEUS_MULTIPROC_DIR', None)
        return subprocess.run(processes.console_script(script)
                              + ['--config-file', conf], env=env,
                              capture_output=True, text=True, timeout=60)

    def _check(self, script):
        result = self._run(script)
        self.assertEqual(2, result.returncode, result.stderr)
        lines = result.stderr.strip().splitlines()
        self.assertEqual(['%s: cannot serve metrics on 127.0.0.1:%d: Address '
                          'already in use' % (script, self.port)],
                         lines[-1:])
        self.assertNotIn('Traceback', result.stderr)

    def test_compute_api_refuses_to_start(self):
        self._check('compute-ext-api')

    def test_baremetal_notifier_refuses_to_start(self):
        self._check('baremetal-notifier')
