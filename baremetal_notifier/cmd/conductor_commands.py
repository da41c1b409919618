"""``baremetal-notifier-manage conductor list|nodes``: who owns what.

One line per conductor row: host, conductor group, online flag, whether
it is alive (online with a heartbeat in ``[conductor] heartbeat_timeout``,
by the database's clock), its last heartbeat and how many nodes it owns by
the hash ring of its group, computed as the conductors compute it. Then
one line per conductor group whose nodes wait because no conductor of
that group is alive. ``conductor nodes`` prints each node's owner (what
Ironic shows as the node's ``conductor`` field).
"""

import collections
import json

import sqlalchemy as sa

from baremetal_notifier.conductor import ownership as ownership_mod
from baremetal_notifier import context
from baremetal_notifier.db import models
from baremetal_notifier.objects import conductors
from powerbridge import db

NODES = models.Node.__table__
HEADER = ('host', 'group', 'online', 'alive', 'last heartbeat', 'age',
          'nodes owned')


def conductor_list(database, timeout, conf):
    """{'conductors': [dict per row], 'waiting': {group: nodes}}."""
    ctx = context.admin_context(database)
    rows = conductors.get_all(ctx, timeout)
    ring = ownership_mod.Ownership(ctx, None, '', conf)
    ring.refresh()
    owned = collections.Counter()
    for group, uuids in ring.node_groups().items():
        for uuid in uuids:
            owner = ring.owner_of(uuid, group)
            if owner is not None:
                owned[owner] += 1
    return {
        'conductors': [
            {'host': row.hostname, 'conductor_group': row.conductor_group,
             'online': row.online, 'alive': row.alive,
             'last_heartbeat': db.isotime(row.updated_at),
             'heartbeat_age': row.age,
             'nodes_owned': owned.get(row.hostname, 0)}
            for row in rows],
        'waiting': ring.waiting_groups(),
    }


def node_owners(database, conf):
    """[(node uuid, name, conductor_group, owner or None)] by uuid."""
    ctx = context.admin_context(database)
    ring = ownership_mod.Ownership(ctx, None, '', conf)
    ring.refresh()
    with ctx.db.reader.using(ctx) as session:
        rows = session.execute(
            sa.select(NODES.c.uuid, NODES.c.name, NODES.c.conductor_group)
            .order_by(NODES.c.uuid)).all()
    return [(uuid, name, group or '', ring.owner_of(uuid, group))
            for uuid, name, group in rows]


def _conductor_nodes(conf):
    database = db.Database.from_conf(conf)
    try:
        owners = node_owners(database, conf)
    finally:
        database.dispose()
    host = conf.category.owner_host
    for uuid, name, group, owner in owners:
        if host is None or owner == host:
            print('%s  %s  group=%s  conductor=%s' % (
                uuid, name or '-', group or "''",
                owner or 'none (no live conductor in the group: waiting)'))
    return 0


def _age(seconds):
    return '-' if seconds is None else '%.0f s' % seconds


def _conductor_list(conf):
    database = db.Database.from_conf(conf)
    try:
        result = conductor_list(database, conf.conductor.heartbeat_timeout,
                                conf)
    finally:
        database.dispose()
    if conf.category.output_format == 'json':
        print(json.dumps(result, sort_keys=True))
        return 0
    lines = [HEADER] + [
        (c['host'], c['conductor_group'] or "''",
         'yes' if c['online'] else 'no', 'yes' if c['alive'] else 'no',
         c['last_heartbeat'] or '-', _age(c['heartbeat_age']),
         str(c['nodes_owned'])) for c in result['conductors']]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    for line in lines:
        cells = zip(line, widths, strict=True)
        print('  '.join(v.ljust(w) for v, w in cells).rstrip())
    for group, count in sorted(result['waiting'].items()):
        print("conductor group %r: %d nodes wait, no conductor of the group "
              "is alive" % (group, count))
    return 0


def add_conductor_parsers(subparsers):
    """Add the ``conductor`` category (see outbox_commands)."""
    parser = subparsers.add_parser('conductor', help='conductors and the '
                                   'nodes they own')
    actions = parser.add_subparsers(dest='action')
    actions.required = True
    list_parser = actions.add_parser(
        'list', help='host, group, online, alive, last heartbeat and nodes '
        'owned of each conductor; groups whose nodes wait')
    list_parser.add_argument(
        '--format', dest='output_format', choices=('text', 'json'),
        default='text', help='text (default) or one JSON object with '
        '"conductors" (host, conductor_group, online, alive, last_heartbeat, '
        'heartbeat_age in seconds, nodes_owned) and "waiting" ({group: '
        'nodes})')
    list_parser.set_defaults(func=_conductor_list)
    nodes_parser = actions.add_parser(
        'nodes', help="each node's owning conductor by the hash ring of "
        "its group (Ironic's node field 'conductor')")
    # dest differs from the option's name: [DEFAULT] host is a CLI option
    # too, and oslo.config looks sub-command arguments up next to it.
    nodes_parser.add_argument('--host', dest='owner_host',
                              help='only the nodes of this conductor')
    nodes_parser.set_defaults(func=_conductor_nodes)
