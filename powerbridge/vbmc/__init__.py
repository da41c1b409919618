"""Virtual BMCs for tests, benchmarks and the demo (pyghmi's BMC server)."""

from powerbridge.vbmc.fleet import FleetError  # noqa: F401
from powerbridge.vbmc.fleet import VirtualBmcFleet  # noqa: F401
