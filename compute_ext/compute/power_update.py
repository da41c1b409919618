"""The power-update external event: Nova's rules, applied atomically.

Nova's API records an instance action for the event and casts it to the
compute, whose ``power_update`` checks the instance's states and, through
the Ironic driver, writes the new ones. Here there is no RPC hop: the API
applies the event before it answers, and the check and the write are one
conditional UPDATE on exactly the states Nova's check requires. So an
event racing an os-start/os-stop or the agent's sync either finds the
states it needs or changes nothing.

Every applied event, no-op or not, increments the instance's
power_generation: it is a newer observation of the hardware, and a sync
decision taken on an older generation must lose to it.
"""

from oslo_log import log as logging

from compute_ext.compute import states
from compute_ext.objects import instance_actions
from compute_ext.objects import instances

LOG = logging.getLogger(__name__)

EVENT_NAME = 'power-update'
POWER_ON = 'POWER_ON'
POWER_OFF = 'POWER_OFF'
# The instance action event the compute side records (Nova's
# wrap_instance_event prefix 'compute' + the method name).
ACTION_EVENT = 'compute_power_update'
ACTIONS = {POWER_ON: instance_actions.START, POWER_OFF: instance_actions.STOP}

# tag -> (the states Nova requires, the states the Ironic driver writes)
TRANSITIONS = {
    POWER_ON: (
        {'task_state': None, 'vm_state': states.STOPPED,
         'power_state': states.SHUTDOWN},
        {'vm_state': states.ACTIVE, 'power_state': states.RUNNING,
         'task_state': None}),
    POWER_OFF: (
        {'task_state': None, 'vm_state': states.ACTIVE,
         'power_state': states.RUNNING},
        {'vm_state': states.STOPPED, 'power_state': states.SHUTDOWN,
         'task_state': None}),
}


def is_valid_tag(tag):
    return tag in TRANSITIONS


def is_state_valid(instance, tag):
    """Nova's _is_state_valid_for_power_update_event, for one instance."""
    expected, _target = TRANSITIONS[tag]
    return all(getattr(instance, key) == value
               for key, value in expected.items())


def apply(ctx, instance, tag):
    """Apply one event to ``instance`` (read earlier; maybe stale).

    Returns whether the event changed the instance's states. Runs in the
    caller's transaction when there is one.
    """
    LOG.debug('Handling power-update event with target_power_state %s for '
              'instance %s', tag, instance.uuid)
    expected, target = TRANSITIONS[tag]
    with ctx.db.writer.using(ctx):
        if instances.swap(ctx, instance.uuid, expected, target):
            return True
        current = instances.bump_generation(ctx, instance.uuid) or instance
    LOG.info('The power-update %(tag)s event for instance %(uuid)s is a '
             'no-op since the instance is in vm_state %(vm_state)s, '
             'task_state %(task_state)s and power_state %(power_state)s.',
             {'tag': tag, 'uuid': current.uuid,
              'vm_state': current.vm_state,
              'task_state': current.task_state,
              'power_state': current.power_state})
    return False


def handle_events(ctx, accepted, on_result=None):
    """Apply accepted power-update events, in order, in one transaction.

    ``accepted`` is a list of (instance, tag). As in Nova, an unknown tag
    is logged and skipped (the API has already answered 200 for it); a
    known one records the action (start/stop) with the caller's request
    id, user and project, and the compute's ``compute_power_update`` event
    with result Success, no-op or not. ``on_result(tag, result)`` is told
    each event's result ('applied', 'noop', 'invalid') once the
    transaction has committed.
    """
    records = []
    results = []
    with ctx.db.writer.using(ctx):
        for instance, tag in accepted:
            if not is_valid_tag(tag):
                LOG.warning('Invalid power state %s. Cannot process the '
                            'event %s. Skipping it.', tag,
                            {'name': EVENT_NAME, 'tag': tag,
                             'instance_uuid': instance.uuid})
                results.append((tag, 'invalid'))
                continue
            applied = apply(ctx, instance, tag)
            results.append((tag, 'applied' if applied else 'noop'))
            records.append({
                'instance_uuid': instance.uuid, 'action': ACTIONS[tag],
                'event': ACTION_EVENT, 'host': instance.host,
                'result': instance_actions.SUCCESS,
                'request_id': ctx.request_id, 'user_id': ctx.user_id,
                'project_id': ctx.project_id})
        instance_actions.record_many(ctx, records)
    if on_result is not None:
        for tag, result in results:
            on_result(tag, result)
