"""compute-ext-manage: database and operator commands."""

from compute_ext.cmd import server_commands
from powerbridge import manage
from compute_ext import conf as compute_conf

PROG = 'compute-ext-manage'


def add_command_parsers(subparsers):
    manage.add_db_commands(subparsers, 'compute', 'Compute')
    server_commands.add_server_parsers(subparsers)


def main(argv=None):
    return manage.run(PROG, 'compute-ext', compute_conf.register_opts,
                      add_command_parsers, argv)
