"""The same Bare Metal API requests to real Ironic 39 and to
baremetal-notifier, on the same data; status codes, version headers and
body key sets must agree except where EXPECTED_DIFFERENCES says why not.

Both are real processes with nodes on virtual BMCs (one fleet each, so
one side's power actions never show on the other). The request set is
in tests/e2e/ironic_differential_requests.py, explicit and in order; see
tests/fixtures/ironic_diff.py for what is compared and what is not.
"""

import os
import subprocess

import testtools
from testtools import content

from tests.e2e.ironic_differential_requests import CLI_COMMANDS
from tests.e2e.ironic_differential_requests import requests
from tests.e2e.ironic_expected_differences import EXPECTED_DIFFERENCES
from tests.fixtures import ironic_diff
from tests.fixtures import processes
from tests.fixtures import real_ironic
from tests.fixtures import vbmc

def cli(url, version, *args):
    """(exit status, {}, stdout) of ``openstack ARGS -f json`` at API
    ``version`` against the Bare Metal API at ``url`` without
    authentication."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    result = subprocess.run(
        [processes.script_path('openstack'), '--os-auth-type', 'none',
         '--os-endpoint', url, '--os-baremetal-api-version', version]
        + list(args) + ['-f', 'json'], env=env, stdin=subprocess.DEVNULL,
        capture_output=True, timeout=120, check=False)
    return result.returncode, {}, result.stdout


def send(url, step):
    headers = {'Accept': 'application/json'}
    headers.update(step.headers or {})
    return real_ironic.http(url + step.path, step.method, step.body,
                            headers, step.version)


class TestIronicDifferential(testtools.TestCase):

    def test_same_answers(self):
        fleets = [self.useFixture(vbmc.FleetFixture(3)).fleet
                  for _side in ('ironic', 'ours')]
        ironic = self.useFixture(real_ironic.RealIronic())
        ours = self.useFixture(real_ironic.NotifierProcess())
        self.addDetail('ironic-startup-seconds', content.text_content(
            '%.1f' % ironic.startup_seconds))
        self.addOnException(lambda _exc: self.addDetail(
            'ironic-log', content.text_content(ironic.log[-20000:])))
        # Each side's nodes point at its own fleet; the request set is the
        # same but for those ports, which are not compared.
        found = ironic_diff.run(
            (ironic.url, requests(fleets[0].ports)),
            (ours.url, requests(fleets[1].ports)), send)
        for name, args in CLI_COMMANDS.items():
            found.extend(ironic_diff.compare(
                name, cli(ironic.url, *args), cli(ours.url, *args)))
        unexpected = [d for d in found if tuple(d) not in
                      EXPECTED_DIFFERENCES]
        gone = set(EXPECTED_DIFFERENCES) - set(map(tuple, found))
        self.addDetail('differences', content.text_content('\n'.join(
            '%s | %s | %s' % d for d in found)))
        if gone:
            self.addDetail('expected-but-gone', content.text_content(
                '\n'.join(sorted('%s | %s | %s' % key for key in gone))))
        self.assertEqual([], unexpected)
