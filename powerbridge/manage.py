"""What the ``*-manage`` commands of both services share.

Each service has its own alembic tree and its own extra commands; the
``db sync`` / ``db version`` pair and the one-clear-line failure are the
same for both.
"""

import sys

from oslo_config import cfg

import db_migrations
from powerbridge import db
from powerbridge import service


def add_db_commands(subparsers, tree, label):
    """``db sync`` and ``db version`` for the alembic ``tree``."""

    def sync(conf):
        db.ensure_sqlite_dir(conf.database.connection)
        revision = db_migrations.sync(tree, conf.database.connection)
        print('%s database is at revision %s' % (label, revision))
        return 0

    def version(conf):
        database = db.Database.from_conf(conf)
        try:
            print(db_migrations.current_version(database.get_engine())
                  or 'None')
        finally:
            database.dispose()
        return 0

    actions = subparsers.add_parser('db', help='database commands'
                                    ).add_subparsers(dest='action')
    actions.required = True
    actions.add_parser('sync', help='upgrade the database schema'
                       ).set_defaults(func=sync)
    actions.add_parser('version', help='print the schema revision'
                       ).set_defaults(func=version)


def run(prog, project, register_opts, add_commands, argv=None):
    """Parse argv for ``add_commands``' sub-commands and run the chosen one.

    The command's return value is the exit code; any error is one line on
    stderr (only its first line: database errors go on to quote the
    statement and its parameters).
    """
    argv = sys.argv[1:] if argv is None else argv
    conf = cfg.ConfigOpts()
    category = cfg.SubCommandOpt('category', title='Command categories',
                                 handler=add_commands)
    service.load_config(conf, argv, project, register_opts,
                        cli_opts=[category], setup_logging=False)
    try:
        return conf.category.func(conf)
    except Exception as exc:  # one clear line, never a traceback
        message = str(exc).splitlines()[0] if str(exc) else ''
        service.fail(prog, message or type(exc).__name__)
