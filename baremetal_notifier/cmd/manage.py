"""baremetal-notifier-manage: the database, bulk node enrollment, the
outbox and the conductors."""

import yaml

from baremetal_notifier.cmd import conductor_commands
from baremetal_notifier.cmd import outbox_commands
from baremetal_notifier import conf as baremetal_conf
from baremetal_notifier import context
from baremetal_notifier import exception
from baremetal_notifier.handlers import nodes as node_handlers
from baremetal_notifier.objects import nodes as node_obj
from baremetal_notifier.schemas import common as schema_common
from baremetal_notifier.schemas import nodes as node_schema
from powerbridge import db
from powerbridge import manage
from powerbridge import validation

PROG = 'baremetal-notifier-manage'


def _read_nodes(path):
    """A list of node bodies from a JSON or YAML file (YAML reads both)."""
    try:
        with open(path, encoding='utf-8') as stream:
            data = yaml.safe_load(stream)
    except OSError as exc:
        raise ValueError('cannot read %s: %s'
                         % (path, exc.strerror)) from None
    except yaml.YAMLError:
        # NOTE: its text quotes the file, and the file holds passwords.
        raise ValueError('%s is neither JSON nor YAML' % path) from None
    if isinstance(data, dict) and 'nodes' in data:
        data = data['nodes']
    if not isinstance(data, list):
        raise ValueError('%s must hold a list of nodes (or {"nodes": '
                         '[...]})' % path)
    return data


def _label(index, body):
    if isinstance(body, dict):
        for key in ('name', 'uuid'):
            if isinstance(body.get(key), str):
                return '#%d (%s)' % (index, body[key])
    return '#%d' % index


def node_import(conf):
    """Create each node of the file; one line per node, never a secret."""
    bodies = _read_nodes(conf.category.file)
    database = db.Database.from_conf(conf)
    ctx = context.admin_context(database)
    failed = 0
    try:
        for index, body in enumerate(bodies, 1):
            try:
                schema_common.validate(node_schema.CREATE, body)
                node = node_obj.create(
                    ctx, node_handlers.enrollment_values(body))
            except (validation.ValidationError,
                    exception.BaremetalException) as exc:
                failed += 1
                print('Failed node %s: %s' % (_label(index, body), exc))
                continue
            print('Created node %s %s' % (node.uuid, node.name or ''))
    finally:
        database.dispose()
    return 1 if failed else 0


def add_commands(subparsers):
    manage.add_db_commands(subparsers, 'baremetal', 'Bare metal')
    actions = subparsers.add_parser('node', help='node commands'
                                    ).add_subparsers(dest='action')
    actions.required = True
    importer = actions.add_parser(
        'import', help='enroll the nodes of a JSON or YAML file, each like '
                       'a POST /v1/nodes body')
    importer.add_argument('file')
    importer.set_defaults(func=node_import)
    outbox_commands.add_outbox_parsers(subparsers)
    conductor_commands.add_conductor_parsers(subparsers)


def main(argv=None):
    return manage.run(PROG, 'baremetal-notifier',
                      baremetal_conf.register_opts, add_commands, argv)
