"""Option group registration that keeps ConfigOpts objects independent."""

from oslo_config import cfg


def register_group(conf, group):
    """Register a fresh copy of ``group`` on ``conf``; return its name.

    oslo.config keeps the options registered under a group inside the
    OptGroup object, so sharing one module-level OptGroup between several
    ConfigOpts (tests, several services in one process) would leak options
    from one into the others.
    """
    conf.register_group(cfg.OptGroup(group.name, title=group.title,
                                      help=group.help))
    return group.name


def api_server_opts(service, port):
    """[api] options every HTTP service here has: where it listens, how
    large a body it reads, how many threads serve it, and what one
    client may cost (powerbridge/http_front.py)."""
    return [
        cfg.HostAddressOpt('host', default='127.0.0.1',
                           help='Address the %s listens on.' % service),
        cfg.PortOpt('port', default=port,
                    help='Port the %s listens on.' % service),
        cfg.IntOpt('max_request_body_size', default=114688, min=1,
                   help='Largest request body accepted, in bytes (Nova: '
                        '114688); larger bodies get 413.'),
        cfg.IntOpt('wsgi_threads', default=16, min=1,
                   help='Worker threads of the WSGI server. A worker only '
                        'ever gets a request whose headers and body have '
                        'all arrived.'),
        cfg.IntOpt('max_connections', default=1000, min=1,
                   help='Open client connections, idle ones included, '
                        'past which a new connection gets an immediate '
                        '503 and is closed: a client can tell a full '
                        'server from a dead one, and file descriptors stay '
                        'bounded. Idle connections hold no worker, so this '
                        'is far above wsgi_threads.'),
        cfg.FloatOpt('client_header_timeout', default=10.0, min=0.1,
                     help='Seconds a client has to send a whole request '
                          'line and headers (from the connection or its '
                          'first byte); then 408 and close. Bounds what a '
                          'client sending its headers slowly costs.'),
        cfg.FloatOpt('client_body_timeout', default=30.0, min=0.1,
                     help='Seconds a client has to send a whole request '
                          'body once its headers are in; then 408 and '
                          'close. Also how long a response waits for a '
                          'client that reads none of it.'),
        cfg.FloatOpt('keepalive_timeout', default=30.0, min=0.1,
                     help='Seconds an idle keep-alive connection stays open '
                          'between requests before the server closes it.'),
        cfg.IntOpt('max_header_size', default=65536, min=1024,
                   help='Largest request line plus headers, in bytes; '
                        'larger gets 431. Room for two large tokens '
                        '(X-Auth-Token, X-Service-Token) while bounding '
                        'the memory of each connection.'),
    ]
