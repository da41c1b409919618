"""JSON responses and the decorator every handler of both APIs wears.

The decorator turns the errors handlers raise (schema failures, the
services' own exceptions, webob's HTTP errors) into a response; how that
response's body looks is the one thing each API decides, so it names a
function building it.
"""

import json

import webob
import webob.dec
import webob.exc

from powerbridge import exception
from powerbridge import validation

JSON = 'application/json'
JSON_UTF8 = JSON + '; charset=UTF-8'


def respond(status, body=None, headers=None, content_type=JSON_UTF8):
    """A JSON response of ``body``, or an empty one when it is None.

    ``content_type`` is sent as given: Nova's says no charset, Ironic's
    (here) does.
    """
    response = webob.Response(status=status)
    if body is None:
        # No Content-Type on an empty body (204, 202), as Nova and Ironic.
        response.content_type = None
        response.body = b''
    else:
        response.body = json.dumps(body).encode('utf-8')
        response.headers['Content-Type'] = content_type
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def http_error_message(exc):
    """What a webob HTTP error says: its detail, else its explanation."""
    return exc.detail or exc.explanation


class JsonErrorWsgify(webob.dec.wsgify):
    """wsgify that answers known errors with the API's own error body.

    Subclasses set ``error_response`` to a ``staticmethod`` taking
    ``(code, message, headers=None)`` and returning a webob Response.
    """

    error_response = None

    def call_func(self, req, *args, **kwargs):
        try:
            return super().call_func(req, *args, **kwargs)
        except validation.ValidationError as exc:
            return self.error_response(400, str(exc))
        except exception.ServiceError as exc:
            return self.error_response(exc.code, exc.message)
        except webob.exc.HTTPException as exc:
            # A 405 keeps its Allow header: clients read it.
            allow = exc.headers.get('Allow')
            return self.error_response(exc.code, http_error_message(exc),
                                       {'Allow': allow} if allow else None)


def read_json_body(req, schema, content_types=(JSON,)):
    """Decode the JSON body and validate it against ``schema``.

    A request without Content-Type is taken as JSON; any type outside
    ``content_types`` is a 415.
    """
    if req.content_type and req.content_type not in content_types:
        raise webob.exc.HTTPUnsupportedMediaType('Unsupported Content-Type')
    body = validation.load_json_body(req)
    validation.validate(schema, body)
    return body
