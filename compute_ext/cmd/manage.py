"""compute-ext-manage: database and operator commands."""

import sys

from oslo_config import cfg

import db_migrations
from compute_ext.common import db
from compute_ext.cmd import server_commands
from compute_ext.common import service
from compute_ext import conf as compute_conf

PROG = 'compute-ext-manage'


def _db_sync(conf):
    db.ensure_sqlite_dir(conf.database.connection)
    version = db_migrations.sync('compute', conf.database.connection)
    print('Compute database is at revision %s' % version)


def _db_version(conf):
    database = db.Database.from_conf(conf)
    print(db_migrations.current_version(database.get_engine()) or 'None')


def add_command_parsers(subparsers):
    db_parser = subparsers.add_parser('db', help='database commands')
    db_sub = db_parser.add_subparsers(dest='action')
    db_sub.required = True
    db_sub.add_parser('sync', help='upgrade the database schema').set_defaults(
        func=_db_sync)
    db_sub.add_parser('version', help='print the schema revision'
                      ).set_defaults(func=_db_version)
    server_commands.add_server_parsers(subparsers)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    conf = cfg.ConfigOpts()
    command_opt = cfg.SubCommandOpt('category', title='Command categories',
                                    handler=add_command_parsers)
    service.load_config(conf, argv, 'compute-ext', compute_conf.register_opts,
                        cli_opts=[command_opt], setup_logging=False)
    try:
        return conf.category.func(conf) or 0
    except Exception as exc:  # one clear line, never a traceback
        service.fail(PROG, str(exc).splitlines()[0] if str(exc) else
                     type(exc).__name__)
