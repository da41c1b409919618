"""Fixtures: a virtual BMC fleet on free loopback ports, an IPMI driver."""

import fixtures

from baremetal_notifier.drivers import base
from baremetal_notifier.drivers import ipmi
from powerbridge.vbmc import fleet as vbmc_fleet

USERNAME = 'admin'
PASSWORD = 'Fl33t-Secret'


class FleetFixture(fixtures.Fixture):
    """VirtualBmcFleet in this process; every BMC on a free UDP port."""

    def __init__(self, count, **kwargs):
        super().__init__()
        self.count = count
        self.kwargs = kwargs

    def _setUp(self):
        kwargs = dict(username=USERNAME, password=PASSWORD)
        kwargs.update(self.kwargs)
        self.fleet = vbmc_fleet.VirtualBmcFleet(self.count, base_port=0,
                                                **kwargs)
        self.fleet.start()
        self.addCleanup(self.fleet.stop)

    def target(self, index, key=None, password=PASSWORD, username=USERNAME):
        return base.BmcTarget(key=key or 'node-%d' % index,
                              address='127.0.0.1',
                              port=self.fleet.ports[index],
                              username=username, password=password)

    def targets(self, count=None):
        return [self.target(i) for i in range(count or self.count)]


class DriverFixture(fixtures.Fixture):
    """A started IPMIPowerDriver, stopped at cleanup."""

    def __init__(self, **kwargs):
        super().__init__()
        self.kwargs = kwargs

    def _setUp(self):
        self.driver = ipmi.IPMIPowerDriver(**self.kwargs)
        self.driver.start()
        self.addCleanup(self.driver.stop)
