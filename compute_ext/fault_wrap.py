"""Outermost middleware: no request ends in a traceback or a bare error."""

from oslo_log import log as logging
import webob.dec

from compute_ext import wsgi_wrapper

LOG = logging.getLogger(__name__)


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
            LOG.exception('Unexpected error handling %s %s', req.method,
                          req.path)
            return wsgi_wrapper.fault_response(
                500, 'Unexpected API Error. Please report this at '
                     'the project bug tracker and attach the service log '
                     'if possible.')
        if (response.status_int >= 400
                and response.content_type != 'application/json'):
            message = response.status.split(' ', 1)[-1]
            headers = {k: v for k, v in response.headers.items()
                       if k.lower() in ('www-authenticate', 'allow')}
            return wsgi_wrapper.fault_response(response.status_int, message,
                                               headers)
        return response
