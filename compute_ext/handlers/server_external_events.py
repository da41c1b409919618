"""os-server-external-events: events from Neutron, Cinder and Ironic."""

from oslo_log import log as logging

from compute_ext.compute import power_update
from compute_ext import context
from compute_ext import microversion
from compute_ext.objects import instances as instance_obj
from compute_ext.policies import server_external_events as policies
from compute_ext.schemas import server_external_events as schema
from compute_ext import wsgi_wrapper

LOG = logging.getLogger(__name__)


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


@wsgi_wrapper.ComputeWsgify
def create_events(req):
    """POST /os-server-external-events: 200 if every event was accepted,
    207 otherwise (even when none was, since bug 1855752)."""
    ctx = context.of_request(req)
    # Services post with their own project: nothing to match it against.
    ctx.can(policies.CREATE, target={})
    body = wsgi_wrapper.read_json_body(
        req, schema.for_version(microversion.want(req)))
    events = body['events']
    found = instance_obj.get_by_uuids(ctx, [e['server_uuid'] for e in events])
    result = 200
    power_updates = []
    for event in events:
        instance = found.get(event['server_uuid'])
        code = _verdict(event, instance)
        # The response echoes what the client sent, plus code and status.
        event['code'] = code
        event['status'] = 'completed' if code == 200 else 'failed'
        if code != 200:
            result = 207
        elif event['name'] == power_update.EVENT_NAME:
            power_updates.append((instance, event['tag']))
    metrics = context.app_state(req).metrics
    # Other events are acknowledged only: nothing here waits on them.
    if power_updates:
        power_update.handle_events(ctx, power_updates,
                                   on_result=metrics.power_update)
    for event in events:
        metrics.event(event['name'], event.get('tag'), event['code'])
    return wsgi_wrapper.json_response({'events': events}, status=result)
