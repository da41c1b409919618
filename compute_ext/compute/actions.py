"""Carrying out os-start and os-stop on the nodes this host owns.

The API only moves an instance to task_state powering-on/powering-off
(one CAS) and records the action. This host finds such instances on its
nodes, asks the Bare Metal API for the power state, waits for the node as
Nova's Ironic driver does, and ends the task with one more CAS:

    powering-on  -> vm_state active,  power_state RUNNING,  task_state None
    powering-off -> vm_state stopped, power_state SHUTDOWN, task_state None

On failure only task_state goes back to None and the error lands in the
action's event (result Error), as Nova's reverts_task_state does.

The power-update event the bare metal side sends for this very change
arrives while task_state is still set, or after the finish; by Nova's
rules it is a no-op either way, so a start or stop can never loop.
"""

import contextlib
import dataclasses
import threading

import futurist
from oslo_log import log as logging

from compute_ext.compute import baremetal
from compute_ext.compute import power_update
from compute_ext.compute import states
from compute_ext.objects import instance_actions
from compute_ext.objects import instances as instance_obj

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class PowerTask:
    task_state: str
    target: str        # the Bare Metal API's power state
    action: str        # the instance action the API recorded
    event: str         # the event Nova's compute records on it
    finish: dict       # the states written on success


TASKS = {
    states.POWERING_ON: PowerTask(
        states.POWERING_ON, baremetal.POWER_ON, instance_actions.START,
        'compute_start_instance',
        {'vm_state': states.ACTIVE, 'power_state': states.RUNNING,
         'task_state': None}),
    states.POWERING_OFF: PowerTask(
        states.POWERING_OFF, baremetal.POWER_OFF, instance_actions.STOP,
        'compute_stop_instance',
        {'vm_state': states.STOPPED, 'power_state': states.SHUTDOWN,
         'task_state': None}),
}


def find_action(ctx, instance_uuid, action, look_back=10):
    """The newest ``action`` recorded for a request (not for an event).

    power-update events record start/stop actions too; those carry the
    compute_power_update event and are skipped.
    """
    for candidate in instance_actions.get_all(ctx, instance_uuid,
                                              limit=look_back):
        if candidate.action != action:
            continue
        events = instance_actions.get_events(ctx, candidate.id)
        if any(e.event == power_update.ACTION_EVENT for e in events):
            continue
        return candidate, events
    return None, []


class PowerActionRunner:
    """Runs os-start/os-stop for instances this host runs.

    ``reserve`` keeps one power action per instance in this process: the
    poller and the compute-mode sync both go through it.
    """

    def __init__(self, ctx, client, ring, timeout, workers=10):
        self.ctx = ctx
        self.client = client
        self.ring = ring
        self.host = ring.host
        self.timeout = timeout
        self._executor = futurist.ThreadPoolExecutor(max_workers=workers)
        self._in_flight = set()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def reserve(self, instance_uuid):
        """Yield True if this caller may act on the instance now."""
        with self._lock:
            taken = instance_uuid in self._in_flight
            self._in_flight.add(instance_uuid)
        try:
            yield not taken
        finally:
            if not taken:
                with self._lock:
                    self._in_flight.discard(instance_uuid)

    def poll(self):
        """Hand every pending start/stop of this host to a worker."""
        pending = self.ring.my_instances(task_states=list(TASKS))
        futures = []
        for inst in pending:
            with self._lock:
                if inst.uuid in self._in_flight:
                    continue
            futures.append(self._executor.submit(self._run_reserved, inst))
        return futures

    def _run_reserved(self, instance):
        with self.reserve(instance.uuid) as reserved:
            if not reserved:
                return
            try:
                self.carry_out(instance)
            except Exception:
                # Nobody reads the future: say it here. The task is still
                # set, so the next poll resumes the action.
                LOG.exception('Power action %(task)s of instance %(uuid)s '
                              'failed; it is retried on the next poll',
                              {'task': instance.task_state,
                               'uuid': instance.uuid})

    def carry_out(self, instance, action_id=None, after_power=None):
        """Drive the node to the task's target and record the result.

        Returns the finished instance, or None when the task failed or
        this host lost the instance meanwhile. ``after_power`` is called
        between the power call and the finishing CAS (a test seam).
        """
        task = TASKS[instance.task_state]
        event_open = False
        if action_id is None:
            action, events = find_action(self.ctx, instance.uuid,
                                         task.action)
            action_id = action.id if action else None
            # An unfinished event of ours: this host (or a previous owner)
            # stopped mid-action; resume it instead of opening another.
            event_open = any(e.event == task.event and e.finish_time is None
                             for e in events)
        if action_id is not None and not event_open:
            instance_actions.event_start(self.ctx, action_id, task.event,
                                         self.host)
        expected = {'task_state': task.task_state, 'host': self.host}
        try:
            self.client.set_power_state(instance.node, task.target,
                                        timeout=self.timeout)
            self.client.wait_for_power_state(instance.node, task.target,
                                             self.timeout)
        except baremetal.Aborted:
            # Shutting down: the task stays set and whoever runs this
            # instance next (this host restarted, or a peer) resumes it.
            LOG.info('Stopped while %(task)s instance %(uuid)s; it resumes '
                     'on the next start', {'task': task.task_state,
                                           'uuid': instance.uuid})
            return None
        except baremetal.BaremetalAPIError as exc:
            LOG.error('Failed %(task)s instance %(uuid)s on node %(node)s: '
                      '%(error)s', {'task': task.task_state,
                                    'uuid': instance.uuid,
                                    'node': instance.node, 'error': exc})
            reverted = instance_obj.compare_and_swap(
                self.ctx, instance.uuid, expected, {'task_state': None})
            self._finish_event(action_id, task, instance_actions.ERROR,
                               str(exc))
            if reverted is None:
                LOG.info('Instance %s changed while its power action ran; '
                         'left as it is', instance.uuid)
            return None
        if after_power is not None:
            after_power(instance.uuid)
        # One transaction: a failed write leaves both the task and the
        # open event for the next poll to resume, never a finished
        # instance with an event that stays open.
        with self.ctx.db.writer.using(self.ctx):
            finished = instance_obj.compare_and_swap(
                self.ctx, instance.uuid, expected, task.finish)
            self._finish_event(action_id, task, instance_actions.SUCCESS)
        if finished is None:
            LOG.info('Node %(node)s reached %(target)r but instance %(uuid)s '
                     'is no longer %(task)s on %(host)s; not recorded here',
                     {'node': instance.node, 'target': task.target,
                      'uuid': instance.uuid, 'task': task.task_state,
                      'host': self.host})
            return None
        LOG.info('Instance %(uuid)s is %(vm_state)s (node %(node)s '
                 '%(target)s)',
                 {'uuid': instance.uuid, 'vm_state': finished.vm_state,
                  'node': instance.node, 'target': task.target})
        return finished

    def _finish_event(self, action_id, task, result, details=None):
        # An Error result also marks the action's message 'Error' (Nova).
        if action_id is not None:
            instance_actions.event_finish(self.ctx, action_id, task.event,
                                          result, details=details)

    def shutdown(self, wait=True):
        # Idle futurist workers notice the shutdown within about 1 s.
        self._executor.shutdown(wait=wait)
