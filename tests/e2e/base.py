"""Shared parts of the end-to-end tests: a Stack per test, on SQLite and,
when reachable, on PostgreSQL throwaway databases.

Every wait polls with a deadline. When a test fails, the tail of every
process's log and the stack's config files are attached to its details.
"""

import os
import time

import fixtures
from testtools import content
import testscenarios
import testtools

from powerbridge import stack as pb_stack
from powerbridge.stack import observe
from tests.fixtures import dbfixture

# The backends every scenario runs on (skipped when unreachable).
BACKENDS = [('sqlite', {'backend': 'sqlite'}),
            ('postgresql', {'backend': 'postgresql'})]
# Lines of each log attached to a failed test.
LOG_TAIL = 300
# A whole test, stack included, never runs longer than this.
TEST_TIMEOUT = 240
# Generous bound for anything that should happen "soon": the machine may
# be running the rest of the suite at the same time.
SOON = 45


def env_seconds(name, default):
    """A duration from $POWERBRIDGE_TEST_<name> (for quick local runs)."""
    value = os.environ.get('POWERBRIDGE_TEST_' + name)
    return float(value) if value else default


class StackFixture(fixtures.Fixture):
    """A started Stack in a temporary directory, stopped on cleanup."""

    def __init__(self, backend='sqlite', **settings):
        super().__init__()
        self.backend = backend
        self.settings = settings

    def _setUp(self):
        urls = {}
        if self.backend != 'sqlite':
            for key in ('compute_db', 'baremetal_db'):
                urls[key] = self.useFixture(
                    dbfixture.ThrowawayDatabase(self.backend)).url
        root = self.useFixture(fixtures.TempDir()).path
        self.stack = pb_stack.Stack(
            root=os.path.join(root, 'stack'), keep=True,
            settings=pb_stack.Settings(**dict(self.settings, **urls)))
        self.addCleanup(self.stack.stop)
        self.observer = observe.Observer(self.stack)
        self.addCleanup(self.observer.close)
        try:
            self.stack.start()
        except Exception:
            attach_logs(self, self.stack)
            raise


def attach_logs(target, stack):
    """Add the tail of every log and every config file as details."""
    for name, text in stack.logs().items():
        tail = '\n'.join(text.splitlines()[-LOG_TAIL:])
        target.addDetail('log-%s' % name, content.text_content(tail))
    etc = stack.layout.etc
    if os.path.isdir(etc):
        for name in sorted(os.listdir(etc)):
            with open(os.path.join(etc, name), encoding='utf-8') as handle:
                target.addDetail('config-%s' % name,
                                 content.text_content(handle.read()))


class StackTestCase(testscenarios.WithScenarios, testtools.TestCase):
    """A test with its own Stack: ``self.stack``, ``self.observer``."""

    scenarios = BACKENDS
    backend = 'sqlite'

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(TEST_TIMEOUT, gentle=True))

    def start_stack(self, **settings):
        fixture = self.useFixture(StackFixture(self.backend, **settings))
        self.stack = fixture.stack
        self.observer = fixture.observer
        self.addOnException(lambda exc_info: attach_logs(self, self.stack))
        return self.stack

    # -- reading the stack -----------------------------------------------

    def servers(self):
        return {s['id']: s for s in self.stack.compute.servers()}

    def node_states(self):
        return {n['uuid']: n for n in self.stack.baremetal.nodes()}

    def wait_servers(self, expected, timeout=SOON, what='instances'):
        """Wait until each instance uuid shows its status (no task);
        returns the seconds it took."""
        started = time.monotonic()

        def reached():
            servers = self.servers()
            return all(servers[u]['status'] == status
                       and servers[u]['OS-EXT-STS:task_state'] is None
                       for u, status in expected.items())
        self.stack.wait_for(reached, timeout, 0.1, what)
        return time.monotonic() - started

    def wait_nodes(self, expected, timeout=SOON, what='nodes'):
        def reached():
            nodes = self.node_states()
            return all(nodes[u]['power_state'] == state
                       for u, state in expected.items())
        self.stack.wait_for(reached, timeout, 0.1, what)

    def wait_cycles(self, count, timeout=SOON):
        """Wait until the conductor has run ``count`` more sync cycles."""
        target = self.observer.cycles() + count
        self.stack.wait_for(lambda: self.observer.cycles() >= target,
                            timeout, 0.2, '%d conductor sync cycles' % count)

    def wait_outbox_drained(self, timeout=SOON):
        """Wait for no pending event; returns the outbox summary."""
        def drained():
            # One read per poll: each is a manage command run.
            box = self.observer.outbox()
            return box['pending'] == 0 and box
        return self.stack.wait_for(drained, timeout, 0.2, 'an empty outbox')

    def assert_all_agree(self, timeout=SOON):
        """Every BMC, node and instance end up telling the same story."""
        def agree():
            snap = self.observer.snapshot()
            return snap.in_sync(self.stack.nodes) == len(self.stack.nodes)
        self.stack.wait_for(agree, timeout, 0.2,
                            'every BMC, node and instance to agree')

    def assert_no_undeliverable(self):
        box = self.observer.outbox()
        self.assertEqual(0, box['undeliverable'], box['last_errors'])

    def actions(self, instance_uuid):
        """The instance's action names, oldest first."""
        return [a['action'] for a in reversed(
            self.stack.compute.instance_actions(instance_uuid))]
