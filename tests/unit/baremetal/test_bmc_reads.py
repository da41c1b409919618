"""A node's BMC target, parsed from its driver_info once and kept until
it changes (conductor/bmc_reads.py), through power sync cycles with a
fake driver on SQLite."""

import json

import testtools

from baremetal_notifier.drivers import fake
from tests.fixtures import conductor as cf


class _Recorder(fake.FakePowerDriver):
    """Keeps every BmcTarget it was asked to read."""

    def __init__(self):
        super().__init__()
        self.targets = []

    def get_power_states(self, targets, deadline, on_reading=None):
        self.targets.extend(targets)
        return super().get_power_states(targets, deadline, on_reading)


class TestDriverInfoParsedOnChange(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.cf = self.useFixture(cf.ConductorFixture(driver=_Recorder()))

    def sync(self):
        self.cf.driver.targets.clear()
        self.cf.manager.sync_power_states()
        return self.cf.driver.targets

    def test_unchanged_driver_info_is_not_parsed_again(self):
        self.cf.add_node()
        first, = self.sync()
        second, = self.sync()
        self.assertIs(first, second)

    def test_changed_driver_info_is_read_at_the_new_address(self):
        node = self.cf.add_node()
        self.assertEqual('192.0.2.10', self.sync()[0].address)
        self.cf.update_node(node, driver_info=json.dumps(
            cf.driver_info(address='192.0.2.77', password='other')))
        target, = self.sync()
        self.assertEqual(('192.0.2.77', 'other'),
                         (target.address, target.password))

    def test_mended_driver_info_is_read_again(self):
        node = self.cf.add_node(driver_info='{nope')
        self.assertEqual([], self.sync())
        self.cf.update_node(node, driver_info=json.dumps(cf.driver_info()))
        self.assertEqual([node], [t.key for t in self.sync()])

    def test_only_the_nodes_still_synced_are_remembered(self):
        nodes = [self.cf.add_node() for _ in range(3)]
        self.sync()
        self.cf.delete_node(nodes[0])
        self.cf.update_node(nodes[1], maintenance=True)
        self.sync()
        self.assertEqual({nodes[2]}, set(
            self.cf.manager.power_sync.reader._targets))
