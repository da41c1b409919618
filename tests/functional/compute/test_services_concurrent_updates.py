"""os-services updates racing each other on SQLite, PostgreSQL and MariaDB.

Every PUT answers with the service as its own UPDATE left it. A response
built from a read taken after commit would show whatever a racing request
wrote in between, which is what this test looks for: many threads toggle
one service through the whole WSGI stack and every response must show the
values its own request wrote.
"""

import threading

import testscenarios
import testtools
import webob

from tests.fixtures import compute as compute_fixtures
from tests.fixtures import dbfixture

THREADS = 8
REQUESTS_PER_THREAD = 40


def _v253_write(thread, n):
    """A 2.53 body setting both fields, differing between neighbours."""
    disabled = (thread + n) % 2 == 1
    body = {'status': 'disabled' if disabled else 'enabled',
            'forced_down': (thread + n) // 2 % 2 == 1}
    if disabled:
        # Unique, so a reason written by another request cannot pass.
        body['disabled_reason'] = 'thread %d request %d' % (thread, n)
    return body


def _expected_v253(body):
    disabled = body['status'] == 'disabled'
    return {'status': body['status'],
            'disabled_reason': body.get('disabled_reason'),
            'forced_down': body['forced_down'],
            # forced_down overrides the heartbeat (which is fresh here).
            'state': 'down' if body['forced_down'] else 'up',
            'binary': 'nova-compute', 'host': 'host1'} | (
        {} if disabled else {'disabled_reason': None})


def _legacy_write(thread, n):
    """(action, extra body, the fields the response must show)."""
    kind = (thread + n) // 2 % 3
    if kind == 0:
        reason = 'legacy thread %d request %d' % (thread, n)
        return ('disable-log-reason', {'disabled_reason': reason},
                {'status': 'disabled', 'disabled_reason': reason})
    if kind == 1:
        return 'enable', {}, {'status': 'enabled'}
    forced = (thread + n) % 2 == 0
    return 'force-down', {'forced_down': forced}, {'forced_down': forced}


class TestConcurrentUpdates(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        self.api = self.useFixture(compute_fixtures.ComputeAPI(self.backend))
        # A fresh heartbeat: up for the whole test (seconds, against
        # service_down_time's 60) unless forced down.
        self.service = compute_fixtures.add_service(self.api.ctx, 'host1')

    def _put(self, path, version, body):
        req = webob.Request.blank(path, method='PUT', headers={
            'X-Auth-Token': 'admin:admin',
            'OpenStack-API-Version': 'compute ' + version})
        req.json_body = body
        return req.get_response(self.api.app)

    def _one(self, thread, n):
        """One request; returns a mismatch description or None."""
        if n % 2 == 0:
            body = _v253_write(thread, n)
            response = self._put('/v2.1/os-services/%s' % self.service.uuid,
                                 '2.53', body)
            want = _expected_v253(body)
        else:
            action, extra, want = _legacy_write(thread, n)
            body = dict(extra, host='host1', binary='nova-compute')
            response = self._put('/v2.1/os-services/%s' % action, '2.11',
                                 body)
            want = dict(want, host='host1', binary='nova-compute')
        if response.status_int != 200:
            return '%s -> %s %s' % (body, response.status, response.text)
        got = response.json_body['service']
        shown = {key: got.get(key) for key in want}
        if shown != want:
            return '%s -> %s' % (body, shown)
        return None

    def test_every_response_shows_its_own_write(self):
        barrier = threading.Barrier(THREADS)
        mismatches, errors = [], []
        lock = threading.Lock()

        def worker(thread):
            try:
                barrier.wait()
                for n in range(REQUESTS_PER_THREAD):
                    mismatch = self._one(thread, n)
                    if mismatch:
                        with lock:
                            mismatches.append(mismatch)
            except Exception as exc:  # reported below, not lost in a thread
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(i,))
                   for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual([], errors)
        total = THREADS * REQUESTS_PER_THREAD
        self.assertEqual(
            [], mismatches,
            '%d of %d responses did not show their own write'
            % (len(mismatches), total))
