"""The shared microversion parser and middleware, with a made-up API."""

import testscenarios
import testtools
import webob
import webob.dec

from powerbridge import microversion

VERSIONS = ['1.1', '1.2', '1.3', '1.10']
LEGACY = 'X-Widget-API-Version'


def widgets(**kwargs):
    return microversion.Microversions(VERSIONS, 'widget', LEGACY,
                                      'widget.version', **kwargs)


class TestParse(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = [
        ('no header', {'headers': {}, 'want': (1, 1)}),
        ('standard', {'headers': {'OpenStack-API-Version': 'widget 1.3'},
                      'want': (1, 3)}),
        ('legacy', {'headers': {LEGACY: '1.2'}, 'want': (1, 2)}),
        ('standard wins', {'headers': {'OpenStack-API-Version': 'widget 1.3',
                                       LEGACY: '1.2'}, 'want': (1, 3)}),
        ('other service', {'headers': {'OpenStack-API-Version': 'gadget 9.9'},
                           'want': (1, 1)}),
        ('latest', {'headers': {LEGACY: 'latest'}, 'want': (1, 10)}),
        ('LATEST', {'headers': {'OpenStack-API-Version': 'widget LATEST'},
                    'want': (1, 10)}),
        ('spaces around', {'headers': {LEGACY: ' 1.2 '}, 'want': (1, 2)}),
        ('between two served', {'headers': {LEGACY: '1.5'}, 'want': (1, 5)}),
    ]

    def test_parse(self):
        version = widgets().parse(self.headers)
        self.assertEqual(self.want, version)
        # The served range rides along, for Version.matches().
        self.assertEqual((1, 1), version.min_version)
        self.assertEqual((1, 10), version.max_version)


class TestRefused(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = [
        ('word', {'value': 'one', 'code': 400}),
        ('leading zero', {'value': '1.01', 'code': 400}),
        ('sign', {'value': '+1.1', 'code': 400}),
        ('three parts', {'value': '1.1.1', 'code': 400}),
        ('empty', {'value': '', 'code': 400}),
        ('below', {'value': '1.0', 'code': 406}),
        ('above', {'value': '1.11', 'code': 406}),
        ('other major', {'value': '2.1', 'code': 406}),
        ('enormous', {'value': '1.' + '9' * 5000, 'code': 406}),
    ]

    def test_refused(self):
        error = self.assertRaises(microversion.VersionError,
                                  widgets().parse, {LEGACY: self.value})
        self.assertEqual(self.code, error.code)


class TestMessages(testtools.TestCase):

    def test_a_subclass_words_its_refusals(self):
        class Terse(microversion.Microversions):
            def invalid_format(self, requested):
                return 'bad: %s' % requested

            def not_supported(self, requested):
                return 'no: %s' % requested

        api = Terse(VERSIONS, 'widget', LEGACY, 'widget.version')
        self.assertEqual('bad: x', self.assertRaises(
            microversion.VersionError, api.parse, {LEGACY: 'x'}).message)
        self.assertEqual('no: 3.0', self.assertRaises(
            microversion.VersionError, api.parse, {LEGACY: '3.0'}).message)


class TestHeaders(testtools.TestCase):

    def test_nova_style(self):
        api = widgets(echo_standard=True, vary=True)
        response = webob.Response()
        response.headers['Vary'] = 'Accept'
        api.add_headers(response, api.parse({LEGACY: '1.3'}))
        self.assertEqual('widget 1.3',
                         response.headers['OpenStack-API-Version'])
        self.assertEqual('1.3', response.headers[LEGACY])
        self.assertEqual('Accept, OpenStack-API-Version, ' + LEGACY,
                         response.headers['Vary'])

    def test_ironic_style(self):
        api = widgets(range_headers=('X-Min', 'X-Max'))
        self.assertEqual({'X-Min': '1.1', 'X-Max': '1.10'}, api.headers())
        self.assertEqual({'X-Min': '1.1', 'X-Max': '1.10', LEGACY: '1.2'},
                         api.headers(api.parse({LEGACY: '1.2'})))


@webob.dec.wsgify
def echo_version(req):
    version = req.environ.get('widget.version')
    return webob.Response(json_body={'version': str(version)})


def refuse(code, message, headers=None):
    response = webob.Response(status=code, json_body={'refused': message})
    response.headers.update(headers or {})
    return response


class TestMiddleware(testtools.TestCase):

    def app(self, api, **kwargs):
        return microversion.MicroversionMiddleware(
            echo_version, api, refuse,
            lambda path: path.startswith('/v1'), **kwargs)

    def get(self, app, path, value=None):
        headers = {LEGACY: value} if value is not None else {}
        return webob.Request.blank(path, headers=headers).get_response(app)

    def test_versioned_path(self):
        response = self.get(self.app(widgets()), '/v1/x', '1.2')
        self.assertEqual({'version': '1.2'}, response.json_body)
        self.assertEqual('1.2', response.headers[LEGACY])

    def test_refusal_in_the_apis_shape(self):
        response = self.get(self.app(widgets()), '/v1/x', '7.0')
        self.assertEqual(406, response.status_int)
        self.assertIn('7.0', response.json_body['refused'])

    def test_other_paths_are_left_alone(self):
        response = self.get(self.app(widgets()), '/', '7.0')
        self.assertEqual(200, response.status_int)
        self.assertEqual({'version': 'None'}, response.json_body)
        self.assertNotIn(LEGACY, response.headers)

    def test_headers_everywhere(self):
        app = self.app(widgets(range_headers=('X-Min', 'X-Max')),
                       headers_everywhere=True)
        response = self.get(app, '/', '7.0')
        # Not refused outside the versioned API, but the range is told.
        self.assertEqual(200, response.status_int)
        self.assertEqual('1.10', response.headers['X-Max'])
        self.assertNotIn(LEGACY, response.headers)
        refused = self.get(app, '/v1/x', '7.0')
        self.assertEqual(406, refused.status_int)
        self.assertEqual('1.10', refused.headers['X-Max'])

    def test_want_outside_the_versioned_api_is_the_minimum(self):
        self.assertEqual((1, 1), widgets().want(webob.Request.blank('/')))
