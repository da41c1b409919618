"""compute-ext-compute as a process: it works, and SIGTERM stops it."""

import os
import signal
import subprocess

import fixtures
import testtools
from testtools import content

import db_migrations
from powerbridge import db
from compute_ext.compute import states
from compute_ext import context as compute_context
from compute_ext import exception
from compute_ext.objects import instance_actions
from compute_ext.objects import instances as instance_obj
from compute_ext.objects import services as service_obj
from tests.fixtures import ironic as fake
from tests.fixtures import processes
from tests.fixtures import waiting

SOON = 30


class TestAgentProcess(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(120, gentle=True))
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.ironic = self.useFixture(fake.FakeIronic(power_mode='async'))
        self.url = 'sqlite:///' + os.path.join(self.tmp, 'compute.sqlite')
        db_migrations.sync('compute', self.url)
        self.database = db.Database(self.url)
        self.addCleanup(self.database.dispose)
        self.ctx = compute_context.admin_context(self.database)

    def write_conf(self, **default):
        values = {'host': 'agent-1', 'state_path': self.tmp,
                  'report_interval': 1, 'ring_refresh_interval': 1,
                  'power_action_poll_interval': 0.1}
        values.update(default)
        path = os.path.join(self.tmp, 'compute.conf')
        with open(path, 'w') as handle:
            handle.write('[DEFAULT]\n')
            handle.writelines('%s = %s\n' % kv for kv in values.items())
            handle.write('[database]\nconnection = %s\n' % self.url)
            handle.write('[baremetal]\nauth_type = none\n'
                         'endpoint_override = %s\n'
                         'api_retry_interval = 0.05\n' % self.ironic.endpoint)
        return path

    def start(self, path):
        log_path = os.path.join(self.tmp, 'agent.log')
        # The child keeps its own copy of the descriptor.
        with open(log_path, 'w') as log:
            proc = subprocess.Popen(
                processes.console_script('compute-ext-compute')
                + ['--config-file', path],
                stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())

        def attach_log(exc_info):
            with open(log_path) as log:
                self.addDetail('agent-log',
                               content.text_content(log.read()))
        self.addOnException(attach_log)
        return proc

    def wait_for(self, predicate, what, proc):
        """wait_for that fails at once if the agent exits meanwhile."""
        def alive_and():
            self.assertIsNone(proc.poll(), 'agent exited while waiting for '
                                           '%s' % what)
            return predicate()
        waiting.wait_for(alive_and, what, timeout=SOON)

    def test_carries_out_a_stop_and_exits_cleanly_on_sigterm(self):
        proc = self.start(self.write_conf())

        def registered():
            try:
                service_obj.get_by_host_and_binary(
                    self.ctx, 'agent-1', service_obj.COMPUTE_BINARY)
                return True
            except exception.HostBinaryNotFound:
                return False
        self.wait_for(registered, 'the service row', proc)
        node = self.ironic.add_node(power_state=fake.POWER_ON)
        inst = instance_obj.create(
            self.ctx, name='s', host='agent-1', node=node,
            vm_state=states.ACTIVE, power_state=states.RUNNING,
            task_state=states.POWERING_OFF, project_id='p', user_id='u')
        instance_actions.action_start(self.ctx, inst.uuid, 'stop', 'req-1',
                                      'u', 'p')
        self.wait_for(lambda: instance_obj.get_by_uuid(
            self.ctx, inst.uuid).vm_state == states.STOPPED,
            'the stop to finish', proc)
        self.assertEqual(fake.POWER_OFF, self.ironic.power_state(node))

        proc.send_signal(signal.SIGTERM)
        self.assertEqual(0, proc.wait(SOON))

    def test_sigterm_during_a_power_wait_leaves_the_task_to_resume(self):
        self.ironic.power_mode = 'stuck'
        node = self.ironic.add_node(power_state=fake.POWER_OFF)
        service_obj.create(self.ctx, 'agent-1', service_obj.COMPUTE_BINARY,
                           'compute')
        inst = instance_obj.create(
            self.ctx, name='s', host='agent-1', node=node,
            vm_state=states.STOPPED, power_state=states.SHUTDOWN,
            task_state=states.POWERING_ON, project_id='p', user_id='u')
        proc = self.start(self.write_conf(power_action_timeout=300))
        self.wait_for(lambda: self.ironic.power_calls, 'the power call',
                      proc)
        proc.send_signal(signal.SIGTERM)
        # Stopped long before the 300 s power wait would have ended.
        self.assertEqual(0, proc.wait(SOON))
        self.assertEqual(states.POWERING_ON, instance_obj.get_by_uuid(
            self.ctx, inst.uuid).task_state)

    def test_bad_configuration_is_one_line(self):
        path = self.write_conf(power_state_authority='nobody')
        result = subprocess.run(
            processes.console_script('compute-ext-compute')
            + ['--config-file', path],
            capture_output=True, text=True, timeout=SOON, check=False)
        self.assertNotEqual(0, result.returncode)
        self.assertEqual(1, len(result.stderr.strip().splitlines()),
                         result.stderr)
        self.assertIn('power_state_authority', result.stderr)
