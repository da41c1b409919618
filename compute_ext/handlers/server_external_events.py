"""os-server-external-events (work in progress: issue 5)."""

import webob.exc

from compute_ext import wsgi_wrapper


@wsgi_wrapper.ComputeWsgify
def create_events(req):
    raise webob.exc.HTTPNotImplemented()
