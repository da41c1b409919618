"""The servers, os-instance-actions and os-server-external-events samples
of api-ref/source/compute against live responses.

Each row names a response sample, the request that produces it and, for
POSTs, the request sample sent. Every sample whose name starts with one
of PREFIXES must be used by a row or by ACTION_SAMPLES. After changing a
response, rewrite the response samples from live ones with::

    python -m tests.functional.compute.test_api_ref_server_samples --write
"""

import json
import os
import sys

import testscenarios
import testtools

from tests.fixtures import compute as compute_fixtures
from tests.fixtures import samples
from tests.fixtures.samples import Row
from tests.functional.compute import gabbi_fixtures
from tests.functional.compute import test_services_samples as live

SAMPLES_DIR = os.path.join(samples.REPO_ROOT, 'api-ref', 'source', 'compute',
                           'samples')
PREFIXES = ('servers-', 'event-create-', 'instance-action')
SERVER = gabbi_fixtures.DEMO_ACTIVE
REQUEST_ID = gabbi_fixtures.InstanceActionsFixture.HISTORY[1][0]
EVENTS = '/v2.1/os-server-external-events'
ACTIONS = '/v2.1/servers/%s/os-instance-actions' % SERVER

ROWS = [
    Row('servers-list-resp.json', 'GET', '/v2.1/servers?limit=1', '2.76'),
    Row('servers-details-resp.json', 'GET', '/v2.1/servers/detail', '2.76'),
    Row('servers-get-resp.json', 'GET', '/v2.1/servers/' + SERVER, '2.76'),
    Row('event-create-resp.json', 'POST', EVENTS, '2.76',
        'event-create-req.json'),
    Row('event-create-207-resp.json', 'POST', EVENTS, '2.76',
        'event-create-207-req.json', status=207),
    Row('instance-actions-list-resp.json', 'GET', ACTIONS, '2.76'),
    Row('instance-action-get-resp.json', 'GET',
        '%s/%s' % (ACTIONS, REQUEST_ID), '2.76'),
]
# Request samples of the 202 actions (no response body).
ACTION_SAMPLES = {'servers-action-stop-req.json': SERVER,
                  'servers-action-start-req.json':
                      gabbi_fixtures.DEMO_STOPPED}


def api_ref_layout(ctx):
    """The gabbi layout of servers, with demo-active's action history."""
    gabbi_fixtures.InstanceActionsFixture().populate(ctx)
    return 'host1'


def load_sample(name):
    return samples.load(os.path.join(SAMPLES_DIR, name))


class ApiRefTestCase(live.LiveAPITestCase):

    layout = staticmethod(api_ref_layout)

    def load_sample(self, name):
        return load_sample(name)


class TestApiRefServerSamples(testscenarios.WithScenarios, ApiRefTestCase):

    scenarios = samples.scenarios(ROWS)

    def test_same_keys_and_types(self):
        self.check_row(self.row)


class TestActionRequestSamples(ApiRefTestCase):

    def test_each_is_accepted(self):
        for name, server in sorted(ACTION_SAMPLES.items()):
            status, body = self.request(
                'POST', '/v2.1/servers/%s/action' % server, '2.76',
                load_sample(name))
            self.assertEqual((202, None), (status, body), name)


class TestEverySampleIsUsed(testtools.TestCase):

    def test_prefixed_samples(self):
        used = set(ACTION_SAMPLES)
        used.update(n for row in ROWS for n in (row.sample, row.request)
                    if n)
        mine = {name for name in os.listdir(SAMPLES_DIR)
                if name.startswith(PREFIXES)}
        self.assertEqual(sorted(used), sorted(mine))


def write_response_samples():
    """Each response sample from a live response on a fresh API."""
    for row in ROWS:
        with compute_fixtures.ComputeAPI() as api:
            api_ref_layout(api.ctx)
            body = load_sample(row.request) if row.request else None
            status, reply = live.call_app(api.app, row.method, row.path,
                                          row.version, body)
        if status != row.status:
            raise SystemExit('%s: %s %s' % (row.title, status, reply))
        text = json.dumps(reply, indent=4, sort_keys=True)
        with open(os.path.join(SAMPLES_DIR, row.sample), 'w',
                  encoding='utf-8') as sample:
            # Readers see a cloud's address, not the test's.
            sample.write(text.replace('http://localhost',
                                      'http://openstack.example.com') + '\n')
        print('wrote', row.sample)


if __name__ == '__main__':
    if sys.argv[1:] != ['--write']:
        raise SystemExit('usage: python -m %s --write' % __spec__.name)
    write_response_samples()
