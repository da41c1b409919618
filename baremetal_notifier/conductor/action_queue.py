"""The conductor's side of the action queue (objects/node_actions.py).

Each conductor claims the queued actions of the nodes it owns and starts
them on its worker pool (power_actions.py, provisioning.py). It looks:

- at once when an API process of its own accepted one (``offer``: the
  single-process ``baremetal-notifier`` is as fast as a direct call);
- every ``[conductor] action_poll_interval`` seconds for actions accepted
  by other processes, or left by a conductor that stopped.

A claim is one transaction of two conditional UPDATEs (the node's
reservation from the queue to this host, the row from 'queued' to
'claimed'), so of two conductors that both think they own a node, one
wins and the other moves on. The worker marks the row 'running' (another
compare-and-swap) just before it talks to the BMC; that mark divides what
a dead conductor left into requests that never started, which the new
owner queues again, and those that may have reached the BMC, which are
failed with a clear last_error rather than run twice.
"""

import threading
import time

import futurist
from oslo_log import log as logging

from baremetal_notifier.objects import node_actions
from baremetal_notifier.objects import node_power

LOG = logging.getLogger(__name__)

#: Finished rows are kept this long (seconds) for operators, then purged.
KEEP_FINISHED = 24 * 3600
# Purge at most once per this many seconds.
_PURGE_EVERY = 600


def orphan_error(action, restart=False):
    """The last_error of an action its conductor left running."""
    if action.kind == node_actions.POWER:
        if restart:
            return node_power.ABORTED_BY_RESTART
        return ("Power action '%s' was aborted: conductor %s stopped while "
                'it was running. It is not run again, since the BMC may '
                'have acted on it; check the power state and retry.'
                % (action.target, action.conductor))
    return ("The %s action can't be resumed by conductor %s. Moving to "
            'fail state.' % (action.target, action.conductor))


class ActionQueue:
    """Claims and starts the queued actions of the nodes this host owns.

    :param ownership: which nodes are this host's and which conductors
        are alive: ``refresh()``, ``owns(node_uuid, conductor_group)``,
        ``live_hosts()``.
    :param pool: the BoundedPool the actions run on.
    :param power, provisioning: the PowerActions and Provisioning that
        run claimed actions.
    """

    def __init__(self, conf, ctx, locks, ownership, pool, power,
                 provisioning):
        self.conf = conf
        self.ctx = ctx
        self.locks = locks
        self.ownership = ownership
        self.pool = pool
        self.power = power
        self.provisioning = provisioning
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = None
        self._next_purge = 0.0

    @property
    def host(self):
        return self.locks.host

    # -- life cycle --------------------------------------------------------

    def start(self):
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop,
                                        name='action-queue', daemon=True)
        self._thread.start()

    def stop(self, timeout=10):
        """No more claims; returns when the loop has ended."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self):
        """Look at the queue now rather than at the next interval."""
        self._wake.set()

    def _loop(self):
        interval = self.conf.conductor.action_poll_interval
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.run_once()
            except Exception:
                # A database outage: the rows wait; so does this loop.
                LOG.exception('Conductor %s could not read its action '
                              'queue', self.host)
            self._wake.wait(interval)

    # -- the work ------------------------------------------------------------

    def offer(self, action_id):
        """An action this process just queued: claim it now if it is
        ours; else (or if no worker is free) the poll takes it."""
        action = node_actions.get(self.ctx, action_id)
        if (action is None or action.status != node_actions.QUEUED
                or self._stop.is_set()):
            return
        if self.ownership.owner_of(action.node_uuid,
                                   action.conductor_group) is None:
            # No ring for its group yet (before this conductor's first
            # cycle, or a group that just got a live conductor).
            self.ownership.refresh()
        if not self.ownership.owns(action.node_uuid, action.conductor_group):
            return  # its owner's poll takes it
        if self.pool.in_flight >= self.pool.size:
            LOG.info('Node %s: action %s waits for a worker (all %d '
                     'workers are busy)', action.node_uuid, action.id,
                     self.pool.size)
        elif self._claim(action):
            return
        self.wake()

    def run_once(self):
        """One look at the queue; returns the number of actions started.

        Also takes over, for the nodes this host owns, what dead
        conductors left: claimed rows go back to the queue, running rows
        fail.
        """
        actions = node_actions.open_actions(self.ctx)
        self._purge()
        if not actions:
            return 0
        self.ownership.refresh()
        live = self.ownership.live_hosts()
        newest = {action.node_uuid: action.id for action in actions}
        started = 0
        for action in actions:
            if self._stop.is_set():
                break
            if not action.node_exists:
                self._fail_lost(action, 'the node was deleted')
                continue
            if not self.ownership.owns(action.node_uuid,
                                       action.conductor_group):
                continue
            if action.status == node_actions.QUEUED:
                # NOTE: read in one statement with the row: a queued row
                # whose node is no longer reserved for the queue (someone
                # released it by hand), or that a later request for the
                # same node followed, can never be claimed rightly.
                if (action.reservation != node_actions.QUEUE_HOLDER
                        or newest[action.node_uuid] != action.id):
                    self._fail_lost(action, "the node's reservation for "
                                            'the queue was released')
                    continue
                if self.pool.in_flight >= self.pool.size:
                    continue  # every worker busy: the rows wait
                started += self._claim(action)
            elif (action.conductor != self.host
                  and action.conductor not in live):
                self._take_over(action)
        return started

    def recover_own(self):
        """At start and after stop: what this host's previous run (or
        this run, past its stop bound) left, as for a dead conductor."""
        for action in node_actions.open_actions(self.ctx):
            if action.conductor == self.host:
                self._take_over(action, restart=True)

    def _claim(self, action):
        """Take the node's lock and the row; start the action. True when
        it was started."""
        if not self.locks.take(
                action.node_uuid, node_actions.QUEUE_HOLDER,
                lambda session: node_actions.claim(session, action.id,
                                                   self.host)):
            return False
        runner = (self.power if action.kind == node_actions.POWER
                  else self.provisioning)
        try:
            runner.start(action)
        except (futurist.RejectedSubmission, RuntimeError) as exc:
            # A full pool (another thread took the last worker) or a
            # stopping conductor: back to the queue, untouched.
            LOG.info('Node %s: action %s waits for a worker (%s)',
                     action.node_uuid, action.id, exc)
            self.locks.hand_back(
                action.node_uuid, node_actions.QUEUE_HOLDER,
                lambda session: node_actions.unclaim(session, action.id,
                                                     self.host))
            return False
        LOG.debug('Conductor %s claimed action %s (%s %s) of node %s',
                  self.host, action.id, action.kind, action.target,
                  action.node_uuid)
        return True

    def _take_over(self, action, restart=False):
        if action.status == node_actions.CLAIMED and \
                node_actions.requeue(self.ctx, action):
            LOG.warning('Node %s: action %s (%s %s) claimed by conductor '
                        '%s, which stopped before starting it, is queued '
                        'again', action.node_uuid, action.id, action.kind,
                        action.target, action.conductor)
            self.wake()
            return
        if action.status == node_actions.QUEUED:
            return
        error = orphan_error(action, restart)
        if node_actions.fail_orphan(self.ctx, action, error):
            LOG.error('Node %s: action %s failed: %s', action.node_uuid,
                      action.id, error)

    def _fail_lost(self, action, why):
        if action.status == node_actions.QUEUED and \
                node_actions.fail_unclaimable(self.ctx, action, why):
            LOG.warning('Action %s (%s %s) of node %s dropped: %s',
                        action.id, action.kind, action.target,
                        action.node_uuid, why)

    def _purge(self):
        now = time.monotonic()
        if now < self._next_purge:
            return
        self._next_purge = now + _PURGE_EVERY
        try:
            node_actions.purge_finished(self.ctx, KEEP_FINISHED)
        except Exception:
            LOG.exception('Could not purge finished actions')
