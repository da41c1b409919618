"""Assemble the Compute API WSGI application: an explicit middleware tuple.

Order, outermost first, and why:

0. request timer: every answer is timed into the request-duration
   histogram, faults and refusals included, labelled by route template.
1. HTTPProxyToWSGI: the scheme and host the client used, behind a proxy,
   before anything builds a link.
2. RequestId: every response, a crash's included, carries the request id
   (``x-openstack-request-id`` and Nova's ``x-compute-request-id``).
3. FaultWrapper: nothing below may end in a traceback, and error responses
   built by other middleware get Nova's body.
4. url check: a 400 for a path that is not UTF-8 or holds a NUL, before
   anything below decodes it.
5. RequestBodySizeLimiter: refuse oversized bodies before anyone reads them.
6. auth (keystonemiddleware or noauth2): who is calling; version discovery
   paths pass through unauthenticated, as in Nova.
7. ContextMiddleware: the RequestContext with the database and policy.
8. The router over the route table; each route's handler behind Nova's
   per-request steps (resource.py): microversion (400/406, version
   headers on every answer), body type, project id in the URL. They run
   after the route matched because Nova's do: an unknown route is a 404
   whatever its version header.
"""

import types

from compute_ext import context
from compute_ext import fault_wrap
from compute_ext import handler
from compute_ext import metrics as metrics_mod
from compute_ext import servicegroup
from compute_ext import wsgi_wrapper
from powerbridge import auth
from powerbridge import deploy as base_deploy
from powerbridge import metrics as base_metrics

REQUEST_ID_HEADERS = ['x-compute-request-id']


def deploy(conf, db, enforcer, metrics=None):
    """Wrap the route table in the middleware tuple.

    :param metrics: the process's ComputeMetrics (a private one if None).
    """
    metrics = metrics or metrics_mod.ComputeMetrics()
    state = types.SimpleNamespace(conf=conf,
                                  servicegroup=servicegroup.ServiceGroup(conf),
                                  metrics=metrics)
    router = handler.make_app()
    middleware = (
        base_metrics.request_timer(metrics.request_duration,
                                   router.template),
        base_deploy.proxy_headers(conf),
        base_deploy.request_ids(conf, REQUEST_ID_HEADERS),
        fault_wrap.FaultWrapper,
        base_deploy.url_check(wsgi_wrapper.fault_response),
        base_deploy.body_size_limit(conf.api.max_request_body_size),
        auth.auth_middleware(
            conf.api.auth_strategy, conf,
            unauthenticated_paths=handler.UNAUTHENTICATED_PATHS),
        lambda app: base_deploy.ContextMiddleware(
            app, context.RequestContext,
            (context.CONTEXT_KEY, context.STATE_KEY), state, db, enforcer,
            skip_paths=handler.UNAUTHENTICATED_PATHS),
    )
    return base_deploy.wrap(router, middleware)
