"""Outermost middleware: Ironic's error body on every error response.

It plays the part of Ironic's ParsableErrorMiddleware: errors built by
middleware (keystonemiddleware's 401, the body size limit's 413) or by
webob get the ``error_message`` body too, and nothing ends in a traceback.
"""

from baremetal_notifier import wsgi_wrapper
from powerbridge import fault_wrap

UNEXPECTED = ('An unexpected error prevented the server from fulfilling '
              'the request.')


class FaultWrapper(fault_wrap.FaultWrapper):
    """Ironic's error body on every error response, a 500 for a crash."""

    def __init__(self, application):
        super().__init__(application, wsgi_wrapper.error_response,
                         wsgi_wrapper.is_error, UNEXPECTED)
