"""os-instance-actions (work in progress: issue 5)."""

import webob.exc

from compute_ext import wsgi_wrapper


@wsgi_wrapper.ComputeWsgify
def list_instance_actions(req):
    raise webob.exc.HTTPNotImplemented()


show_instance_action = list_instance_actions
