"""An API-only process and a conductor process on one PostgreSQL database.

``baremetal-notifier-api-wsgi``'s application under gunicorn (two worker
processes, no conductor) accepts power actions; a ``baremetal-notifier``
process on the same database, with a virtual BMC fleet, carries them out,
including one accepted while no conductor ran. The vBMC counts the power
commands it received: each action reached it once.
"""

import os

import fixtures
import testtools

from powerbridge.stack import layout
from tests.fixtures import dbfixture
from tests.fixtures import processes
from tests.fixtures import vbmc as vbmc_fixtures
from tests.fixtures import waiting

WAIT = 40
QUEUED = '(action queued)'


def wait_for(predicate, what):
    return waiting.wait_for(predicate, what, timeout=WAIT, interval=0.1)


class TestApiOnlyAndConductor(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(120, gentle=True))
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.db = self.useFixture(
            dbfixture.ServiceDatabase('postgresql', 'baremetal'))
        self.fleet = self.useFixture(vbmc_fixtures.FleetFixture(1)).fleet
        self.api_url = self._start_api()

    def _config(self, name, **sections):
        path = os.path.join(self.tmp, name + '.conf')
        base = {'DEFAULT': {'state_path': self.tmp},
                'api': {'auth_strategy': 'noauth'},
                'database': {'connection': self.db.url},
                'nova': {'send_power_notifications': False}}
        for section, options in sections.items():
            base.setdefault(section, {}).update(options)
        layout.write_config(path, base)
        return path

    def _start_api(self):
        directory = os.path.join(self.tmp, 'api')
        wsgi = processes.gunicorn_api_wsgi(directory, self._config('api'), 2)
        if wsgi is None:
            self.skipTest('gunicorn is not installed')
        argv, env, url = wsgi
        log_path = os.path.join(self.tmp, 'gunicorn.log')
        with open(log_path, 'wb') as log:
            popen = processes.subprocess.Popen(
                argv, cwd=directory, env=env, stdout=log,
                stderr=processes.subprocess.STDOUT,
                stdin=processes.subprocess.DEVNULL)

        def stop():
            if popen.poll() is None:
                popen.terminate()
                popen.wait(30)
        self.addCleanup(stop)

        def read_log():
            with open(log_path, encoding='utf-8') as log:
                return log.read()
        processes.wait_answering(url, popen, read_log, 'the API-only process',
                                 timeout=WAIT)
        return url

    def _start_conductor(self, host):
        config = self._config(host, DEFAULT={'host': host}, api={'port': 0},
                              conductor={'action_poll_interval': 0.2,
                                         'sync_power_state_interval': 0,
                                         'power_state_change_timeout': 10},
                              ipmi={'min_command_interval': 0})
        process = self.useFixture(processes.Process(
            processes.console_script('baremetal-notifier') +
            ['--config-file', config],
            os.path.join(self.tmp, host + '.log')))
        wait_for(lambda: processes.listening(
            process.popen, process.log_path, 'baremetal-notifier',
            processes.BAREMETAL_LISTENING), 'the conductor process')
        return process

    def http(self, path, method='GET', body=None):
        return processes.baremetal_request(self.api_url + path, method, body)

    def node(self):
        return self.http('/v1/nodes/n1')[1]

    def power(self, target):
        return self.http('/v1/nodes/n1/states/power', 'PUT',
                         {'target': target})

    def settled(self):
        node = self.node()
        return node['reservation'] is None and \
            node['target_power_state'] is None

    def commands(self, name):
        return self.fleet.describe(0)['counters'].get(name, 0)

    def test_actions_accepted_by_the_api_process_reach_the_bmc(self):
        status, _ = self.http('/v1/nodes', 'POST', {
            'name': 'n1', 'driver': 'ipmi', 'driver_info': {
                'ipmi_address': '127.0.0.1',
                'ipmi_port': self.fleet.ports[0],
                'ipmi_username': vbmc_fixtures.USERNAME,
                'ipmi_password': vbmc_fixtures.PASSWORD}})
        self.assertEqual(201, status)
        self.assertFalse(self.fleet.get_power(0))

        # Accepted while no conductor runs: it waits, reserved.
        self.assertEqual(202, self.power('power on')[0])
        node = self.node()
        self.assertEqual(('power on', QUEUED),
                         (node['target_power_state'], node['reservation']))
        status, body = self.power('power off')
        self.assertEqual(409, status)
        self.assertIn('locked by host %s' % QUEUED, body['error_message'])
        self.assertFalse(self.fleet.get_power(0))

        # A conductor starts: it carries the waiting action out.
        self._start_conductor('conductor-a')
        wait_for(self.settled, 'the queued power on to be carried out')
        node = self.node()
        self.assertEqual(('power on', None),
                         (node['power_state'], node['last_error']))
        self.assertTrue(self.fleet.get_power(0))

        # With the conductor running, through the API process again.
        self.assertEqual(202, self.power('power off')[0])
        wait_for(self.settled, 'the power off to be carried out')
        self.assertEqual('power off', self.node()['power_state'])
        self.assertFalse(self.fleet.get_power(0))
        self.assertEqual((1, 1), (self.commands('on'), self.commands('off')))
