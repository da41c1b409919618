"""The periodic power sync: Nova's rules in both authority modes."""

import dataclasses
import types

import testscenarios
import testtools

from compute_ext.compute import power_sync
from compute_ext.compute import states
from compute_ext.objects import instance_actions
from compute_ext.objects import instances as instance_obj
from tests.fixtures import ironic as fake

ON, OFF = fake.POWER_ON, fake.POWER_OFF
ACTIVE, STOPPED = states.ACTIVE, states.STOPPED
RUNNING, SHUTDOWN = states.RUNNING, states.SHUTDOWN


def _instance(vm_state, power_state):
    fields = {f.name: None for f in dataclasses.fields(instance_obj.Instance)}
    fields.update(vm_state=vm_state, power_state=power_state,
                  power_generation=0)
    return instance_obj.Instance(**fields)


def _node(power_state, target=None):
    return {'uuid': 'n', 'power_state': power_state,
            'target_power_state': target}


class TestDecide(testtools.TestCase):

    def decide(self, authority, vm_state, power_state, node):
        return power_sync.decide(authority, _instance(vm_state, power_state),
                                 node)

    def test_baremetal_mode_records_the_hardware(self):
        cases = [
            (STOPPED, SHUTDOWN, ON, {'vm_state': ACTIVE,
                                     'power_state': RUNNING}),
            (ACTIVE, RUNNING, OFF, {'vm_state': STOPPED,
                                    'power_state': SHUTDOWN}),
            (ACTIVE, states.NOSTATE, ON, {'vm_state': ACTIVE,
                                          'power_state': RUNNING}),
        ]
        for vm_state, power_state, hardware, values in cases:
            decision = self.decide('baremetal', vm_state, power_state,
                                   _node(hardware))
            self.assertEqual(power_sync.RECORD, decision.kind)
            self.assertEqual(values, decision.values)

    def test_baremetal_mode_never_forces(self):
        for vm_state in (ACTIVE, STOPPED, states.ERROR, states.PAUSED):
            for power_state in (RUNNING, SHUTDOWN):
                for hardware in (ON, OFF):
                    decision = self.decide('baremetal', vm_state,
                                           power_state, _node(hardware))
                    self.assertNotEqual(
                        power_sync.FORCE, getattr(decision, 'kind', None))

    def test_agreement_is_left_alone(self):
        for authority in ('baremetal', 'compute'):
            self.assertIsNone(self.decide(authority, ACTIVE, RUNNING,
                                          _node(ON)))
            self.assertIsNone(self.decide(authority, STOPPED, SHUTDOWN,
                                          _node(OFF)))

    def test_compute_mode_stops_an_instance_found_off(self):
        decision = self.decide('compute', ACTIVE, RUNNING, _node(OFF))
        self.assertEqual((power_sync.FORCE, 'stop'),
                         (decision.kind, decision.reason))
        self.assertEqual({'task_state': states.POWERING_OFF,
                          'power_state': SHUTDOWN}, decision.values)

    def test_compute_mode_force_stops_a_stopped_instance_found_on(self):
        decision = self.decide('compute', STOPPED, SHUTDOWN, _node(ON))
        self.assertEqual((power_sync.FORCE, 'force_stop'),
                         (decision.kind, decision.reason))
        self.assertEqual({'task_state': states.POWERING_OFF,
                          'power_state': RUNNING}, decision.values)

    def test_compute_mode_records_power_state_drift(self):
        decision = self.decide('compute', ACTIVE, states.NOSTATE, _node(ON))
        self.assertEqual(power_sync.RECORD, decision.kind)
        self.assertEqual({'power_state': RUNNING}, decision.values)
        decision = self.decide('compute', states.ERROR, RUNNING, _node(OFF))
        self.assertEqual({'power_state': SHUTDOWN}, decision.values)

    def test_unknown_or_moving_hardware_is_skipped(self):
        for authority in ('baremetal', 'compute'):
            for node in (_node(None), _node('error'), _node(ON, target=OFF)):
                self.assertIsNone(self.decide(authority, STOPPED, SHUTDOWN,
                                              node))


class SyncTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.w = self.useFixture(fake.AgentWorld(peers=('host-b',)))

    def sync(self, authority, hooks=None):
        syncer = power_sync.PowerSync(self.w.ctx, self.w.client,
                                      self.w.ring, self.w.runner,
                                      authority, pool_size=3, hooks=hooks)
        self.addCleanup(syncer.shutdown, wait=False)
        return syncer

    def states_of(self, inst):
        after = self.w.get(inst.uuid)
        return after.vm_state, after.power_state, after.task_state


class TestBaremetalMode(SyncTestCase):

    def test_pass_records_hardware_and_never_calls_power(self):
        w = self.w
        came_on = w.add_instance(STOPPED, SHUTDOWN, ON)
        went_off = w.add_instance(ACTIVE, RUNNING, OFF)
        steady = w.add_instance(ACTIVE, RUNNING, ON)
        outcomes = self.sync('baremetal').run()
        self.assertEqual({came_on.uuid: 'recorded', went_off.uuid: 'recorded',
                          steady.uuid: 'in-sync'}, outcomes)
        self.assertEqual((ACTIVE, RUNNING, None), self.states_of(came_on))
        self.assertEqual((STOPPED, SHUTDOWN, None), self.states_of(went_off))
        self.assertEqual([], w.ironic.power_calls)

    def test_pending_task_is_skipped(self):
        inst = self.w.add_instance(STOPPED, SHUTDOWN, ON,
                                   task_state=states.POWERING_ON)
        self.assertEqual({inst.uuid: 'busy'}, self.sync('baremetal').run())
        self.assertEqual((STOPPED, SHUTDOWN, states.POWERING_ON),
                         self.states_of(inst))

    def test_peer_instances_are_not_synced(self):
        theirs = self.w.add_instance(STOPPED, SHUTDOWN, ON, host='host-b')
        self.assertEqual({}, self.sync('baremetal').run())
        self.assertEqual((STOPPED, SHUTDOWN, None), self.states_of(theirs))

    def test_write_loses_to_a_newer_event(self):
        inst = self.w.add_instance(STOPPED, SHUTDOWN, ON)

        def event(uuid):
            instance_obj.bump_generation(self.w.ctx, uuid)
        syncer = self.sync('baremetal', hooks={'after_decide': event})
        self.assertEqual('lost', syncer.sync_instance(inst.uuid))
        self.assertEqual((STOPPED, SHUTDOWN, None), self.states_of(inst))

    def test_node_error_is_contained(self):
        w = self.w
        broken = w.add_instance(STOPPED, SHUTDOWN, ON)
        fine = w.add_instance(STOPPED, SHUTDOWN, ON)
        w.ironic.script('GET', broken.node, 500, 'boom')
        outcomes = self.sync('baremetal').run()
        self.assertEqual('error', outcomes[broken.uuid])
        self.assertEqual('recorded', outcomes[fine.uuid])


class TestComputeMode(SyncTestCase):

    def test_force_stop_powers_off_a_stopped_instance_found_on(self):
        w = self.w
        inst = w.add_instance(STOPPED, SHUTDOWN, ON)
        self.assertEqual({inst.uuid: 'forced'}, self.sync('compute').run())
        self.assertEqual([(inst.node, 'power off')], w.ironic.power_calls)
        self.assertEqual(OFF, w.ironic.power_state(inst.node))
        self.assertEqual((STOPPED, SHUTDOWN, None), self.states_of(inst))
        action = instance_actions.get_latest(w.ctx, inst.uuid)
        self.assertEqual('stop', action.action)
        (event,) = instance_actions.get_events(w.ctx, action.id)
        self.assertEqual(('compute_stop_instance', 'Success', 'host-a'),
                         (event.event, event.result, event.host))

    def test_stop_an_active_instance_found_off(self):
        w = self.w
        inst = w.add_instance(ACTIVE, RUNNING, OFF)
        self.assertEqual({inst.uuid: 'forced'}, self.sync('compute').run())
        self.assertEqual((STOPPED, SHUTDOWN, None), self.states_of(inst))

    def test_claim_loses_to_a_newer_event_and_nothing_is_forced(self):
        inst = self.w.add_instance(STOPPED, SHUTDOWN, ON)

        def event(uuid):
            instance_obj.bump_generation(self.w.ctx, uuid)
        syncer = self.sync('compute', hooks={'after_decide': event})
        self.assertEqual('lost', syncer.sync_instance(inst.uuid))
        self.assertEqual([], self.w.ironic.power_calls)
        self.assertEqual((STOPPED, SHUTDOWN, None), self.states_of(inst))

    def test_failed_force_reverts_the_task(self):
        w = self.w
        w.ironic.power_mode = 'fail'
        inst = w.add_instance(STOPPED, SHUTDOWN, ON)
        self.assertEqual({inst.uuid: 'force-failed'},
                         self.sync('compute').run())
        # Nova records the driver's power_state; the task is reverted.
        self.assertEqual((STOPPED, RUNNING, None), self.states_of(inst))

    def test_instance_busy_with_an_action_is_not_forced(self):
        inst = self.w.add_instance(STOPPED, SHUTDOWN, ON)
        with self.w.runner.reserve(inst.uuid):
            self.assertEqual('busy',
                             self.sync('compute').sync_instance(inst.uuid))
        self.assertEqual([], self.w.ironic.power_calls)


class TestHookPoints(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = [(p, {'point': p}) for p in power_sync.HOOK_POINTS]

    def test_every_hook_point_is_reached_by_a_force(self):
        w = self.useFixture(fake.AgentWorld())
        inst = w.add_instance(STOPPED, SHUTDOWN, ON)
        seen = []
        syncer = power_sync.PowerSync(
            w.ctx, w.client, w.ring, w.runner, 'compute', 1,
            hooks={self.point: seen.append})
        self.addCleanup(syncer.shutdown, wait=False)
        syncer.sync_instance(inst.uuid)
        self.assertEqual([inst.uuid], seen)

    def test_unknown_hook_point_is_refused(self):
        ring = types.SimpleNamespace(host='host-a')
        self.assertRaises(ValueError, power_sync.PowerSync, None, None,
                          ring, None, 'compute', 1,
                          hooks={self.point + '-typo': print})
