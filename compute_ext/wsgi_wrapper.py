"""Nova-shaped error bodies and the decorator every handler wears."""

import json

from oslo_log import log as logging
import webob
import webob.dec
import webob.exc

from powerbridge import validation
from compute_ext import exception

LOG = logging.getLogger(__name__)

# Nova's Fault._fault_names; any other status uses computeFault.
FAULT_NAMES = {
    400: 'badRequest',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'itemNotFound',
    405: 'badMethod',
    409: 'conflictingRequest',
    413: 'overLimit',
    415: 'badMediaType',
    429: 'overLimit',
    501: 'notImplemented',
    503: 'serviceUnavailable',
}


def fault_response(code, message, headers=None):
    """A webob Response carrying Nova's error body."""
    name = FAULT_NAMES.get(code, 'computeFault')
    body = {name: {'code': code, 'message': message}}
    response = webob.Response(status=code, content_type='application/json',
                              charset='UTF-8')
    response.text = json.dumps(body)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def json_response(body, status=200):
    response = webob.Response(status=status, content_type='application/json',
                              charset='UTF-8')
    response.text = json.dumps(body)
    return response


def empty_response(status):
    response = webob.Response(status=status)
    response.content_type = None
    response.body = b''
    return response


def _exception_message(exc):
    if isinstance(exc, webob.exc.HTTPException):
        return exc.explanation if exc.detail is None else exc.detail
    return str(exc)


class ComputeWsgify(webob.dec.wsgify):
    """wsgify that turns known errors into Nova's fault bodies."""

    def call_func(self, req, *args, **kwargs):
        try:
            return super().call_func(req, *args, **kwargs)
        except validation.ValidationError as exc:
            return fault_response(400, str(exc))
        except exception.ComputeException as exc:
            return fault_response(exc.code, exc.message)
        except webob.exc.HTTPException as exc:
            return fault_response(exc.code, _exception_message(exc),
                                  _extra_headers(exc))


def _extra_headers(exc):
    allow = exc.headers.get('Allow')
    return {'Allow': allow} if allow else {}


# What Nova accepts as a JSON request body; no Content-Type means JSON too.
JSON_CONTENT_TYPES = ('application/json',
                      'application/vnd.openstack.compute+json')


def read_json_body(req, schema):
    """Decode the body and validate it against ``schema``."""
    if req.content_type and req.content_type not in JSON_CONTENT_TYPES:
        raise webob.exc.HTTPUnsupportedMediaType('Unsupported Content-Type')
    body = validation.load_json_body(req)
    validation.validate(schema, body)
    return body
