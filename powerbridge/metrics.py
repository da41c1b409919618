"""Prometheus metrics: the plumbing both halves share.

Each service owns a :class:`Metrics` (its own CollectorRegistry, never the
process-wide default one, so tests can run several services in one
process) and serves it on a ``/metrics`` listener of its own, ``[metrics]
host``/``port``, apart from the API port so an operator can keep it on a
private network. The listener runs in its own daemon threads: a scrape
never takes an API worker or a sync thread, and what a scrape computes
from the database runs in the scrape's thread.

Under a multi-process WSGI server (uWSGI, gunicorn) set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory writable by every
worker, one directory per service, before the workers start:
prometheus-client then keeps counters and histograms in files there, and
every worker binds the metrics port with SO_REUSEPORT and answers a scrape
with the sum over all workers (the live ones and the ones that have
exited, so totals never go back). Gauges are computed at scrape time
(collectors reading the database), so they need no multi-process mode.
"""

import os
import socket
import socketserver
import threading
import time
from wsgiref import simple_server

from oslo_config import cfg
from oslo_log import log as logging
import prometheus_client
from prometheus_client import multiprocess

from powerbridge import config

LOG = logging.getLogger(__name__)

MULTIPROC_ENV = 'PROMETHEUS_MULTIPROC_DIR'
# Route label of a request no route of the table matches (404s, and paths
# refused before routing): raw paths would make the label unbounded.
UNMATCHED = 'unmatched'
METHODS = frozenset(('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE',
                     'OPTIONS'))
# Request durations: an API answers in milliseconds; a slow database or a
# Keystone round trip shows in the upper buckets.
REQUEST_BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                   2.5, 5.0, 10.0)

metrics_group = cfg.OptGroup('metrics', title='Prometheus metrics')


def metrics_opts(service, port):
    return [
        cfg.BoolOpt('enabled', default=False,
                    help='Serve Prometheus metrics of the %s on '
                         'http://host:port/metrics.' % service),
        cfg.HostAddressOpt('host', default='127.0.0.1',
                           help='Address the metrics listener binds.'),
        cfg.PortOpt('port', default=port,
                    help='Port of the metrics listener; a port already '
                         'taken stops the service at start-up. Each '
                         'process serving metrics needs its own (several '
                         'on one host: a config file each).'),
    ]


def register_opts(conf, service, port):
    group = config.register_group(conf, metrics_group)
    conf.register_opts(metrics_opts(service, port), group=group)


def multiprocess_dir():
    """The multi-process directory, or None in single-process mode."""
    return os.environ.get(MULTIPROC_ENV) or None


class Metrics:
    """A service's metric families on a registry of its own.

    Subclasses create their families in ``__init__`` with the helpers
    below; scrape-time collectors (gauges read from the database) are
    added with :meth:`add_collector`.
    """

    def __init__(self):
        self.registry = prometheus_client.CollectorRegistry()
        self._collectors = []

    def counter(self, name, documentation, labels=()):
        return prometheus_client.Counter(name, documentation, labels,
                                         registry=self.registry)

    def histogram(self, name, documentation, labels=(),
                  buckets=prometheus_client.Histogram.DEFAULT_BUCKETS):
        return prometheus_client.Histogram(name, documentation, labels,
                                           buckets=buckets,
                                           registry=self.registry)

    def add_collector(self, collector):
        self._collectors.append(collector)
        self.registry.register(collector)

    def exposition_registry(self):
        """What a scrape reads: this registry, or in multi-process mode
        every worker's files plus this process's collectors."""
        path = multiprocess_dir()
        if path is None:
            return self.registry
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=path)
        for collector in self._collectors:
            registry.register(collector)
        return registry

    def text(self):
        """The text exposition, as a scrape gets it (tests, tools)."""
        return prometheus_client.generate_latest(
            self.exposition_registry()).decode('utf-8')


def request_duration(metrics, prefix):
    """The API request-duration histogram of a service."""
    return metrics.histogram(
        '%s_api_request_duration_seconds' % prefix,
        'Time to answer an API request, by route template, method and '
        'status code.', ('route', 'method', 'status'),
        buckets=REQUEST_BUCKETS)


def request_timer(histogram, route_of):
    """Middleware factory: time every request into ``histogram``.

    :param route_of: ``path -> route template or None`` (the router's);
        labels come only from the route table, the method list and the
        status code, never from the raw path.
    """

    def factory(app):
        def timed(environ, start_response):
            started = time.monotonic()
            status = []

            def record_status(line, headers, exc_info=None):
                status[:] = [line.split(' ', 1)[0]]
                return start_response(line, headers, exc_info)
            try:
                return app(environ, record_status)
            finally:
                method = environ.get('REQUEST_METHOD', '')
                histogram.labels(
                    route=_route(route_of, environ),
                    method=method if method in METHODS else 'other',
                    status=status[0] if status else '500',
                ).observe(time.monotonic() - started)
        return timed
    return factory


def _route(route_of, environ):
    try:
        path = environ.get('PATH_INFO', '').encode('latin-1').decode('utf-8')
        return route_of(path) or UNMATCHED
    except (UnicodeError, ValueError):
        return UNMATCHED


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    reuse_port = False

    def server_bind(self):
        if self.reuse_port:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()


class _Quiet(simple_server.WSGIRequestHandler):
    def log_message(self, format, *args):
        LOG.debug('metrics scrape: ' + format, *args)


def _only_metrics(app):
    def serve(environ, start_response):
        if environ.get('PATH_INFO') not in ('/metrics', '/metrics/'):
            start_response('404 Not Found',
                           [('Content-Type', 'text/plain')])
            return [b'Not found: metrics are at /metrics\n']
        return app(environ, start_response)
    return serve


class StartupError(Exception):
    """The metrics listener cannot bind; one line for the operator."""


class Listener:
    """The ``/metrics`` listener of one service, in daemon threads."""

    def __init__(self, metrics, host, port):
        registry = metrics.exposition_registry()
        app = _only_metrics(prometheus_client.make_wsgi_app(registry))
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
        server_class = type('MetricsServer', (_Server,), {
            'address_family': family,
            # NOTE: every worker of a multi-process server serves the
            # aggregate, so they may share the port; otherwise a taken
            # port is an error.
            'reuse_port': multiprocess_dir() is not None,
        })
        try:
            self.server = simple_server.make_server(
                host, port, app, server_class=server_class,
                handler_class=_Quiet)
        except OSError as exc:
            raise StartupError('cannot serve metrics on %s:%s: %s' % (
                host, port, exc.strerror or exc)) from None
        self.host = host
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        name='metrics-listener', daemon=True)

    def start(self):
        self._thread.start()
        LOG.info('Prometheus metrics on http://%s:%s/metrics', self.host,
                 self.port)
        return self

    def stop(self):
        if self._thread.is_alive():
            self.server.shutdown()
        self.server.server_close()


def listen(conf, metrics):
    """Start ``conf``'s metrics listener when ``[metrics] enabled``;
    returns it, or None. Raises StartupError for a taken port."""
    if not conf.metrics.enabled:
        return None
    return Listener(metrics, conf.metrics.host, conf.metrics.port).start()


def list_opts(service, port):
    return {metrics_group: metrics_opts(service, port)}
