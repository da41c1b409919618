"""``baremetal-notifier-manage outbox status|list|purge``: the operator's
view, and the clean-up of events that ended.

``outbox status --format json`` prints the same figures as one JSON
object, for scripts (the powerbridge stack's observer reads it).
"""

import datetime
import json

from baremetal_notifier.notifier import status
from baremetal_notifier.objects import outbox as outbox_obj
from powerbridge import db


def _read(conf, query, **kwargs):
    database = db.Database.from_conf(conf)
    try:
        return query(database, **kwargs)
    finally:
        database.dispose()


def _json_value(value):
    if isinstance(value, datetime.datetime):
        return db.isotime(value)
    raise TypeError('%r is not JSON serializable' % (value,))


def status_json(summary):
    """The summary as one line of JSON: timestamps ISO 8601, ages in s."""
    return json.dumps(summary, default=_json_value, sort_keys=True)


def _outbox_status(conf):
    summary = _read(conf, status.outbox_status)
    if conf.category.output_format == 'json':
        print(status_json(summary))
        return 0
    print('pending: %d (oldest %s; %d in flight, %d waiting to retry)' % (
        summary['pending'], status.format_age(summary['oldest_pending_age']),
        summary['in_flight'], summary['retrying']))
    fault = summary['authorization_fault']
    if fault:
        print('held by an authorization fault: %d (the Compute API answers '
              '403; none are dropped) - forbidden: %s' % (fault['held'],
                                                          fault['hint']))
        print('  last refused at %s: %s' % (
            db.isotime(fault['last_refused_at']), fault['last_error']))
    for name in (outbox_obj.DELIVERED, outbox_obj.UNDELIVERABLE,
                 outbox_obj.SUPERSEDED):
        print('%s: %d' % (name, summary[name]))
    if summary['last_errors']:
        print('last errors:')
        for event in summary['last_errors']:
            print('  ' + status.format_event(event))
    return 0


def _outbox_list(conf):
    args = conf.category
    for event in _read(conf, status.list_events, status=args.status,
                       limit=args.limit):
        print(status.format_event(event))
    return 0


def _outbox_purge(conf):
    days = conf.category.older_than
    if days < 0:
        print('--older-than takes a number of days, 0 or more')
        return 1
    before = db.utcnow() - datetime.timedelta(days=days)
    purged = _read(conf, outbox_obj.purge, before=before)
    print('purged %d events that ended before %s (%s); pending events are '
          'kept' % (sum(purged.values()), db.isotime(before), ', '.join(
              '%s %d' % item for item in sorted(purged.items()))))
    return 0


def add_outbox_parsers(subparsers):
    """Add the ``outbox`` category to a manage command's subparsers.

    Each action sets ``func(conf)``; arguments are read from
    ``conf.category``, the SubCommandOpt of the manage command.
    """
    parser = subparsers.add_parser(
        'outbox', help='power-update events waiting for the Compute API')
    actions = parser.add_subparsers(dest='action')
    actions.required = True
    status_parser = actions.add_parser(
        'status', help='pending count, oldest pending age, counts per '
        'status and the last errors')
    # dest differs from the option's name: oslo.config looks sub-command
    # arguments up next to the options.
    status_parser.add_argument(
        '--format', dest='output_format', choices=('text', 'json'),
        default='text',
        help='text (default) or one JSON object: the counts per status, '
             'in_flight, retrying, oldest_pending_age (seconds or null), '
             'authorization_fault (null, or held, last_error, '
             'last_refused_at and hint when the Compute API answers 403) '
             'and last_errors (events)')
    status_parser.set_defaults(func=_outbox_status)
    list_parser = actions.add_parser(
        'list', help='one line per event, with the reason when it failed')
    list_parser.add_argument('--status', choices=outbox_obj.STATUSES,
                             help='only events with this status')
    list_parser.add_argument('--limit', type=int, default=100,
                             help='at most this many events (0: all)')
    list_parser.set_defaults(func=_outbox_list)
    purge_parser = actions.add_parser(
        'purge', help='delete delivered, superseded and undeliverable '
        'events older than --older-than days (pending events stay)')
    purge_parser.add_argument(
        '--older-than', dest='older_than', type=float, default=30.0,
        help='days since the event ended (default 30; 0: every ended '
             'event)')
    purge_parser.set_defaults(func=_outbox_purge)
