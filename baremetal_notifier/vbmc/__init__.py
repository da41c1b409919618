"""Virtual BMCs for tests, benchmarks and the demo (pyghmi's BMC server)."""

from baremetal_notifier.vbmc.fleet import FleetError  # noqa: F401
from baremetal_notifier.vbmc.fleet import VirtualBmcFleet  # noqa: F401
