"""Dispatch from a declarative route table: ``{path: {method: handler}}``.

As in Placement, routes only match the path; the path's methods are then
looked up here, so a known path with an unknown method is a 405 with an
``Allow`` header, and an unknown path a 404, both in the service's own
error shape. Paths take no regular expressions: each handler turns a bad
id into its own specific 404.
"""

import routes
import webob.dec

from powerbridge import microversion

NOT_FOUND = 'The resource could not be found.'
NOT_ALLOWED = 'The method %(method)s is not allowed for this resource.'


class Router:
    """A WSGI application calling ``handler(req)`` for each request.

    :param route_table: ``{path: {method: handler}}``; paths are tried in
        order, so ``/nodes/detail`` goes before ``/nodes/{node_ident}``.
        A path with no methods is a 404 (it shields the path from a
        broader route declared after it).
    :param error_response: ``(code, message, headers) -> Response``.
    :param not_allowed: the 405 message, formatted with ``method``.
    :param ignored_args: path variables the handlers never see (Nova's
        optional project id).
    :param strip_trailing_slash: serve ``/path/`` as ``/path`` (Ironic).
    :param routing_error_response: ``(code, message, headers) -> Response``
        for 404 and 405 when the API words them apart from its other
        errors (Ironic); such a response gets no version headers.
    """

    def __init__(self, route_table, error_response, not_allowed=NOT_ALLOWED,
                 ignored_args=(), strip_trailing_slash=False,
                 routing_error_response=None):
        self._methods = dict(route_table)
        self._error_response = error_response
        self._not_allowed = not_allowed
        self._ignored_args = tuple(ignored_args)
        self._strip = strip_trailing_slash
        self._routing_error = routing_error_response
        self._mapper = routes.Mapper()
        for path in self._methods:
            self._mapper.connect(None, path, declared=path)

    def template(self, path):
        """The declared route ``path`` matches, or None (metrics label)."""
        if self._strip:
            path = path.rstrip('/') or '/'
        match = self._mapper.match(path)
        return None if match is None else match['declared']

    @webob.dec.wsgify
    def __call__(self, req):
        path = req.path_info
        if self._strip:
            path = path.rstrip('/') or '/'
        match = self._mapper.match(path)
        if match is None:
            return self._routing(req, 404, NOT_FOUND, None)
        methods = self._methods[match.pop('declared')]
        if not methods:
            # Declared with no methods: a path kept from a broader route
            # below it, and not served.
            return self._routing(req, 404, NOT_FOUND, None)
        handler = methods.get(req.method)
        if handler is None:
            return self._routing(
                req, 405, self._not_allowed % {'method': req.method},
                {'Allow': ', '.join(sorted(methods))})
        for name in self._ignored_args:
            match.pop(name, None)
        req.environ['wsgiorg.routing_args'] = ((), match)
        return handler(req)

    def _routing(self, req, code, message, headers):
        if self._routing_error is None:
            return self._error_response(code, message, headers)
        req.environ[microversion.UNVERSIONED_ERROR] = True
        return self._routing_error(code, message, headers)
