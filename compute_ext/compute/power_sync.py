"""Nova's periodic power sync, made safe against power-update events.

Each instance this host runs goes through explicit steps:

    read     the instance (remembering power_generation g), then its node
    decide   by the authority mode (a pure function: ``decide``)
    claim    one CAS on {power_generation: g, task_state: None, host,
             vm_state as read}
    power    only in 'compute' mode, only after the claim won
    finish   the CAS that ends the task (actions.PowerActionRunner)

Every power-update event increments power_generation, so any event
applied after the read makes the claim fail: the sync then changes
nothing, and the next pass decides again on fresh data. In 'baremetal'
mode the claim *is* the write (the hardware's state is recorded) and no
power call is ever made. In 'compute' mode (Nova's rules) a forcing
starts only once its claim has moved the instance to powering-off.

The one window left: an event that lands after the claim won, while the
power call is under way. It finds task_state set and is a no-op by
Nova's rules, so the call goes ahead: the hardware is powered off, the
instance finishes as stopped, and the two agree. That is the compute
authority doing what it is configured to do; the out-of-band change it
undid is visible as the sync's 'stop' action in os-instance-actions.

The instance is read before the node on purpose: an event recorded after
the node read is applied either before the claim (g moved: the claim
fails) or after it (to the state just written, by Nova's rules).
"""

import dataclasses

import futurist
from futurist import waiters
from oslo_log import log as logging
from oslo_utils import uuidutils

from compute_ext.compute import baremetal
from compute_ext.compute import states
from compute_ext import exception
from compute_ext.objects import instance_actions
from compute_ext.objects import instances as instance_obj

LOG = logging.getLogger(__name__)

BAREMETAL = 'baremetal'
COMPUTE = 'compute'

# Where a test may inject something (a power-update event) into one
# instance's sync; each hook is called with the instance uuid.
HOOK_POINTS = ('before_read', 'after_read', 'after_decide', 'after_claim',
               'after_power')

NODE_FIELDS = ('uuid', 'power_state', 'target_power_state', 'maintenance',
               'instance_uuid')

# Decision kinds
RECORD = 'record'   # write observed states (a CAS, no power call)
FORCE = 'force'     # claim powering-off, then power the node off


@dataclasses.dataclass(frozen=True)
class Decision:
    kind: str
    values: dict
    reason: str


def _observed(node):
    """The node's power state as a Nova power_state, or None if unknown."""
    if node.get('target_power_state'):
        return None      # a power action is running: nothing to compare
    observed = states.POWER_STATE_FROM_BAREMETAL.get(node.get('power_state'))
    return None if observed in (None, states.NOSTATE) else observed


def decide(authority, instance, node):
    """What the sync should do about one instance; None for nothing."""
    observed = _observed(node)
    if observed is None:
        return None
    vm_state = instance.vm_state
    if authority == BAREMETAL:
        if vm_state in (states.ACTIVE, states.STOPPED):
            wanted = (states.ACTIVE if observed == states.RUNNING
                      else states.STOPPED)
            if (vm_state, instance.power_state) != (wanted, observed):
                return Decision(RECORD, {'vm_state': wanted,
                                         'power_state': observed},
                                'the hardware is the source of truth')
            return None
    elif vm_state == states.ACTIVE and observed == states.SHUTDOWN:
        # Nova: "Instance shutdown by itself. Calling the stop API."
        return Decision(FORCE, {'task_state': states.POWERING_OFF,
                                'power_state': observed}, 'stop')
    elif vm_state == states.STOPPED and observed == states.RUNNING:
        # Nova: "Instance is not stopped. Calling the stop API." (force)
        return Decision(FORCE, {'task_state': states.POWERING_OFF,
                                'power_state': observed}, 'force_stop')
    if instance.power_state != observed:
        # Nova always records the driver's power_state.
        return Decision(RECORD, {'power_state': observed},
                        'record the power state')
    return None


class PowerSync:
    """One pass over this host's instances in a bounded thread pool."""

    def __init__(self, ctx, client, ring, runner, authority, pool_size,
                 hooks=None):
        self.ctx = ctx
        self.client = client
        self.ring = ring
        self.runner = runner
        self.host = ring.host
        self.authority = authority
        self.hooks = dict(hooks or {})
        unknown = set(self.hooks) - set(HOOK_POINTS)
        if unknown:
            raise ValueError('unknown hook points %s' % sorted(unknown))
        self._executor = futurist.ThreadPoolExecutor(max_workers=pool_size)

    def _hook(self, point, instance_uuid):
        hook = self.hooks.get(point)
        if hook is not None:
            hook(instance_uuid)

    def run(self):
        """Sync every instance this host runs; returns {uuid: outcome}."""
        instances = self.ring.my_instances()
        futures = {self._executor.submit(self._sync_logged, inst.uuid):
                   inst.uuid for inst in instances}
        waiters.wait_for_all(list(futures))
        outcomes = {uuid: future.result() for future, uuid in futures.items()}
        LOG.debug('Power sync of %(n)d instances on %(host)s: %(out)s',
                  {'n': len(outcomes), 'host': self.host, 'out': outcomes})
        return outcomes

    def _sync_logged(self, instance_uuid):
        try:
            return self.sync_instance(instance_uuid)
        except baremetal.Aborted:
            return 'aborted'    # the agent is stopping
        except Exception:
            # Retried next pass, as Nova's "error during stop()" is.
            LOG.exception('Power sync of instance %s failed', instance_uuid)
            return 'error'

    def sync_instance(self, instance_uuid):
        """The steps for one instance; returns what happened, as a word."""
        self._hook('before_read', instance_uuid)
        try:
            instance = instance_obj.get_by_uuid(self.ctx, instance_uuid)
        except exception.InstanceNotFound:
            return 'gone'
        if instance.task_state is not None:
            LOG.info('During sync_power_state the instance %(uuid)s has a '
                     'pending task (%(task)s). Skip.',
                     {'uuid': instance_uuid, 'task': instance.task_state})
            return 'busy'
        if instance.host != self.host or not instance.node:
            return 'not-mine'
        node = self.client.get_node(instance.node, fields=NODE_FIELDS)
        self._hook('after_read', instance_uuid)
        decision = decide(self.authority, instance, node)
        self._hook('after_decide', instance_uuid)
        if decision is None:
            return 'in-sync'
        expected = {'power_generation': instance.power_generation,
                    'task_state': None, 'host': self.host,
                    'vm_state': instance.vm_state}
        if decision.kind == RECORD:
            return self._record(instance, node, decision, expected)
        return self._force(instance, node, decision, expected)

    def _record(self, instance, node, decision, expected):
        updated = instance_obj.compare_and_swap(
            self.ctx, instance.uuid, expected, decision.values)
        if updated is None:
            LOG.info('Power sync of instance %s lost to a newer change; '
                     'nothing written', instance.uuid)
            return 'lost'
        LOG.info('Instance %(uuid)s: node %(node)s is %(power)r; recorded '
                 'vm_state %(vm)s, power_state %(ps)s (%(why)s)',
                 {'uuid': instance.uuid, 'node': instance.node,
                  'power': node.get('power_state'), 'vm': updated.vm_state,
                  'ps': updated.power_state, 'why': decision.reason})
        self._hook('after_claim', instance.uuid)
        return 'recorded'

    def _force(self, instance, node, decision, expected):
        with self.runner.reserve(instance.uuid) as reserved:
            if not reserved:
                return 'busy'
            claimed = instance_obj.compare_and_swap(
                self.ctx, instance.uuid, expected, decision.values)
            if claimed is None:
                LOG.info('Power sync would %(what)s instance %(uuid)s, but a '
                         'newer change came first; not forcing',
                         {'what': decision.reason, 'uuid': instance.uuid})
                return 'lost'
            self._hook('after_claim', instance.uuid)
            LOG.warning('Instance %(uuid)s is %(vm)s but node %(node)s is '
                        '%(power)r. Calling the %(what)s API.',
                        {'uuid': instance.uuid, 'vm': instance.vm_state,
                         'node': instance.node,
                         'power': node.get('power_state'),
                         'what': decision.reason})
            # As Nova's compute_api.stop: an action the operator can see.
            action_id = instance_actions.action_start(
                self.ctx, instance.uuid, instance_actions.STOP,
                'req-' + uuidutils.generate_uuid(), None, None)
            finished = self.runner.carry_out(
                claimed, action_id=action_id,
                after_power=lambda uuid: self._hook('after_power', uuid))
            return 'forced' if finished is not None else 'force-failed'

    def shutdown(self, wait=True):
        # Idle futurist workers notice the shutdown within about 1 s.
        self._executor.shutdown(wait=wait)
