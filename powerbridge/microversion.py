"""Microversion negotiation, parameterised by each API's version list.

Both halves read the version the way the OpenStack services they copy do:
``OpenStack-API-Version: <service type> X.Y`` first, then the service's
own legacy header. What differs between them (header names, the words of
the 400 and 406 messages, which headers a response echoes) is a parameter
or a method a half overrides; the parsing itself lives here once.
"""

import re

import microversion_parse
import webob.dec

STANDARD_HEADER = 'OpenStack-API-Version'
# Set in the WSGI environ by whoever answers with an error that carries no
# version headers (Ironic's routing errors: unknown path, 405, 406 for an
# unacceptable Accept).
UNVERSIONED_ERROR = 'powerbridge.unversioned_error'
LATEST = 'latest'
# Strict X.Y: no sign, no leading zeros, no spaces inside.
_VERSION_RE = re.compile(r'^([1-9]\d*)\.([1-9]\d*|0)$')


class VersionError(Exception):
    """The requested version is malformed (400) or not served (406)."""

    def __init__(self, code, message, headers=None):
        super().__init__(message)
        self.code = code
        self.message = message
        # The version headers of the refusal; None: the API's defaults.
        self.headers = headers


def version_of(text):
    """``'2.53'`` as a microversion_parse.Version."""
    return microversion_parse.parse_version_string(text)


class Microversions:
    """The versions one API serves and how it talks about them.

    :param versions: every version served, oldest first, as ``'X.Y'``.
    :param service_type: the name in ``OpenStack-API-Version``.
    :param legacy_header: the service's own header, read after the
        standard one and echoed on every versioned response.
    :param environ_key: where the negotiated version is left for handlers.
    :param echo_standard: echo ``OpenStack-API-Version`` too (Nova does,
        Ironic does not).
    :param range_headers: names of the headers that carry the minimum and
        maximum version on every response, or None (Ironic has them).
    :param vary: add both version headers to ``Vary`` (Nova does).
    """

    def __init__(self, versions, service_type, legacy_header, environ_key,
                 echo_standard=False, range_headers=None, vary=False):
        self.versions = list(versions)
        self.service_type = service_type
        self.legacy_header = legacy_header
        self.environ_key = environ_key
        self.echo_standard = echo_standard
        self.range_headers = range_headers
        self.vary = vary
        self._low = version_of(self.versions[0])
        self._high = version_of(self.versions[-1])
        self.min_version = self._bounded(*self._low)
        self.max_version = self._bounded(*self._high)

    # -- messages: each API words its refusals its own way ----------------

    def invalid_format(self, requested):
        """The 400 message for a version that is not ``X.Y``."""
        return ('API Version String %s is of invalid format. Must be of '
                'format MajorNum.MinorNum.' % requested)

    def not_supported(self, requested):
        """The 406 message for a well-formed version not served here."""
        return ('Version %s is not supported by the API. Minimum is %s and '
                'maximum is %s.' % (requested, self.versions[0],
                                    self.versions[-1]))

    # -- parsing -----------------------------------------------------------

    def _bounded(self, major, minor):
        # Version.matches() with one argument needs the served range.
        version = microversion_parse.Version(major, minor)
        version.min_version = self._low
        version.max_version = self._high
        return version

    def parse(self, headers):
        """The version ``headers`` ask for; no header means the minimum.

        ``latest`` (in any case) is the maximum. Raises VersionError.
        """
        requested = microversion_parse.get_version(
            headers, service_type=self.service_type,
            legacy_headers=[self.legacy_header])
        if requested is None:
            return self._bounded(*self._low)
        requested = requested.strip()
        if requested.lower() == LATEST:
            return self._bounded(*self._high)
        if not _VERSION_RE.match(requested):
            raise VersionError(400, self.invalid_format(requested))
        try:
            version = version_of(requested)
        except TypeError:
            # int() refuses numbers of thousands of digits: far above any
            # version served, so unsupported rather than a server error.
            raise VersionError(406, self.not_supported(requested)) from None
        if not self._low <= version <= self._high:
            raise VersionError(406, self.not_supported(requested))
        return self._bounded(*version)

    def want(self, req):
        """The version the request negotiated; the minimum when none was
        (paths outside the versioned API)."""
        return req.environ.get(self.environ_key, self.min_version)

    # -- response headers --------------------------------------------------

    def headers(self, version=None):
        """The version headers of a response; ``version`` when negotiated."""
        result = {}
        if self.range_headers:
            result[self.range_headers[0]] = self.versions[0]
            result[self.range_headers[1]] = self.versions[-1]
        if version is not None:
            text = '%d.%d' % (version.major, version.minor)
            if self.echo_standard:
                result[STANDARD_HEADER] = '%s %s' % (self.service_type, text)
            result[self.legacy_header] = text
        return result

    def add_headers(self, response, version=None):
        """Set the version headers (and Vary) on ``response``."""
        response.headers.update(self.headers(version))
        if not self.vary or version is None:
            return
        vary = [v.strip() for v in response.headers.get('Vary', '').split(',')
                if v.strip()]
        names = ([STANDARD_HEADER] if self.echo_standard else []) + [
            self.legacy_header]
        for name in names:
            if name not in vary:
                vary.append(name)
        response.headers['Vary'] = ', '.join(vary)


class MicroversionMiddleware:
    """Negotiate the version of every request to the versioned API.

    :param microversions: the API's Microversions.
    :param error_response: ``(code, message, headers) -> Response`` in the
        API's own error shape.
    :param is_versioned: ``path -> bool``; other paths are not refused for
        a bad header and handlers there see the minimum version.
    :param headers_everywhere: also put the version headers on responses
        outside the versioned API (Ironic does; Nova leaves its version
        documents alone).
    """

    def __init__(self, application, microversions, error_response,
                 is_versioned, headers_everywhere=False):
        self.application = application
        self.microversions = microversions
        self.error_response = error_response
        self.is_versioned = is_versioned
        self.headers_everywhere = headers_everywhere

    @webob.dec.wsgify
    def __call__(self, req):
        versions = self.microversions
        versioned = self.is_versioned(req.path_info)
        if not versioned and not self.headers_everywhere:
            return self.application
        try:
            version = versions.parse(req.headers)
        except VersionError as exc:
            if versioned:
                return self.error_response(
                    exc.code, exc.message,
                    versions.headers() if exc.headers is None
                    else exc.headers)
            version = None
        if versioned:
            req.environ[versions.environ_key] = version
        response = req.get_response(self.application)
        if not req.environ.get(UNVERSIONED_ERROR):
            versions.add_headers(response, version)
        return response
