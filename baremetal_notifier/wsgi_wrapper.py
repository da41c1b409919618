"""Ironic-shaped responses and the decorator every handler wears.

Ironic's error body is ``{"error_message": "<JSON text>"}`` where the text
holds ``faultstring``, ``faultcode`` and ``debuginfo``: its
ParsableErrorMiddleware wraps the serialised fault once more, and
python-ironicclient decodes both layers. Clients print ``faultstring``.
"""

import json

from oslo_log import log as logging

from powerbridge import wsgi_wrapper

LOG = logging.getLogger(__name__)
JSON = wsgi_wrapper.JSON
respond = wsgi_wrapper.respond


def error_body(code, message):
    """The body of an Ironic error response, as a dict."""
    fault = {
        'faultstring': message,
        'faultcode': 'Client' if code < 500 else 'Server',
        # Ironic fills debuginfo only with [DEFAULT] debug_tracebacks_in_api.
        'debuginfo': None,
    }
    return {'error_message': json.dumps(fault)}


def is_error(body):
    """True when a decoded body already is in Ironic's shape."""
    return isinstance(body, dict) and 'error_message' in body


def error_response(code, message, headers=None):
    if code >= 500:
        LOG.error('Server-side error %s: %s', code, message)
    else:
        LOG.debug('Client-side error %s: %s', code, message)
    return respond(code, error_body(code, message), headers)


class BaremetalWsgify(wsgi_wrapper.JsonErrorWsgify):
    """wsgify that turns known errors into Ironic's error body."""

    error_response = staticmethod(error_response)
