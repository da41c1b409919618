"""Nova's power-update rules, for every state an instance can be in."""

import itertools
import logging

import fixtures
import testtools

from compute_ext import context as compute_context
from compute_ext.compute import power_update
from compute_ext.compute import states
from compute_ext.objects import instance_actions as action_obj
from compute_ext.objects import instances as instance_obj
from tests.fixtures import dbfixture

TASK_STATES = (None, states.POWERING_ON, states.POWERING_OFF, 'rebooting')
VM_STATES = (states.ACTIVE, states.BUILDING, states.STOPPED, states.PAUSED,
             states.SUSPENDED, states.ERROR, states.DELETED,
             states.SOFT_DELETED, states.RESCUED, states.RESIZED)
POWER_STATES = (states.NOSTATE, states.RUNNING, states.PAUSED_POWER,
                states.SHUTDOWN, states.CRASHED, states.SUSPENDED_POWER)
COMBINATIONS = list(itertools.product(TASK_STATES, VM_STATES, POWER_STATES))
# The only state each tag acts on (Nova's
# _is_state_valid_for_power_update_event), and what it leaves behind.
VALID = {
    power_update.POWER_ON: ((None, states.STOPPED, states.SHUTDOWN),
                            (None, states.ACTIVE, states.RUNNING)),
    power_update.POWER_OFF: ((None, states.ACTIVE, states.RUNNING),
                             (None, states.STOPPED, states.SHUTDOWN)),
}


def _state(instance):
    return (instance.task_state, instance.vm_state, instance.power_state)


def _instance(task_state, vm_state, power_state):
    values = dict.fromkeys(instance_obj._FIELDS)
    values.update(task_state=task_state, vm_state=vm_state,
                  power_state=power_state)
    return instance_obj.Instance(**values)


class TestRules(testtools.TestCase):

    def test_each_tag_accepts_exactly_one_state(self):
        for tag, (valid, _target) in VALID.items():
            accepted = [combo for combo in COMBINATIONS
                        if power_update.is_state_valid(_instance(*combo),
                                                       tag)]
            self.assertEqual([valid], accepted, tag)

    def test_only_the_two_tags_are_valid(self):
        self.assertTrue(power_update.is_valid_tag('POWER_ON'))
        self.assertTrue(power_update.is_valid_tag('POWER_OFF'))
        for tag in ('power on', 'POWER_CYCLE', '', None, 'power_off'):
            self.assertFalse(power_update.is_valid_tag(tag))


class DatabaseTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        database = self.useFixture(dbfixture.ServiceDatabase()).db
        self.ctx = compute_context.RequestContext(
            db=database, user_id='ironic', project_id='service',
            roles=['service'], request_id='req-power-update')
        self.log = self.useFixture(fixtures.FakeLogger(
            name=power_update.__name__, level=logging.INFO))

    def add(self, task_state, vm_state, power_state, host='host1'):
        return instance_obj.create(
            self.ctx, host=host, node='node', task_state=task_state,
            vm_state=vm_state, power_state=power_state)


class TestApply(DatabaseTestCase):

    def test_the_update_encodes_the_rule(self):
        # Every vm_state and power_state with no task, and every task on
        # the two states the rule accepts: the conditional UPDATE must
        # agree with Nova's check on each. One transaction per tag keeps
        # it fast; each event is still its own conditional UPDATE.
        combos = [c for c in COMBINATIONS
                  if c[0] is None or c[1:] in [v[1:] for v, _t in
                                               VALID.values()]]
        for tag, (valid, target) in VALID.items():
            with self.ctx.db.writer.using(self.ctx):
                self._apply_each(combos, tag, valid, target)

    def _apply_each(self, combos, tag, valid, target):
        for combo in combos:
            before = self.add(*combo)
            applied = power_update.apply(self.ctx, before, tag)
            after = instance_obj.get_by_uuid(self.ctx, before.uuid,
                                             read_deleted=None)
            self.assertEqual(combo == valid, applied, (tag, combo))
            self.assertEqual(target if applied else combo, _state(after),
                             (tag, combo))
            # Applied or not, the event is a newer observation.
            self.assertEqual(before.power_generation + 1,
                             after.power_generation)

    def test_a_stale_read_does_not_matter(self):
        # The caller read the instance while it was active; a stop landed
        # since. The event must act on the row, not on the stale read.
        stale = self.add(None, states.ACTIVE, states.RUNNING)
        instance_obj.compare_and_swap(self.ctx, stale.uuid, {},
                                      {'task_state': states.POWERING_OFF})
        self.assertFalse(power_update.apply(self.ctx, stale,
                                            power_update.POWER_OFF))
        self.assertEqual((states.POWERING_OFF, states.ACTIVE,
                          states.RUNNING), _state(instance_obj.get_by_uuid(
                              self.ctx, stale.uuid)))

    def test_a_no_op_says_why_as_nova_does(self):
        instance = self.add(states.POWERING_ON, states.STOPPED,
                            states.SHUTDOWN)
        power_update.apply(self.ctx, instance, power_update.POWER_ON)
        self.assertIn(
            'The power-update POWER_ON event for instance %s is a no-op '
            'since the instance is in vm_state stopped, task_state '
            'powering-on and power_state 4.' % instance.uuid,
            self.log.output)

    def test_a_repeated_event_is_a_no_op(self):
        instance = self.add(None, states.ACTIVE, states.RUNNING)
        applied = []
        seen = []
        for _ in range(2):
            applied.append(power_update.apply(self.ctx, instance,
                                              power_update.POWER_OFF))
            seen.append(instance_obj.get_by_uuid(self.ctx, instance.uuid))
        self.assertEqual([True, False], applied)
        self.assertEqual(_state(seen[0]), _state(seen[1]))
        self.assertEqual(seen[0].power_generation + 1,
                         seen[1].power_generation)


class TestHandleEvents(DatabaseTestCase):

    def test_actions_are_recorded_for_the_caller(self):
        on = self.add(None, states.STOPPED, states.SHUTDOWN, host='host7')
        off = self.add(None, states.STOPPED, states.SHUTDOWN)
        power_update.handle_events(self.ctx, [
            (on, power_update.POWER_ON), (off, power_update.POWER_OFF)])
        for instance, action, state in (
                (on, 'start', states.ACTIVE), (off, 'stop', states.STOPPED)):
            (recorded,) = action_obj.get_all(self.ctx, instance.uuid)
            self.assertEqual((action, 'req-power-update', 'ironic',
                              'service', None),
                             (recorded.action, recorded.request_id,
                              recorded.user_id, recorded.project_id,
                              recorded.message))
            (event,) = action_obj.get_events(self.ctx, recorded.id)
            self.assertEqual(('compute_power_update', 'Success',
                              instance.host),
                             (event.event, event.result, event.host))
            self.assertEqual(state, instance_obj.get_by_uuid(
                self.ctx, instance.uuid).vm_state)

    def test_an_unknown_tag_is_skipped_with_nova_warning(self):
        instance = self.add(None, states.ACTIVE, states.RUNNING)
        power_update.handle_events(self.ctx, [(instance, 'POWER_CYCLE')])
        self.assertIn('Invalid power state POWER_CYCLE. Cannot process the '
                      'event', self.log.output)
        self.assertIn('Skipping it.', self.log.output)
        self.assertEqual([], action_obj.get_all(self.ctx, instance.uuid))
        self.assertEqual(instance, instance_obj.get_by_uuid(self.ctx,
                                                            instance.uuid))

    def test_events_apply_in_order(self):
        instance = self.add(None, states.ACTIVE, states.RUNNING)
        power_update.handle_events(self.ctx, [
            (instance, power_update.POWER_OFF),
            (instance, power_update.POWER_ON),
            (instance, power_update.POWER_OFF)])
        final = instance_obj.get_by_uuid(self.ctx, instance.uuid)
        self.assertEqual((None, states.STOPPED, states.SHUTDOWN),
                         _state(final))
        self.assertEqual(instance.power_generation + 3,
                         final.power_generation)
        self.assertEqual(['stop', 'start', 'stop'], [
            a.action for a in reversed(action_obj.get_all(self.ctx,
                                                          instance.uuid))])
