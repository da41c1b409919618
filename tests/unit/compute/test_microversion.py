"""Microversion parsing and the response headers, as Nova does them."""

import testscenarios
import testtools
import webob
import webob.exc

from compute_ext import microversion

NEW = microversion.HEADER
LEGACY = microversion.LEGACY_HEADER


def parse(**headers):
    return microversion.parse(webob.Request.blank('/', headers={
        k.replace('_', '-'): v for k, v in headers.items()}).headers)


class TestVersionsList(testtools.TestCase):

    def test_range(self):
        self.assertEqual('2.1', microversion.VERSIONS[0])
        # The operator contract advertises at least 2.76 (power-update).
        self.assertGreaterEqual(microversion.MAX_VERSION, (2, 76))

    def test_versions_are_consecutive(self):
        minors = [int(v.split('.')[1]) for v in microversion.VERSIONS]
        self.assertEqual(list(range(1, len(minors) + 1)), minors)


class TestParse(testtools.TestCase):

    def test_no_header_is_the_minimum(self):
        self.assertEqual((2, 1), microversion.parse({}))

    def test_new_header(self):
        self.assertEqual((2, 53), microversion.parse({NEW: 'compute 2.53'}))

    def test_legacy_header(self):
        self.assertEqual((2, 11), microversion.parse({LEGACY: '2.11'}))

    def test_new_header_wins_over_legacy(self):
        self.assertEqual((2, 53), microversion.parse(
            {NEW: 'compute 2.53', LEGACY: '2.11'}))

    def test_header_for_another_service_is_no_header(self):
        self.assertEqual((2, 1), microversion.parse({NEW: 'volume 3.0'}))
        self.assertEqual((2, 11), microversion.parse(
            {NEW: 'volume 3.0', LEGACY: '2.11'}))

    def test_compute_entry_of_a_list(self):
        self.assertEqual((2, 11), microversion.parse(
            {NEW: 'volume 3.0, compute 2.11'}))

    def test_service_type_is_case_insensitive(self):
        self.assertEqual((2, 11), microversion.parse({NEW: 'Compute 2.11'}))

    def test_latest_is_the_maximum(self):
        self.assertEqual(microversion.MAX_VERSION,
                         microversion.parse({NEW: 'compute latest'}))
        self.assertEqual(microversion.MAX_VERSION,
                         microversion.parse({LEGACY: 'latest'}))

    def test_latest_is_lowercase_only(self):
        # Nova 34 compares with 'latest' exactly: any other spelling is a
        # malformed version (checked against nova 34.0.0 itself).
        for headers in ({NEW: 'compute LATEST'}, {LEGACY: 'Latest'}):
            error = self.assertRaises(microversion.VersionError,
                                      microversion.parse, headers)
            self.assertEqual(400, error.code)
            self.assertIn('is of invalid format', error.message)

    def test_requested_text(self):
        self.assertEqual('2.900', microversion.requested(
            {NEW: 'compute 2.900', LEGACY: '2.1'}))
        self.assertIsNone(microversion.requested({}))

    def test_parsed_version_knows_the_range(self):
        version = microversion.parse({NEW: 'compute 2.53'})
        self.assertTrue(version.matches((2, 53)))
        self.assertFalse(version.matches((2, 54)))
        self.assertTrue(version.matches((2, 11), (2, 53)))

    def test_headers_of_a_webob_request(self):
        self.assertEqual((2, 60), parse(OpenStack_API_Version='compute 2.60'))


class TestParseErrors(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = [
        # Malformed: 400 with Nova's message.
        ('word', {'value': 'abc', 'code': 400}),
        ('no minor', {'value': '2', 'code': 400}),
        ('trailing dot', {'value': '2.', 'code': 400}),
        ('leading zero minor', {'value': '2.01', 'code': 400}),
        ('leading zero major', {'value': '02.1', 'code': 400}),
        ('three parts', {'value': '2.1.1', 'code': 400}),
        ('negative', {'value': '-2.1', 'code': 400}),
        ('empty legacy', {'value': '', 'code': 400, 'legacy': True}),
        # Well formed but not served: 406.
        ('zero minor', {'value': '2.0', 'code': 406}),
        ('above max', {'value': '2.%d' % (microversion.MAX_VERSION.minor + 1),
                       'code': 406}),
        ('major 3', {'value': '3.0', 'code': 406}),
        ('major 1', {'value': '1.1', 'code': 406}),
        ('huge', {'value': '2.' + '9' * 40, 'code': 406}),
        # More digits than int() converts: still a 406, not a crash.
        ('enormous minor', {'value': '2.' + '9' * 5000, 'code': 406}),
        ('enormous major', {'value': '9' * 5000 + '.1', 'code': 406}),
    ]

    def test_refused(self):
        headers = ({LEGACY: self.value} if getattr(self, 'legacy', False)
                   else {NEW: 'compute ' + self.value})
        error = self.assertRaises(microversion.VersionError,
                                  microversion.parse, headers)
        self.assertEqual(self.code, error.code)
        if self.code == 400:
            self.assertEqual(
                'API Version String %s is of invalid format. Must be of '
                'format MajorNum.MinorNum.' % self.value.strip(),
                error.message)
        else:
            self.assertEqual(
                'Version %s is not supported by the API. Minimum is 2.1 and '
                'maximum is %s.' % (self.value, microversion.VERSIONS[-1]),
                error.message)


class TestResponseHeaders(testtools.TestCase):

    def test_both_headers_and_vary(self):
        response = webob.Response()
        microversion.add_headers(response, microversion.parse(
            {NEW: 'compute 2.53'}))
        self.assertEqual('compute 2.53', response.headers[NEW])
        self.assertEqual('2.53', response.headers[LEGACY])
        self.assertEqual('%s, %s' % (NEW, LEGACY), response.headers['Vary'])

    def test_existing_vary_is_kept_and_not_repeated(self):
        response = webob.Response()
        response.headers['Vary'] = 'Accept, %s' % NEW
        microversion.add_headers(response, microversion.parse({}))
        self.assertEqual('Accept, %s, %s' % (NEW, LEGACY),
                         response.headers['Vary'])


class TestRouteVersions(testtools.TestCase):

    def _request(self, value):
        req = webob.Request.blank('/')
        req.environ[microversion.ENVIRON_KEY] = microversion.parse(
            {NEW: 'compute ' + value})
        return req

    def test_want(self):
        self.assertEqual((2, 76), microversion.want(self._request('2.76')))

    def test_reject_below(self):
        microversion.reject_below(self._request('2.76'), (2, 76))
        self.assertRaises(webob.exc.HTTPNotFound, microversion.reject_below,
                          self._request('2.75'), (2, 76))
