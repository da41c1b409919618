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
