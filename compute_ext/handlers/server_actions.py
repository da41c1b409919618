"""POST /servers/{server_id}/action: os-start and os-stop.

The API only records the intent: one compare-and-swap sets the task state
(powering-on/powering-off) while the vm_state allows the action and no
other task runs, in the same transaction as the instance action. The
compute agent that owns the node carries the action out through the Bare
Metal API. Of two racing actions, exactly one wins; the other gets Nova's
409 for the state it lost to.
"""

import webob.exc

from powerbridge import validation
from compute_ext.compute import states
from compute_ext import context
from compute_ext import exception
from compute_ext.handlers import server_common
from compute_ext.objects import instance_actions
from compute_ext.objects import instances as instance_obj
from compute_ext.policies import servers as policies
from compute_ext.schemas import servers as schema
from compute_ext import wsgi_wrapper


class PowerAction:
    """One of Nova's compute_api.start / compute_api.stop."""

    def __init__(self, name, policy, body_schema, vm_states, task_state):
        self.name = name  # the instance action and the 409 wording
        self.policy = policy
        self.schema = body_schema
        self.vm_states = vm_states
        self.task_state = task_state

    def refusal(self, instance):
        """Nova's check_instance_host and check_instance_state, in order;
        None when the instance allows the action."""
        if not instance.host:
            return exception.Conflict(
                'Instance %s is not ready' % instance.uuid)
        for attr, allowed in (('vm_state', self.vm_states),
                              ('task_state', [None])):
            state = getattr(instance, attr)
            if state not in allowed:
                return exception.InstanceInvalidState(
                    action=self.name, instance_uuid=instance.uuid, attr=attr,
                    state=state)
        return None

    def __call__(self, ctx, instance):
        error = self.refusal(instance)
        if error:
            raise error
        expected = {'host': instance.host, 'vm_state': self.vm_states,
                    'task_state': None}
        with ctx.db.writer.using(ctx):
            updated = instance_obj.compare_and_swap(
                ctx, instance.uuid, expected, {'task_state': self.task_state})
            if updated is None:
                # Lost a race: report the state that won (or 404 if the
                # instance went away meanwhile).
                current = instance_obj.get_by_uuid(ctx, instance.uuid)
                raise self.refusal(current) or exception.InstanceInvalidState(
                    action=self.name, instance_uuid=instance.uuid,
                    attr='task_state', state=current.task_state)
            instance_actions.action_start(
                ctx, instance.uuid, self.name, ctx.request_id, ctx.user_id,
                ctx.project_id)


ACTIONS = {
    'os-start': PowerAction(instance_actions.START, policies.START,
                            schema.START, [states.STOPPED],
                            states.POWERING_ON),
    'os-stop': PowerAction(instance_actions.STOP, policies.STOP,
                           schema.STOP, [states.ACTIVE, states.ERROR],
                           states.POWERING_OFF),
}


def action_name(req):
    """Nova's action_peek: the body is one key, the action's name.

    The resource layer calls it before the project id check, as Nova
    looks the action up then."""
    body = wsgi_wrapper.json_body(req)
    if not isinstance(body, dict) or len(body) != 1:
        raise validation.MalformedBody('Malformed request body')
    name = next(iter(body))
    if name not in ACTIONS:
        raise webob.exc.HTTPBadRequest('There is no such action: %s' % name)
    return name, body


@wsgi_wrapper.ComputeWsgify
def server_action(req):
    """POST /servers/{server_id}/action: 202 with an empty body."""
    name, body = action_name(req)
    action = ACTIONS[name]
    validation.validate(action.schema, body)
    ctx = context.of_request(req)
    ctx.can(action.policy, target={'project_id': ctx.project_id})
    instance = server_common.get_instance(ctx, server_common.server_id(req))
    ctx.can(action.policy, target={'user_id': instance.user_id,
                                   'project_id': instance.project_id})
    action(ctx, instance)
    return wsgi_wrapper.empty_response(202)
