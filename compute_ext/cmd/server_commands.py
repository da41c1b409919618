"""compute-ext-manage server create|import: place instances on bare metal
nodes.

Scheduling and image deployment are out of scope: the operator names the
node. As Nova's Ironic driver does when it spawns, the node is associated
with the instance through the Bare Metal API (PATCH instance_uuid), never
through the other service's database.
"""

import sys

from oslo_log import log as logging

from powerbridge import db
from compute_ext.compute import baremetal
from compute_ext.compute import hash_ring
from compute_ext.compute import states
from compute_ext import context as compute_context
from compute_ext.objects import instance_actions
from compute_ext.objects import instances as instance_obj
from compute_ext import servicegroup

LOG = logging.getLogger(__name__)

_NODE_FIELDS = ('uuid', 'power_state', 'instance_uuid', 'maintenance',
                'provision_state')
# Nodes a server may be placed on. Both are only associated: the server
# records a workload the machine already runs, so nothing is deployed (a
# real Ironic refuses to deploy a node that has no ports or image).
_PLACEABLE = ('available', 'active')


class CommandError(Exception):
    """The command cannot go on; the message is one line for the operator."""


def add_server_parsers(subparsers):
    """The ``server`` category of compute-ext-manage."""
    server = subparsers.add_parser('server', help='instance commands')
    actions = server.add_subparsers(dest='action')
    actions.required = True
    create = actions.add_parser(
        'create', help='record an instance on a bare metal node and '
                       'associate the node with it')
    # dest names differ from config option names (host!): oslo.config
    # looks sub-command arguments up next to the options.
    create.add_argument('--name', dest='server_name', metavar='NAME',
                        required=True,
                        help='the server name')
    create.add_argument('--node', dest='node_ident', metavar='NODE_UUID',
                        required=True,
                        help='UUID (or name) of the bare metal node')
    _add_owner_arguments(create)
    create.set_defaults(func=server_create)
    importer = actions.add_parser(
        'import', help='server create for each "NAME NODE_UUID" line of a '
                       'file (- for stdin); prints "ok NAME INSTANCE_UUID" '
                       'or "failed NAME: reason" per line')
    importer.add_argument('pairs_file', metavar='FILE',
                          help='lines of "NAME NODE_UUID" (blank lines and '
                               '# comments skipped); - reads stdin')
    _add_owner_arguments(importer)
    importer.set_defaults(func=server_import)


def _add_owner_arguments(parser):
    parser.add_argument('--host', dest='server_host', metavar='HOST',
                        help='compute host to run it (default: the owner '
                             "of the node in the live hosts' hash ring)")
    parser.add_argument('--project', dest='project_ident', metavar='PROJECT',
                        default='admin',
                        help='project id of the server (default: admin)')
    parser.add_argument('--user', dest='user_ident', metavar='USER',
                        default='admin',
                        help='user id of the server (default: admin)')


def _owner(ctx, conf, node_uuid):
    ring = hash_ring.NodeRing(ctx, servicegroup.ServiceGroup(conf), conf.host)
    ring.refresh()
    owner = ring.owner(node_uuid)
    if owner is None:
        raise CommandError('no nova-compute service is up to run node %s; '
                           'start compute-ext-compute or pass --host'
                           % node_uuid)
    return owner


def _release(client, node_uuid, instance_uuid):
    """Undo the association if it was applied after all (lost answer)."""
    try:
        node = client.get_node(node_uuid, fields=_NODE_FIELDS)
        if node.get('instance_uuid') == instance_uuid:
            client.set_instance_uuid(node_uuid, None)
    except baremetal.BaremetalAPIError as exc:
        LOG.warning('Could not check node %(node)s for a leftover '
                    'association with %(inst)s: %(error)s',
                    {'node': node_uuid, 'inst': instance_uuid,
                     'error': exc})


def _remove(ctx, instance):
    """Take the instance row back out of sight, as Nova deletes (soft)."""
    instance_obj.compare_and_swap(
        ctx, instance.uuid, {'host': instance.host, 'task_state': None},
        {'deleted': instance.id, 'deleted_at': db.utcnow(),
         'vm_state': states.DELETED})


def create_server(ctx, conf, client, name, node_ident, host=None,
                  project_id='admin', user_id='admin'):
    """Record the instance, then associate the node; all or nothing."""
    try:
        node = client.get_node(node_ident, fields=_NODE_FIELDS)
    except baremetal.NodeNotFound:
        raise CommandError('bare metal node %s not found'
                           % node_ident) from None
    node_uuid = node['uuid']
    if node.get('instance_uuid'):
        raise CommandError('node %s is already associated with instance %s'
                           % (node_uuid, node['instance_uuid']))
    if node.get('maintenance'):
        raise CommandError('node %s is in maintenance' % node_uuid)
    # A node of an older API (no lifecycle) shows no provision_state.
    provision_state = node.get('provision_state', 'active')
    if provision_state not in _PLACEABLE:
        raise CommandError("node %s is in provision state '%s'; manage and "
                           "provide (or adopt) it first"
                           % (node_uuid, provision_state))
    host = host or _owner(ctx, conf, node_uuid)
    power_state = states.POWER_STATE_FROM_BAREMETAL.get(
        node.get('power_state'), states.NOSTATE)
    instance = instance_obj.create(
        ctx, name=name, host=host, node=node_uuid,
        vm_state=states.vm_state_for_power(power_state),
        power_state=power_state, project_id=project_id, user_id=user_id,
        launched_at=db.utcnow())
    try:
        client.set_instance_uuid(node_uuid, instance.uuid)
    except (baremetal.BaremetalAPIError, ValueError) as exc:
        _release(client, node_uuid, instance.uuid)
        _remove(ctx, instance)
        raise CommandError('could not associate node %s with the new '
                           'server, nothing was created: %s'
                           % (node_uuid, exc)) from exc
    instance_actions.action_start(ctx, instance.uuid, 'create',
                                  ctx.request_id, user_id, project_id)
    LOG.info('Server %(uuid)s (%(name)s) placed on node %(node)s, host '
             '%(host)s', {'uuid': instance.uuid, 'name': name,
                          'node': node_uuid, 'host': host})
    return instance


def server_create(conf):
    args = conf.category
    database = db.Database.from_conf(conf)
    client = baremetal.BaremetalClient.from_conf(conf)
    try:
        instance = create_server(
            compute_context.admin_context(database), conf, client,
            args.server_name, args.node_ident, host=args.server_host,
            project_id=args.project_ident, user_id=args.user_ident)
    finally:
        database.dispose()
    print(instance.uuid)


def parse_pairs(lines):
    """(line number, NAME, NODE) per line; NODE is None when malformed."""
    for number, line in enumerate(lines, 1):
        fields = line.split()
        if not fields or fields[0].startswith('#'):
            continue
        if len(fields) != 2:
            yield number, fields[0], None
            continue
        yield number, fields[0], fields[1]


def _open_pairs(path):
    if path == '-':
        return sys.stdin
    try:
        return open(path, encoding='utf-8')
    except OSError as exc:
        raise CommandError('cannot read %s: %s'
                           % (path, exc.strerror)) from None


def import_servers(database, conf, client, lines, out, host=None,
                   project_id='admin', user_id='admin'):
    """create_server for each line; one result line each; failures count.

    One interpreter, one database engine and one HTTP session serve every
    line: a stack of 1000 nodes would otherwise start 1000 commands.
    """
    failed = 0
    for number, name, node in parse_pairs(lines):
        if node is None:
            failed += 1
            out.write('failed %s: line %d is not "NAME NODE_UUID"\n'
                      % (name, number))
            out.flush()
            continue
        try:
            # A context each: each server's create action gets a request
            # id of its own, as with one server create per server.
            ctx = compute_context.admin_context(database)
            instance = create_server(ctx, conf, client, name, node,
                                     host=host, project_id=project_id,
                                     user_id=user_id)
        except Exception as exc:  # one bad line must not stop the rest
            failed += 1
            # NOTE: database errors go on to quote the statement.
            reason = (str(exc).splitlines() or [type(exc).__name__])[0]
            out.write('failed %s: %s\n' % (name, reason))
        else:
            out.write('ok %s %s\n' % (name, instance.uuid))
        # A caller reading a pipe sees progress as it happens.
        out.flush()
    return failed


def server_import(conf):
    args = conf.category
    stream = _open_pairs(args.pairs_file)
    database = db.Database.from_conf(conf)
    client = baremetal.BaremetalClient.from_conf(conf)
    try:
        failed = import_servers(
            database, conf, client, stream,
            sys.stdout, host=args.server_host,
            project_id=args.project_ident, user_id=args.user_ident)
    finally:
        database.dispose()
        if stream is not sys.stdin:
            stream.close()
    return 1 if failed else 0
