"""Assemble the Bare Metal API WSGI application: an explicit middleware tuple.

Order, outermost first, and why:

0. request timer: every answer is timed into the request-duration
   histogram, faults and refusals included, labelled by route template.
1. HTTPProxyToWSGI: the scheme and host the client used, behind a proxy,
   before anything builds a link.
2. RequestId: every response, a crash's included, carries
   ``X-OpenStack-Request-Id``.
3. FaultWrapper: every error response gets Ironic's body, whoever built
   it, and nothing ends in a traceback.
4. url check: a 400 for a path that is not UTF-8 or holds a NUL, before
   anything below decodes it.
4a. JSON only: Ironic's 406 (no version headers) when the Accept header
   does not take JSON.
5. MicroversionMiddleware: Ironic's version headers on every response
   (401s and 413s included); 406 for a bad version, in the shape of
   Ironic's framework errors (as are 404 and 405 from the router).
6. RequestBodySizeLimiter: refuse oversized bodies before anyone reads them.
7. auth (keystonemiddleware, or Ironic's noauth): who is calling; version
   discovery passes through unauthenticated, as in Ironic.
8. ContextMiddleware: the RequestContext with the database and policy.
9. The router over the route table.
"""

import types

import webob.dec

from baremetal_notifier.conductor import action_api
from baremetal_notifier import context
from baremetal_notifier import fault_wrap
from baremetal_notifier import handler
from baremetal_notifier import metrics as metrics_mod
from baremetal_notifier import microversion
from baremetal_notifier import wsgi_wrapper
from powerbridge import auth
from powerbridge import deploy as base_deploy
from powerbridge import metrics as base_metrics
from powerbridge import microversion as base_microversion


def json_only(application):
    """Ironic answers JSON only: a client that accepts nothing of the
    kind gets its 406 (a missing Accept, or ``*/*``, takes JSON)."""
    @webob.dec.wsgify
    def check(req):
        accept = req.headers.get('Accept')
        if (accept and accept.strip() != '*/*' and not
                req.accept.acceptable_offers(['application/json'])):
            return wsgi_wrapper.not_acceptable_response(accept)
        return req.get_response(application)
    return check


def deploy(conf, db, enforcer, conductor=None, auth_middleware=None,
           metrics=None, actions=None):
    """Wrap the route table in the middleware tuple.

    :param conductor: the in-process ConductorManager: accepted power and
        provision actions are queued and offered to it at once (it starts
        those of its own nodes); without one they are queued for the
        conductor processes sharing the database.
    :param actions: what accepts the actions instead of the ActionAPI
        built here (the tests' stand-in).
    :param auth_middleware: an ``app -> app`` factory replacing the one
        ``[api] auth_strategy`` names (tests that play keystonemiddleware).
    :param metrics: the process's BaremetalMetrics (a private one if None).
    """
    if auth_middleware is None:
        auth_middleware = auth.auth_middleware(
            conf.api.auth_strategy, conf,
            unauthenticated_paths=handler.UNAUTHENTICATED_PATHS)
    if actions is None:
        # Without a conductor (API only) actions go to the queue, for the
        # conductors' polls.
        actions = (action_api.in_process(conductor) if conductor else
                   action_api.ActionAPI(
                       db, heartbeat_timeout=conf.conductor.heartbeat_timeout))
    state = types.SimpleNamespace(conf=conf, conductor=actions)
    metrics = metrics or metrics_mod.BaremetalMetrics()
    router = handler.make_app()
    middleware = (
        base_metrics.request_timer(metrics.request_duration,
                                   router.template),
        base_deploy.proxy_headers(conf),
        base_deploy.request_ids(conf),
        fault_wrap.FaultWrapper,
        base_deploy.url_check(wsgi_wrapper.error_response),
        json_only,
        lambda app: base_microversion.MicroversionMiddleware(
            app, microversion.API, wsgi_wrapper.http_error_response,
            handler.is_versioned, headers_everywhere=True),
        base_deploy.body_size_limit(conf.api.max_request_body_size),
        auth_middleware,
        lambda app: base_deploy.ContextMiddleware(
            app, context.RequestContext,
            (context.CONTEXT_KEY, context.STATE_KEY), state, db, enforcer,
            skip_paths=handler.UNAUTHENTICATED_PATHS),
    )
    return base_deploy.wrap(router, middleware)
