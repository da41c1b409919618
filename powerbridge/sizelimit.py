"""Refuse request bodies over a size limit before anything reads them."""

import io

import webob.dec
import webob.exc


class RequestBodySizeLimiter:
    """413 for a body larger than ``max_size`` bytes, declared or not."""

    def __init__(self, application, max_size):
        self.application = application
        self.max_size = max_size

    @webob.dec.wsgify
    def __call__(self, req):
        too_large = webob.exc.HTTPRequestEntityTooLarge(
            'Request is too large.')
        if req.content_length is not None:
            if req.content_length > self.max_size:
                return too_large
        elif req.is_body_readable:
            # NOTE: chunked bodies have no length; read one byte past the
            # limit to tell, and hand the rest of the stack what was read.
            data = req.body_file_raw.read(self.max_size + 1)
            if len(data) > self.max_size:
                return too_large
            req.body_file_raw = io.BytesIO(data)
            req.content_length = len(data)
        return self.application
