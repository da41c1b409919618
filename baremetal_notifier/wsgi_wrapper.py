"""Ironic-shaped responses and the decorator every handler wears.

Ironic's error body is ``{"error_message": "<JSON text>"}`` where the text
holds ``faultstring``, ``faultcode`` and ``debuginfo``: its
ParsableErrorMiddleware wraps the serialised fault once more, and
python-ironicclient decodes both layers. Clients print ``faultstring``.
"""

import json

from oslo_log import log as logging
import webob
import webob.dec
import webob.exc

from baremetal_notifier import exception
from powerbridge import validation

LOG = logging.getLogger(__name__)
JSON = 'application/json'


def error_body(code, message):
    """The body of an Ironic error response, as a dict."""
    fault = {
        'faultstring': message,
        'faultcode': 'Client' if code < 500 else 'Server',
        # Ironic fills debuginfo only with [DEFAULT] debug_tracebacks_in_api.
        'debuginfo': None,
    }
    return {'error_message': json.dumps(fault)}


def respond(status, body=None, headers=None):
    """A JSON response, or an empty one when ``body`` is None."""
    response = webob.Response(status=status)
    if body is None:
        response.content_type = None
        response.body = b''
    else:
        response.content_type = JSON
        response.charset = 'UTF-8'
        response.text = json.dumps(body)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def error_response(code, message, headers=None):
    if code >= 500:
        LOG.error('Server-side error %s: %s', code, message)
    else:
        LOG.debug('Client-side error %s: %s', code, message)
    return respond(code, error_body(code, message), headers)


def _http_message(exc):
    return exc.detail or exc.explanation


class BaremetalWsgify(webob.dec.wsgify):
    """wsgify that turns known errors into Ironic's error body."""

    def call_func(self, req, *args, **kwargs):
        try:
            return super().call_func(req, *args, **kwargs)
        except validation.ValidationError as exc:
            return error_response(400, str(exc))
        except exception.BaremetalException as exc:
            return error_response(exc.code, exc.message)
        except webob.exc.HTTPException as exc:
            allow = exc.headers.get('Allow')
            return error_response(exc.code, _http_message(exc),
                                  {'Allow': allow} if allow else None)
