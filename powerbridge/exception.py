"""The message-template exception both services' errors derive from."""


class ServiceError(Exception):
    """Base class: ``msg_fmt`` is filled from the keyword arguments, and
    ``code`` is the HTTP status the API answers with."""

    msg_fmt = 'An unknown exception occurred.'
    code = 500

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            message = self.msg_fmt % kwargs
        self.message = message
        super().__init__(message)
