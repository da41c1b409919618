"""Outermost middleware: no request ends in a traceback or a bare error."""

import json

from oslo_log import log as logging
import webob.dec

from compute_ext import wsgi_wrapper

LOG = logging.getLogger(__name__)

UNEXPECTED = ('Unexpected API Error. Please report this at the project bug '
              'tracker and attach the service log if possible.')
# The new body brings its own; every other header (Allow,
# WWW-Authenticate, request ids, version headers) is kept.
_BODY_HEADERS = ('content-type', 'content-length')


def _is_fault(response):
    """True when the body already is ``{"<faultName>": {code, message}}``.

    webob builds its own JSON error body when the client sends
    ``Accept: application/json`` (as the openstack CLI does), so the
    content type alone does not tell a Nova fault from webob's.
    """
    if response.content_type != 'application/json':
        return False
    try:
        body = json.loads(response.body)
    except ValueError:
        return False
    if not isinstance(body, dict) or len(body) != 1:
        return False
    (inner,) = body.values()
    return isinstance(inner, dict) and {'code', 'message'} <= set(inner)


class FaultWrapper:
    """Catch anything unexpected as a 500, and give every error response
    that middleware (auth, size limits) built without a body Nova's shape."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        try:
            response = req.get_response(self.application)
        except Exception:
            # The traceback goes to the log only: a client must never see
            # server internals.
            LOG.exception('Unexpected error handling %s %s', req.method,
                          req.path)
            return wsgi_wrapper.fault_response(500, UNEXPECTED)
        if response.status_int >= 400 and not _is_fault(response):
            message = response.status.split(' ', 1)[-1]
            headers = {k: v for k, v in response.headers.items()
                       if k.lower() not in _BODY_HEADERS}
            return wsgi_wrapper.fault_response(response.status_int, message,
                                               headers)
        return response
