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
    large a body it reads, and how many threads serve it."""
    return [
        cfg.HostAddressOpt('host', default='127.0.0.1',
                           help='Address the %s listens on.' % service),
        cfg.PortOpt('port', default=port,
                    help='Port the %s listens on.' % service),
        cfg.IntOpt('max_request_body_size', default=114688, min=1,
                   help='Largest request body accepted, in bytes (Nova: '
                        '114688); larger bodies get 413.'),
        cfg.IntOpt('wsgi_threads', default=16, min=1,
                   help='Worker threads of the WSGI server.'),
    ]
