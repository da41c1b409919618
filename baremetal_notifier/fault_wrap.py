"""Outermost middleware: Ironic's error body on every error response.

It plays the part of Ironic's ParsableErrorMiddleware: errors built by
middleware (keystonemiddleware's 401, the body size limit's 413) or by
webob get the ``error_message`` body too, and nothing ends in a traceback.
"""

import json

from oslo_log import log as logging
import webob.dec

from baremetal_notifier import wsgi_wrapper

LOG = logging.getLogger(__name__)
# Headers of an error response that still mean something once its body
# is replaced.
_KEPT_HEADERS = ('allow', 'www-authenticate')


def _is_ironic_error(response):
    if response.content_type != wsgi_wrapper.JSON:
        return False
    try:
        return 'error_message' in json.loads(response.body)
    except (ValueError, TypeError):
        return False


def _message(response):
    """keystonemiddleware's JSON message, else the status text."""
    if response.content_type == wsgi_wrapper.JSON:
        try:
            return json.loads(response.body)['error']['message']
        except (ValueError, TypeError, KeyError):
            pass
    return response.status.split(' ', 1)[-1]


class FaultWrapper:
    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        try:
            response = req.get_response(self.application)
        except Exception:
            # NOTE: the path, never the body: a body may hold a password.
            LOG.exception('Unexpected error handling %s %s', req.method,
                          req.path)
            return wsgi_wrapper.error_response(
                500, 'An unexpected error prevented the server from '
                     'fulfilling the request.')
        if response.status_int < 400 or _is_ironic_error(response):
            return response
        fixed = wsgi_wrapper.error_response(response.status_int,
                                            _message(response))
        for key, value in response.headers.items():
            if key.lower() in _KEPT_HEADERS or key.lower().startswith(
                    'x-openstack-'):
                fixed.headers[key] = value
        return fixed
