"""The demo's scripted scenario: each step acts, then waits for the stack
to converge, with a deadline.

1. flip some BMCs off behind the API's back; their instances follow;
2. flip them on again;
3. stop and start a server through the Compute API; its node follows;
4. force a compute host down (os-services 2.53); its peer takes its nodes
   and start/stop keeps working;
5. bring the host back up;
6. everything agrees: BMCs, nodes, instances, an empty outbox.
"""

import dataclasses
import time

from powerbridge.stack import observe
from powerbridge.stack.process import StackError

# Share of the nodes flipped behind the API's back in steps 1 and 2.
FLIP_SHARE = 0.1
MAX_FLIPS = 10


@dataclasses.dataclass
class Step:
    title: str
    ok: bool = None
    detail: str = ''
    seconds: float = 0.0


class Scenario:
    """Runs the steps against a started Stack; results in ``steps``.

    :param stack: a started Stack.
    :param lag: an observe.LagTracker of the flips, fed by every wait.
    :param say: a callable taking one line of narration.
    """

    def __init__(self, stack, lag, say=print):
        self.stack = stack
        self.lag = lag
        self.say = say
        self.steps = []
        settings = stack.settings
        # Detection waits a sync interval; delivery and the agents' ring
        # pass add a few seconds; a loaded machine adds more.
        self.deadline = (2 * settings.conductor_sync_interval
                         + 2 * settings.ring_refresh_interval + 20)
        self.stopping = False
        # Host of each instance before a host is forced down.
        self._hosts_before = None

    @property
    def ok(self):
        return bool(self.steps) and all(s.ok for s in self.steps)

    def run(self):
        for title, func in (
                ('flip BMCs off behind the API', self.flip_off),
                ('flip them back on', self.flip_on),
                ('stop and start a server (Compute API)', self.stop_start),
                ('force a compute host down', self.force_down),
                ('bring the compute host back up', self.force_up),
                ('everything converged', self.converged)):
            if self.stopping:
                return
            step = Step(title)
            self.steps.append(step)
            self.say('step %d: %s' % (len(self.steps), title))
            started = time.monotonic()
            try:
                step.detail = func() or ''
                step.ok = True
            except Exception as exc:  # a failed step never ends the demo
                step.ok, step.detail = False, str(exc).splitlines()[0]
            step.seconds = time.monotonic() - started
            self.say('step %d %s in %.1f s%s' % (
                len(self.steps), 'done' if step.ok else 'FAILED',
                step.seconds, ': ' + step.detail if step.detail else ''))

    # -- helpers -------------------------------------------------------------

    def _wait_servers(self, expected, what):
        """Wait until every instance uuid shows its expected status."""
        def reached():
            servers = {s['id']: s for s in self.stack.compute.servers()}
            self.lag.observe(servers)
            return all(servers[u]['status'] == st
                       and servers[u]['OS-EXT-STS:task_state'] is None
                       for u, st in expected.items())
        self.stack.wait_for(reached, self.deadline, 0.2, what)

    def _wait_nodes(self, expected, what):
        def reached():
            nodes = {n['uuid']: n['power_state'] for n in
                     self.stack.baremetal.nodes(fields=('uuid',
                                                        'power_state'))}
            return all(nodes[u] == st for u, st in expected.items())
        self.stack.wait_for(reached, self.deadline, 0.2, what)

    def _flipped(self):
        count = max(1, min(MAX_FLIPS, int(len(self.stack.nodes)
                                          * FLIP_SHARE)))
        return self.stack.nodes[:count]

    def _flip(self, on):
        nodes = self._flipped()
        now = time.monotonic()
        for node in nodes:
            self.stack.flip(node.index, on)
            self.lag.expect(node.instance_uuid, observe.STATUS_OF_BMC[on],
                            now)
        self.say('  flipped %d BMCs %s; waiting for the conductor (every '
                 '%d s) and the events' % (
                     len(nodes), 'on' if on else 'off',
                     self.stack.settings.conductor_sync_interval))
        self._wait_servers({n.instance_uuid: observe.STATUS_OF_BMC[on]
                            for n in nodes},
                           'instances of flipped BMCs to follow')
        return '%d instances followed their BMCs' % len(nodes)

    def flip_off(self):
        return self._flip(False)

    def flip_on(self):
        return self._flip(True)

    def _stop_start(self, node):
        compute = self.stack.compute
        for action, status, state in (('os-stop', 'SHUTOFF', 'power off'),
                                      ('os-start', 'ACTIVE', 'power on')):
            self.say('  %s %s' % (action, node.instance_name))
            compute.action(node.instance_uuid, action)
            self._wait_servers({node.instance_uuid: status},
                               '%s of %s' % (action, node.instance_name))
            self._wait_nodes({node.uuid: state}, 'node %s %s'
                             % (node.name, state))
            bmc_on = self.stack.bmc.get_power(node.index)
            if bmc_on != (state == 'power on'):
                raise StackError('BMC %d is %s after %s' % (
                    node.index, 'on' if bmc_on else 'off', action))

    def stop_start(self):
        node = self.stack.nodes[-1]
        self._stop_start(node)
        return '%s stopped and started; node and BMC followed' % (
            node.instance_name)

    def _hosts(self):
        return {s['id']: s.get('OS-EXT-SRV-ATTR:host')
                for s in self.stack.compute.servers()}

    def force_down(self):
        hosts = list(self.stack.settings.compute_hosts)
        down, peer = hosts[0], hosts[1]
        self.say('  PUT /os-services/{id} {"forced_down": true} for %s'
                 % down)
        # Where each instance runs before: the ring gives it back after.
        self._hosts_before = self._hosts()
        self.stack.compute.set_forced_down(down, True)
        service = self.stack.services()[down]
        if service['state'] != 'down' or not service['forced_down']:
            raise StackError('%s is not down at once: %s' % (down, service))
        self.stack.wait_for(
            lambda: set(self._hosts().values()) == {peer},
            self.deadline, 0.2, 'every instance owned by %s' % peer)
        self._stop_start(self.stack.nodes[0])
        return '%s took all %d nodes; start/stop kept working' % (
            peer, len(self.stack.nodes))

    def force_up(self):
        down = self.stack.settings.compute_hosts[0]
        self.stack.compute.set_forced_down(down, False)
        self.stack.wait_agents_up([down], timeout=self.deadline)
        # NOTE: the same ring over the same hosts: every instance goes back
        # to where it ran before (with few nodes, possibly none to ``down``).
        before = self._hosts_before
        if before is not None:
            self.stack.wait_for(
                lambda: self._hosts() == before,
                self.deadline, 0.2, 'the instances to return to their hosts')
        owned = sum(1 for host in self._hosts().values() if host == down)
        return '%s is up and runs its %d instances again' % (down, owned)

    def converged(self):
        observer = observe.Observer(self.stack)
        try:
            def settled():
                # The outbox (a command run) only once the nodes agree.
                snap = observer.snapshot()
                if snap.in_sync(self.stack.nodes) != len(self.stack.nodes):
                    return None
                snap.outbox = observer.outbox()
                return snap.outbox['pending'] == 0 and snap
            snap = self.stack.wait_for(settled, self.deadline, 0.5,
                                       'every node in sync, outbox empty')
        finally:
            observer.close()
        problems = []
        if snap.outbox['undeliverable']:
            problems.append('%d undeliverable events'
                            % snap.outbox['undeliverable'])
        if snap.power_failures():
            problems.append('power failure on %s' % snap.power_failures())
        if problems:
            raise StackError('; '.join(problems))
        return '%d/%d nodes in sync, %d events delivered' % (
            len(self.stack.nodes), len(self.stack.nodes),
            snap.outbox['delivered'])
