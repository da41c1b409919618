"""The loop both API fuzz tests share: send, count, check every fault."""

import json
import sys
import time

import testtools
import webob


class FuzzRun:
    """Mixin for a TestCase with ``self.api.app``, ``self.backend`` and a
    ``_check_fault(request, response)`` of its API's error body."""

    # The service's name in the progress line on stderr.
    label = None

    def _send(self, request):
        response = webob.Request(request.environ()).get_response(self.api.app)
        # Read the whole body: a streamed error must surface here.
        self.assertIsInstance(response.body, bytes)
        return response

    def _after(self, request, status):
        """Called after each answered request (repairs between requests)."""

    def run_requests(self, requests):
        """Send every request; no 5xx, no exception, every 4xx a fault of
        the service's shape. Returns the counts by class."""
        started = time.monotonic()
        counts = {'requests': 0, '5xx': 0, '4xx': 0, '2xx': 0}
        failures = []
        for request in requests:
            counts['requests'] += 1
            try:
                response = self._send(request)
            except Exception as exc:  # the app must not raise at all
                failures.append('raised %r for %r' % (exc, request))
                counts['5xx'] += 1
                continue
            status = response.status_int
            self._after(request, status)
            if status < 300:
                counts['2xx'] += 1
            if status >= 500:
                counts['5xx'] += 1
                failures.append('%d for %r: %r' % (
                    status, request, response.body[:300]))
            elif status >= 400:
                counts['4xx'] += 1
                try:
                    self._check_fault(request, response)
                except self.failureException as exc:
                    failures.append(str(exc))
        counts['seconds'] = round(time.monotonic() - started, 1)
        sys.stderr.write('%s fuzz %s: %s\n' % (self.label, self.backend,
                                               counts))
        self.addDetail('counts', testtools.content.text_content(
            json.dumps(counts)))
        self.assertEqual([], failures[:10], '%d failures' % len(failures))
        return counts
