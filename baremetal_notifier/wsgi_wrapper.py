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


# Ironic's web framework answers some requests before any handler runs:
# unknown paths (404), unserved methods (405) and unacceptable versions
# (406). Its body then holds the framework's fields, not a fault.
_TITLES = {404: 'Not Found', 405: 'Method Not Allowed',
           406: 'Not Acceptable'}


def http_error_response(code, message, headers=None):
    """An error in the shape Ironic's framework gives it."""
    fault = {'code': code, 'title': _TITLES.get(code, ''),
             'description': message}
    return respond(code, {'error_message': json.dumps(fault)}, headers)


def routing_error_response(code, message, headers=None):
    """404 and 405 as Ironic answers them: no description."""
    return http_error_response(code, '', headers)


def not_acceptable_response(accept):
    """Ironic's 406 for an Accept header JSON does not satisfy: the
    framework's plain text, wrapped."""
    text = ('406 Not Acceptable\n\nThe resource could not be generated '
            'that was acceptable to your browser (content of type %s. '
            '\n\n ' % accept)
    return respond(406, {'error_message': text})


def error_response(code, message, headers=None):
    if code >= 500:
        LOG.error('Server-side error %s: %s', code, message)
    else:
        LOG.debug('Client-side error %s: %s', code, message)
    return respond(code, error_body(code, message), headers)


class BaremetalWsgify(wsgi_wrapper.JsonErrorWsgify):
    """wsgify that turns known errors into Ironic's error body."""

    error_response = staticmethod(error_response)
