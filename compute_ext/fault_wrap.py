"""Outermost middleware: no request ends in a traceback or a bare error."""

from compute_ext import wsgi_wrapper
from powerbridge import fault_wrap

UNEXPECTED = ('Unexpected API Error. Please report this at the project bug '
              'tracker and attach the service log if possible.')


class FaultWrapper(fault_wrap.FaultWrapper):
    """Nova's fault body on every error response, a 500 for a crash."""

    def __init__(self, application):
        super().__init__(application, wsgi_wrapper.fault_response,
                         wsgi_wrapper.is_fault, UNEXPECTED)
