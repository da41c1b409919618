"""compute_ext.objects.instances and instance_actions on SQLite,
PostgreSQL and MariaDB: filters, paging, and the compare-and-swap every
state change relies on, raced from two threads."""

import datetime
import threading

import testscenarios
import testtools

from compute_ext import context as compute_context
from compute_ext.compute import power_update
from compute_ext.compute import states
from compute_ext import exception
from compute_ext.objects import instance_actions as action_obj
from compute_ext.objects import instances as instance_obj
from tests.fixtures import dbfixture

T0 = datetime.datetime(2026, 3, 1, 12, 0, 0)


def _uuid(n):
    return '10000000-0000-4000-8000-%012d' % n


class DBTestCase(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        self.database = self.useFixture(
            dbfixture.ServiceDatabase(self.backend)).db
        self.ctx = compute_context.admin_context(self.database)

    def add(self, n, **values):
        when = T0 + datetime.timedelta(minutes=n)
        row = {'uuid': _uuid(n), 'name': 'web%d' % n, 'host': 'host1',
               'node': 'node-%d' % n, 'vm_state': states.ACTIVE,
               'power_state': states.RUNNING, 'project_id': 'p1',
               'user_id': 'u1', 'created_at': when, 'updated_at': when}
        row.update(values)
        return instance_obj.create(self.ctx, **row)


class TestInstanceReads(DBTestCase):

    def test_create_starts_like_nova(self):
        instance = instance_obj.create(self.ctx, name='fresh')
        self.assertEqual((states.BUILDING, states.NOSTATE, None, 0, 0),
                         (instance.vm_state, instance.power_state,
                          instance.task_state, instance.power_generation,
                          instance.deleted))
        self.assertEqual(36, len(instance.uuid))
        self.assertIsNotNone(instance.created_at)

    def test_get_by_uuid_scopes_project_and_deleted(self):
        live = self.add(1)
        gone = self.add(2, deleted=2)
        self.assertEqual(live, instance_obj.get_by_uuid(self.ctx, live.uuid))
        self.assertEqual(live, instance_obj.get_by_uuid(
            self.ctx, live.uuid, project_id='p1'))
        error = self.assertRaises(
            exception.InstanceNotFound, instance_obj.get_by_uuid, self.ctx,
            live.uuid, project_id='p2')
        self.assertEqual('Instance %s could not be found.' % live.uuid,
                         error.message)
        self.assertRaises(exception.InstanceNotFound,
                          instance_obj.get_by_uuid, self.ctx, gone.uuid)
        self.assertEqual(gone, instance_obj.get_by_uuid(
            self.ctx, gone.uuid, read_deleted=None))
        self.assertEqual(gone, instance_obj.get_by_uuid(
            self.ctx, gone.uuid, read_deleted=True))

    def test_get_by_uuids_and_nodes_skip_deleted(self):
        self.add(1)
        self.add(2)
        self.add(3, deleted=3)
        found = instance_obj.get_by_uuids(
            self.ctx, [_uuid(1), _uuid(3), _uuid(9), _uuid(1)])
        self.assertEqual([_uuid(1)], list(found))
        self.assertEqual({}, instance_obj.get_by_uuids(self.ctx, []))
        on_nodes = instance_obj.get_by_nodes(
            self.ctx, ['node-2', 'node-3', 'node-1'])
        self.assertEqual([_uuid(1), _uuid(2)], [i.uuid for i in on_nodes])
        self.assertEqual([], instance_obj.get_by_nodes(self.ctx, []))

    def _names(self, **filters):
        return [i.name for i in instance_obj.get_all(self.ctx, **filters)]

    def test_filters(self):
        self.add(1)
        self.add(2, project_id='p2', host='host2', task_state='powering-off')
        self.add(3, vm_state=states.STOPPED, power_state=states.SHUTDOWN)
        self.add(4, name='aweb4', host=None, node=None)
        self.add(5, deleted=5)
        self.assertEqual(['aweb4', 'web3', 'web2', 'web1'], self._names())
        self.assertEqual(['web3', 'web1'], self._names(project_id='p1',
                                                       host='host1'))
        self.assertEqual(['web3', 'web2', 'web1'], self._names(name='^web'))
        self.assertEqual(['aweb4'], self._names(name='b4$'))
        self.assertEqual(['web2'], self._names(node='e-2'))
        self.assertEqual(['web3'], self._names(vm_states=['stopped']))
        self.assertEqual(['aweb4', 'web3', 'web1'],
                         self._names(task_states=[None]))
        self.assertEqual(['aweb4', 'web3', 'web2', 'web1'],
                         self._names(task_states=[None, 'powering-off']))
        self.assertEqual(['web3'], self._names(power_states=[4]))
        self.assertEqual(['web2', 'web1'],
                         self._names(uuids=[_uuid(1), _uuid(2)]))
        self.assertEqual(['web5'], self._names(deleted=True))
        self.assertEqual(5, len(self._names(deleted=None)))
        self.assertEqual(['web5', 'aweb4'], self._names(
            deleted=None, changes_since=T0 + datetime.timedelta(minutes=4)))
        self.assertEqual(['web2', 'web1'], self._names(
            changes_before=T0 + datetime.timedelta(minutes=2)))

    def test_pages_follow_the_marker(self):
        for n in range(1, 6):
            self.add(n)
        first = instance_obj.get_all(self.ctx, limit=2)
        self.assertEqual(['web5', 'web4'], [i.name for i in first])
        second = instance_obj.get_all(self.ctx, limit=2,
                                      marker=first[-1].uuid)
        self.assertEqual(['web3', 'web2'], [i.name for i in second])
        last = instance_obj.get_all(self.ctx, limit=2,
                                    marker=second[-1].uuid)
        self.assertEqual(['web1'], [i.name for i in last])

    def test_pages_on_a_nullable_key_visit_every_row_once(self):
        for n in range(1, 7):
            self.add(n, host=None if n % 2 else 'host%d' % (n % 3))
        seen, marker = [], None
        while True:
            page = instance_obj.get_all(self.ctx, limit=2, marker=marker,
                                        sort_keys=['host'], sort_dirs=['asc'])
            if not page:
                break
            seen.extend(i.uuid for i in page)
            marker = page[-1].uuid
        self.assertEqual(sorted(_uuid(n) for n in range(1, 7)), sorted(seen))
        self.assertEqual(6, len(seen))

    def test_an_unknown_or_hidden_marker(self):
        self.add(1)
        self.add(2, project_id='p2')
        error = self.assertRaises(instance_obj.MarkerNotFound,
                                  instance_obj.get_all, self.ctx,
                                  marker=_uuid(9))
        self.assertEqual('Marker %s could not be found.' % _uuid(9),
                         error.message)
        self.assertRaises(instance_obj.MarkerNotFound, instance_obj.get_all,
                          self.ctx, project_id='p1', marker=_uuid(2))

    def test_sort_by_name(self):
        self.add(1, name='b')
        self.add(2, name='c')
        self.add(3, name='a')
        self.assertEqual(['a', 'b', 'c'], self._names(sort_keys=['name'],
                                                      sort_dirs=['asc']))


class TestCompareAndSwap(DBTestCase):

    def test_swap_when_the_expectation_holds(self):
        before = self.add(1)
        after = instance_obj.compare_and_swap(
            self.ctx, before.uuid,
            {'vm_state': [states.ACTIVE, states.ERROR], 'task_state': None},
            {'task_state': states.POWERING_OFF})
        self.assertEqual(states.POWERING_OFF, after.task_state)
        # No power state written: the generation stays.
        self.assertEqual(before.power_generation, after.power_generation)
        self.assertNotEqual(before.updated_at, after.updated_at)
        self.assertEqual(after, instance_obj.get_by_uuid(self.ctx,
                                                         before.uuid))

    def test_nothing_changes_when_it_does_not(self):
        before = self.add(1, task_state=states.POWERING_ON)
        self.assertIsNone(instance_obj.compare_and_swap(
            self.ctx, before.uuid, {'task_state': None},
            {'task_state': states.POWERING_OFF}))
        self.assertIsNone(instance_obj.compare_and_swap(
            self.ctx, before.uuid, {'vm_state': [states.STOPPED]},
            {'task_state': None}))
        self.assertEqual(before, instance_obj.get_by_uuid(self.ctx,
                                                          before.uuid))

    def test_none_in_a_list_matches_null(self):
        before = self.add(1)
        after = instance_obj.compare_and_swap(
            self.ctx, before.uuid, {'task_state': [None, 'spawning']},
            {'name': 'renamed'})
        self.assertEqual('renamed', after.name)

    def test_writing_power_state_bumps_the_generation(self):
        before = self.add(1)
        after = instance_obj.compare_and_swap(
            self.ctx, before.uuid, {'power_state': states.RUNNING},
            {'power_state': states.SHUTDOWN, 'vm_state': states.STOPPED})
        self.assertEqual(before.power_generation + 1, after.power_generation)
        again = instance_obj.compare_and_swap(
            self.ctx, before.uuid,
            {'power_generation': after.power_generation},
            {'power_state': states.SHUTDOWN})
        self.assertEqual(after.power_generation + 1, again.power_generation)
        # A decision taken on the older generation now loses.
        self.assertIsNone(instance_obj.compare_and_swap(
            self.ctx, before.uuid,
            {'power_generation': after.power_generation},
            {'power_state': states.RUNNING}))

    def test_a_deleted_instance_never_swaps(self):
        gone = self.add(1, deleted=1)
        self.assertIsNone(instance_obj.compare_and_swap(
            self.ctx, gone.uuid, {}, {'task_state': 'x'}))
        self.assertIsNone(instance_obj.bump_generation(self.ctx, gone.uuid))

    def test_bump_generation_keeps_updated_at(self):
        before = self.add(1)
        after = instance_obj.bump_generation(self.ctx, before.uuid)
        self.assertEqual(before.power_generation + 1, after.power_generation)
        self.assertEqual(before.updated_at, after.updated_at)
        self.assertEqual((before.vm_state, before.power_state),
                         (after.vm_state, after.power_state))

    def _race(self, *attempts):
        """Run each attempt (ctx -> result) in its own thread at once."""
        barrier = threading.Barrier(len(attempts))
        results = [None] * len(attempts)

        def run(index, attempt):
            ctx = compute_context.admin_context(self.database)
            barrier.wait(10)
            results[index] = attempt(ctx)

        threads = [threading.Thread(target=run, args=(i, a))
                   for i, a in enumerate(attempts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        return results

    def test_two_racing_actions_one_wins(self):
        for n in range(1, 6):
            instance = self.add(n)

            def stop(ctx, uuid=instance.uuid):
                return instance_obj.compare_and_swap(
                    ctx, uuid, {'vm_state': states.ACTIVE,
                                'task_state': None},
                    {'task_state': states.POWERING_OFF})

            results = self._race(stop, stop)
            self.assertEqual(1, sum(r is not None for r in results))
            self.assertEqual(states.POWERING_OFF, instance_obj.get_by_uuid(
                self.ctx, instance.uuid).task_state)

    def test_a_power_update_racing_a_stop_never_mixes_states(self):
        for n in range(1, 6):
            instance = self.add(n)

            def stop(ctx, uuid=instance.uuid):
                return instance_obj.compare_and_swap(
                    ctx, uuid, {'vm_state': states.ACTIVE,
                                'task_state': None},
                    {'task_state': states.POWERING_OFF}) is not None

            def event(ctx, instance=instance):
                return power_update.apply(ctx, instance,
                                          power_update.POWER_OFF)

            stopped, applied = self._race(stop, event)
            self.assertNotEqual(stopped, applied)
            final = instance_obj.get_by_uuid(self.ctx, instance.uuid)
            state = (final.vm_state, final.power_state, final.task_state)
            if applied:
                self.assertEqual((states.STOPPED, states.SHUTDOWN, None),
                                 state)
            else:
                self.assertEqual((states.ACTIVE, states.RUNNING,
                                  states.POWERING_OFF), state)
            # The event always counts as a newer observation.
            self.assertEqual(instance.power_generation + 1,
                             final.power_generation)


class TestInstanceActions(DBTestCase):

    def _action(self, request_id, action='stop', instance=None):
        instance = instance or _uuid(1)
        return action_obj.action_start(self.ctx, instance, action,
                                       request_id, 'u1', 'p1')

    def test_action_and_events(self):
        action_id = self._action('req-1')
        action = action_obj.get_by_request_id(self.ctx, _uuid(1), 'req-1')
        self.assertEqual(('stop', 'u1', 'p1', None, None),
                         (action.action, action.user_id, action.project_id,
                          action.finish_time, action.message))
        action_obj.event_start(self.ctx, action_id, 'compute_stop_instance',
                               'host1')
        self.assertTrue(action_obj.event_finish(
            self.ctx, action_id, 'compute_stop_instance', action_obj.ERROR,
            details='BMC timed out', traceback='Traceback ...'))
        self.assertFalse(action_obj.event_finish(
            self.ctx, action_id, 'compute_stop_instance', action_obj.SUCCESS))
        (event,) = action_obj.get_events(self.ctx, action_id)
        self.assertEqual(('compute_stop_instance', 'Error', 'host1',
                          'BMC timed out', 'Traceback ...'),
                         (event.event, event.result, event.host,
                          event.details, event.traceback))
        self.assertIsNotNone(event.finish_time)
        self.assertEqual('Error', action_obj.get_by_request_id(
            self.ctx, _uuid(1), 'req-1').message)
        action_obj.action_finish(self.ctx, action_id, 'Error')
        self.assertIsNotNone(action_obj.get_by_request_id(
            self.ctx, _uuid(1), 'req-1').finish_time)

    def test_record_writes_a_finished_event(self):
        action_id = action_obj.record(
            self.ctx, _uuid(1), 'start', 'compute_power_update', 'host1',
            action_obj.SUCCESS, 'req-9', 'ironic', 'service')
        action = action_obj.get_latest(self.ctx, _uuid(1), 'start')
        self.assertEqual((action_id, 'req-9', 'ironic', 'service', None),
                         (action.id, action.request_id, action.user_id,
                          action.project_id, action.message))
        (event,) = action_obj.get_events(self.ctx, action_id)
        self.assertEqual(('compute_power_update', 'Success'),
                         (event.event, event.result))
        self.assertIsNone(action_obj.get_latest(self.ctx, _uuid(1), 'stop'))
        self.assertIsNone(action_obj.get_by_request_id(self.ctx, _uuid(2),
                                                       'req-9'))

    def test_list_newest_first_with_paging(self):
        for n in range(1, 5):
            self._action('req-%d' % n)
        self._action('req-other', instance=_uuid(2))
        every = action_obj.get_all(self.ctx, _uuid(1))
        self.assertEqual(['req-4', 'req-3', 'req-2', 'req-1'],
                         [a.request_id for a in every])
        page = action_obj.get_all(self.ctx, _uuid(1), limit=3,
                                  marker='req-4')
        self.assertEqual(['req-3', 'req-2', 'req-1'],
                         [a.request_id for a in page])
        self.assertRaises(instance_obj.MarkerNotFound, action_obj.get_all,
                          self.ctx, _uuid(1), marker='req-other')
        later = action_obj.get_all(self.ctx, _uuid(1),
                                   changes_since=every[0].updated_at)
        self.assertIn('req-4', [a.request_id for a in later])
        self.assertEqual([], action_obj.get_all(
            self.ctx, _uuid(1),
            changes_before=every[-1].updated_at - datetime.timedelta(
                days=1)))
