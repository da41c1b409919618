"""The JSON samples of api-ref/source/compute against live responses.

Each row of ROWS names a response sample, the request that produces it
and, for PUT/POST, the request sample sent as the body. The test sends
that request to a Compute API holding the layout below and checks that
the live response has the sample's keys and value types.

To document a new route: write the request sample by hand, add a row,
add the sample directory to COVERED_DIRS, and write the response samples
from live responses with::

    python -m tests.functional.compute.test_api_ref_samples --write

Every sample under a covered directory must be used by a row, so no
sample can go stale unnoticed.
"""

import json
import os
import sys

import testscenarios
import testtools

from compute_ext.objects import services as service_obj
from tests.fixtures import compute as compute_fixtures
from tests.fixtures import samples
from tests.fixtures.samples import Row
from tests.functional.compute import test_services_samples as live

SAMPLES_DIR = os.path.join(samples.REPO_ROOT, 'api-ref', 'source', 'compute',
                           'samples')
# Sample directories whose every file must be used by a row.
COVERED_DIRS = ('versions', 'os-services')

LIST = '/v2.1/os-services'
BY_ID = '/v2.1/os-services/{compute_uuid}'
S = 'os-services/'

ROWS = [
    Row('versions/versions-get-resp.json', 'GET', '/'),
    Row('versions/v21-version-get-resp.json', 'GET', '/v2.1/'),
    Row(S + 'services-list-get-resp.json', 'GET', LIST, '2.1'),
    Row(S + 'v2.11/services-list-get-resp.json', 'GET', LIST, '2.11'),
    Row(S + 'v2.53/services-list-get-resp.json', 'GET', LIST, '2.53'),
    Row(S + 'service-enable-put-resp.json', 'PUT', LIST + '/enable', '2.1',
        S + 'service-enable-put-req.json'),
    Row(S + 'service-disable-put-resp.json', 'PUT', LIST + '/disable', '2.1',
        S + 'service-disable-put-req.json'),
    Row(S + 'service-disable-log-put-resp.json', 'PUT',
        LIST + '/disable-log-reason', '2.1',
        S + 'service-disable-log-put-req.json'),
    Row(S + 'v2.11/service-force-down-put-resp.json', 'PUT',
        LIST + '/force-down', '2.11',
        S + 'v2.11/service-force-down-put-req.json'),
    Row(S + 'v2.53/service-enable-put-resp.json', 'PUT', BY_ID, '2.53',
        S + 'v2.53/service-enable-put-req.json'),
    Row(S + 'v2.53/service-disable-log-put-resp.json', 'PUT', BY_ID, '2.53',
        S + 'v2.53/service-disable-log-put-req.json'),
    Row(S + 'v2.53/service-force-down-put-resp.json', 'PUT', BY_ID, '2.53',
        S + 'v2.53/service-force-down-put-req.json'),
]


def api_ref_layout(ctx):
    """A small cloud: a controller and two computes, one of them down."""
    add = compute_fixtures.add_service
    add(ctx, 'controller', 'nova-scheduler')
    add(ctx, 'controller', 'nova-conductor')
    add(ctx, 'compute-01')
    add(ctx, 'compute-02', seen_ago=3600, disabled=True,
        disabled_reason='disk replacement')
    return 'compute-02'


def load_sample(name):
    return samples.load(os.path.join(SAMPLES_DIR, name))


class TestApiRefSamples(testscenarios.WithScenarios, live.LiveAPITestCase):

    scenarios = samples.scenarios(ROWS)
    layout = staticmethod(api_ref_layout)

    def load_sample(self, name):
        return load_sample(name)

    def test_same_keys_and_types(self):
        self.check_row(self.row)


class TestEverySampleIsChecked(testtools.TestCase):

    def test_covered_directories(self):
        used = {n for row in ROWS for n in (row.sample, row.request) if n}
        for directory in COVERED_DIRS:
            for root, _dirs, files in os.walk(os.path.join(SAMPLES_DIR,
                                                           directory)):
                for name in files:
                    path = os.path.relpath(os.path.join(root, name),
                                           SAMPLES_DIR)
                    self.assertIn(path, used, 'no row of ROWS checks %s'
                                  % path)

    def test_samples_are_valid_json(self):
        for root, _dirs, files in os.walk(SAMPLES_DIR):
            for name in files:
                self.assertTrue(name.endswith('.json'), name)
                with open(os.path.join(root, name), encoding='utf-8') as f:
                    json.load(f)


def write_samples(rows=ROWS):
    """Write each response sample from a live response, on a fresh API."""
    for row in rows:
        with compute_fixtures.ComputeAPI() as api:
            host = api_ref_layout(api.ctx)
            uuid = service_obj.get_by_host_and_binary(
                api.ctx, host, service_obj.COMPUTE_BINARY).uuid
            body = load_sample(row.request) if row.request else None
            status, reply = live.call_app(
                api.app, row.method, row.path.format(compute_uuid=uuid),
                row.version, body)
        if status != row.status:
            raise SystemExit('%s: status %s: %s' % (row.title, status, reply))
        # Documentation shows the host name a reader's cloud would have.
        text = json.dumps(reply, indent=4).replace('http://localhost',
                                                   'http://openstack.example'
                                                   '.com:8774')
        path = os.path.join(SAMPLES_DIR, row.sample)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as sample:
            sample.write(text + '\n')
        print('wrote', row.sample)


if __name__ == '__main__':
    if sys.argv[1:] != ['--write']:
        raise SystemExit('usage: python -m %s --write' % __spec__.name)
    write_samples()
