"""servers subset (work in progress: issue 5)."""

import webob.exc

from compute_ext import wsgi_wrapper


@wsgi_wrapper.ComputeWsgify
def list_servers(req):
    raise webob.exc.HTTPNotImplemented()


list_servers_detail = show_server = server_action = list_servers
