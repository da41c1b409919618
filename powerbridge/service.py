"""Start-up steps every console script shares."""

import sys

from oslo_config import cfg
from oslo_log import log as logging


def fail(prog, message):
    """Exit non-zero with one clear line on stderr."""
    sys.stderr.write('%s: %s\n' % (prog, message))
    sys.exit(2)


def load_config(conf, argv, project, register_opts, cli_opts=(),
                setup_logging=True):
    """Register options, parse argv and config files, set up logging."""
    register_opts(conf)
    if cli_opts:
        conf.register_cli_opts(cli_opts)
    logging.register_options(conf)
    try:
        conf(argv, project=project, default_config_files=[])
    except (cfg.Error, ValueError) as exc:
        fail(project, 'bad configuration: %s' % exc)
    if setup_logging:
        logging.setup(conf, project)
    return conf
