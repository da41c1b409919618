"""The stack's Observer reads the outbox through the operator's command,
only when asked, and reuses recent figures when allowed to."""

import json
from unittest import mock

import testtools

from powerbridge.stack import observe

FIGURES = {'pending': 2, 'delivered': 5, 'undeliverable': 0,
           'superseded': 1, 'in_flight': 0, 'retrying': 1,
           'oldest_pending_age': 1.5, 'last_errors': []}


class FakeStack:
    """Only what the Observer uses: APIs, manage commands, a log path."""

    def __init__(self, log_path):
        self.calls = []
        self.bmc = mock.Mock(**{'list.return_value': [
            {'index': 0, 'power': 'on'}]})
        self.baremetal = mock.Mock(**{'nodes.return_value': [
            {'uuid': 'n0', 'power_state': 'power on'}]})
        self.compute = mock.Mock(**{'servers.return_value': []})
        self.layout = mock.Mock(**{'log_path.return_value': log_path})

    def services(self):
        return {}

    def manage(self, script, config_name, *args, **kwargs):
        self.calls.append((script, config_name) + args)
        return json.dumps(FIGURES) + '\n'


class TestObserver(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.stack = FakeStack('/nonexistent/baremetal-notifier.log')
        self.observer = observe.Observer(self.stack)

    def test_outbox_runs_the_public_command(self):
        self.assertEqual(FIGURES, self.observer.outbox())
        self.assertEqual([('baremetal-notifier-manage', 'baremetal-notifier',
                           'outbox', 'status', '--format', 'json')],
                         self.stack.calls)

    def test_snapshot_leaves_the_outbox_alone_unless_asked(self):
        snap = self.observer.snapshot()
        self.assertIsNone(snap.outbox)
        self.assertEqual([], self.stack.calls)
        self.assertEqual({'n0': {'uuid': 'n0', 'power_state': 'power on'}},
                         snap.nodes)
        self.assertEqual(0, snap.cycles)

    def test_recent_figures_are_reused_when_allowed(self):
        with mock.patch('time.monotonic', return_value=100.0):
            self.observer.snapshot(outbox_max_age=5)
            self.assertEqual(FIGURES,
                             self.observer.snapshot(outbox_max_age=5).outbox)
            self.assertEqual(1, len(self.stack.calls))
            # 0 (the default) always reads now.
            self.observer.outbox()
            self.assertEqual(2, len(self.stack.calls))
        with mock.patch('time.monotonic', return_value=106.0):
            self.observer.snapshot(outbox_max_age=5)
        self.assertEqual(3, len(self.stack.calls))
