"""Outermost middleware: the API's error body on every error response.

Errors built below by middleware (keystonemiddleware's 401, the body size
limit's 413) or by webob come in whatever shape their author chose; this
gives them the service's own, and turns an unexpected exception into a
500 whose body tells nothing of the server's internals.
"""

import json

from oslo_log import log as logging
import webob.dec

LOG = logging.getLogger(__name__)

# Set in the environ by an application below whose error response already
# is exactly what the service sends (Nova's router answers an unknown route
# with webob's own 404): it passes unchanged.
PASS_THROUGH = 'powerbridge.fault_wrap.pass_through'

# The new body brings its own; every other header (Allow,
# WWW-Authenticate, request ids, version headers) is kept.
_BODY_HEADERS = ('content-type', 'content-length')


def _json_body(response):
    if response.content_type != 'application/json':
        return None
    try:
        return json.loads(response.body)
    except (ValueError, RecursionError):
        return None


def _message(body, response):
    """keystonemiddleware's JSON message, else the status text."""
    try:
        return body['error']['message']
    except (TypeError, KeyError):
        return response.status.split(' ', 1)[-1]


class FaultWrapper:
    """Catch anything unexpected as a 500; reshape foreign error bodies.

    :param error_response: ``(code, message, headers) -> Response`` in the
        service's own shape.
    :param is_own_error: ``decoded JSON body -> bool``: the body already
        is in that shape (a handler built it), so it passes unchanged.
    :param unexpected: the message of a 500 for an unhandled exception.
    """

    def __init__(self, application, error_response, is_own_error,
                 unexpected):
        self.application = application
        self.error_response = error_response
        self.is_own_error = is_own_error
        self.unexpected = unexpected

    def __call__(self, environ, start_response):
        try:
            return self._wrapped(environ, start_response)
        except Exception:
            # The wrapper itself failed (a response that cannot even be
            # reshaped): still the service's 500, never a bare socket close.
            LOG.exception('Fault wrapper failed (request %s)',
                          _request_id(environ))
            return self._last_resort(environ, start_response)

    @webob.dec.wsgify
    def _wrapped(self, req):
        try:
            response = req.get_response(self.application)
        except Exception:
            # The traceback goes to the log only, and the raw path, never
            # the body: a body may hold a password. The raw path is taken
            # from the environ because decoding it (req.path) can itself
            # fail on a bad percent-escape.
            LOG.exception('Unexpected error (request %s) handling %s %s',
                          _request_id(req.environ), req.method,
                          req.environ.get('PATH_INFO', ''))
            return self.error_response(500, self.unexpected, None)
        if response.status_int < 400 or req.environ.get(PASS_THROUGH):
            return response
        body = _json_body(response)
        if body is not None and self.is_own_error(body):
            return response
        headers = {k: v for k, v in response.headers.items()
                   if k.lower() not in _BODY_HEADERS}
        return self.error_response(response.status_int,
                                   _message(body, response), headers)

    def _last_resort(self, environ, start_response):
        response = self.error_response(500, self.unexpected, None)
        return response(environ, start_response)


def _request_id(environ):
    return environ.get('openstack.request_id', '-')
