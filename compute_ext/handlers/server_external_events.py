"""os-server-external-events: events from Neutron, Cinder and Ironic."""

import itertools

from oslo_log import log as logging

from compute_ext.compute import power_update
from compute_ext import context
from compute_ext import microversion
from compute_ext.objects import instance_actions
from compute_ext.objects import instances as instance_obj
from compute_ext.policies import server_external_events as policies
from compute_ext.schemas import server_external_events as schema
from compute_ext import wsgi_wrapper

LOG = logging.getLogger(__name__)

VOLUME_EXTENDED = 'volume-extended'
# wrap_instance_event(prefix='compute') around the manager's extend_volume.
EXTEND_VOLUME_EVENT = 'compute_extend_volume'


def _verdict(event, instance):
    """Nova's per-event code, checked in Nova's order."""
    if instance is None:
        LOG.debug('Dropping event %(name)s:%(tag)s for unknown instance '
                  '%(instance_uuid)s', {'name': event['name'],
                                        'tag': event.get('tag'),
                                        'instance_uuid':
                                            event['server_uuid']})
        return 404
    if event['name'] in schema.TAG_REQUIRED and 'tag' not in event:
        LOG.debug('Event tag is missing for instance %(instance)s. '
                  'Dropping event %(event)s',
                  {'instance': instance.uuid, 'event': event['name']})
        return 400
    if not instance.host:
        LOG.debug('Unable to find a host for instance %(instance)s. '
                  'Dropping event %(event)s',
                  {'instance': instance.uuid, 'event': event['name']})
        return 422
    LOG.info('Creating event %(name)s:%(tag)s for instance '
             '%(instance_uuid)s on %(host)s',
             {'name': event['name'], 'tag': event.get('tag'),
              'instance_uuid': instance.uuid, 'host': instance.host})
    return 200


def _record_volume_extended(ctx, accepted):
    """Nova's record of a volume-extended event: the API's extend_volume
    action (Cinder's user follows the resize there), and the compute's
    compute_extend_volume event. No volume is ever attached to a server
    here, so the compute's handling is Nova's for a volume the instance
    does not have: a warning, and the event finishes with Success.
    """
    records = []
    for instance, volume_id in accepted:
        LOG.warning('Extend volume failed, volume %(vol)s is not attached '
                    'to instance %(instance)s.',
                    {'vol': volume_id, 'instance': instance.uuid})
        records.append({
            'instance_uuid': instance.uuid,
            'action': instance_actions.EXTEND_VOLUME,
            'event': EXTEND_VOLUME_EVENT, 'host': instance.host,
            'result': instance_actions.SUCCESS,
            'request_id': ctx.request_id, 'user_id': ctx.user_id,
            'project_id': ctx.project_id})
    instance_actions.record_many(ctx, records)


# The events that record an instance action, and what handles them.
_HANDLERS = {
    power_update.EVENT_NAME: power_update.handle_events,
    VOLUME_EXTENDED: _record_volume_extended,
}


@wsgi_wrapper.ComputeWsgify
def create_events(req):
    """POST /os-server-external-events: 200 if every event was accepted,
    207 otherwise (even when none was, since bug 1855752)."""
    # Nova's order: the body schema (its validation decorator), then the
    # policy. Services post with their own project: nothing to match it
    # against.
    body = wsgi_wrapper.read_json_body(
        req, schema.for_version(microversion.want(req)))
    ctx = context.of_request(req)
    ctx.can(policies.CREATE, target={})
    events = body['events']
    found = instance_obj.get_by_uuids(ctx, [e['server_uuid'] for e in events])
    result = 200
    recorded = []
    for event in events:
        instance = found.get(event['server_uuid'])
        code = _verdict(event, instance)
        # The response echoes what the client sent, plus code and status.
        event['code'] = code
        event['status'] = 'completed' if code == 200 else 'failed'
        if code != 200:
            result = 207
        elif event['name'] in _HANDLERS:
            recorded.append((event['name'], instance, event['tag']))
    metrics = context.app_state(req).metrics
    # Network events are acknowledged only: as in Nova, they record no
    # instance action, and nothing here waits on them. The others are
    # handled in the order they came, so their actions are listed in it.
    for name, group in itertools.groupby(recorded, key=lambda r: r[0]):
        accepted = [(inst, tag) for _name, inst, tag in group]
        if name == power_update.EVENT_NAME:
            power_update.handle_events(ctx, accepted,
                                       on_result=metrics.power_update)
        else:
            _HANDLERS[name](ctx, accepted)
    for event in events:
        metrics.event(event['name'], event.get('tag'), event['code'])
    return wsgi_wrapper.json_response({'events': events}, status=result)
