"""The Stack itself: secrets stay secret, children never outlive it."""

import json
import os
import signal
import subprocess
import sys
import textwrap

from testtools import content

from powerbridge import stack as pb_stack
from tests.e2e import base

# A caller that starts a stack, says which processes it runs, and waits
# to be killed.
_CALLER = textwrap.dedent('''
    import json, sys, time
    from powerbridge import stack
    s = stack.Stack(root=sys.argv[1], nodes=2, instances=False,
                    compute_hosts=('compute-1',))
    s.start()
    print(json.dumps([p.pid for p in s.processes.values()]), flush=True)
    time.sleep(600)
''')


def _gone(pid):
    """True once ``pid`` has exited (a zombie counts as exited)."""
    try:
        with open('/proc/%d/stat' % pid, encoding='ascii') as handle:
            return handle.read().rsplit(')', 1)[1].split()[0] == 'Z'
    except (FileNotFoundError, ProcessLookupError):
        return True


class TestStackHygiene(base.StackTestCase):

    scenarios = [('sqlite', {'backend': 'sqlite'})]

    def test_password_never_shown(self):
        stack = self.start_stack(nodes=2)
        with open(stack.layout.password_file, encoding='utf-8') as handle:
            password = handle.read().strip()
        self.assertEqual(0o600, os.stat(stack.layout.password_file).st_mode
                         & 0o777)
        # Exercise the paths that touch driver_info: a power action, a
        # flip recorded by the sync, the API's node views.
        node = stack.nodes[0]
        stack.compute.action(node.instance_uuid, 'os-stop')
        self.wait_servers({node.instance_uuid: 'SHUTOFF'})
        stack.flip(node.index, True)
        self.wait_servers({node.instance_uuid: 'ACTIVE'})
        for proc in stack.processes.values():
            with open('/proc/%d/cmdline' % proc.pid, 'rb') as handle:
                argv = handle.read().decode('utf-8', 'replace')
            self.assertNotIn(password, argv, proc.name)
        for name, text in stack.logs().items():
            self.assertNotIn(password, text, 'log of %s' % name)
        shown = stack.baremetal.call('GET', '/v1/nodes/detail').text
        self.assertNotIn(password, shown)
        self.assertIn('******', shown)
        cli = stack.openstack('baremetal', 'node', 'show', node.uuid,
                              '-f', 'json').stdout
        self.assertNotIn(password, cli)
        for name in os.listdir(stack.layout.etc):
            with open(os.path.join(stack.layout.etc, name),
                      encoding='utf-8') as handle:
                self.assertNotIn(password, handle.read(), name)

    def test_no_orphans_when_the_caller_is_killed(self):
        root = self.useFixture(base.fixtures.TempDir()).path
        caller = subprocess.Popen(
            [sys.executable, '-c', _CALLER, os.path.join(root, 'stack')],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(caller.wait)
        self.addCleanup(lambda: caller.poll() is None and caller.kill())
        line = caller.stdout.readline()
        if not line:
            self.addDetail('caller-stderr',
                           content.text_content(caller.stderr.read()))
            self.fail('the caller did not start its stack')
        pids = json.loads(line)
        self.addCleanup(self._kill_left_over, pids)
        self.assertEqual(4, len(pids))  # fleet, notifier, API, 1 agent
        self.assertFalse(any(_gone(pid) for pid in pids))
        caller.send_signal(signal.SIGKILL)
        caller.wait()
        pb_stack.wait_for(lambda: all(_gone(pid) for pid in pids),
                          base.SOON, 0.1, 'the stack to die with its caller')

    @staticmethod
    def _kill_left_over(pids):
        for pid in pids:
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)
