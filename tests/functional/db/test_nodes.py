"""objects/nodes.py on SQLite, PostgreSQL and MariaDB.

Each change is a compare-and-swap: these tests race it against writers
that change the row in between, and check the ordering and keyset paging
rules where the engines differ (NULLs, booleans).
"""

import testscenarios
import testtools

from baremetal_notifier import context
from baremetal_notifier import exception
from baremetal_notifier.objects import nodes as node_obj
from tests.fixtures import baremetal
from tests.fixtures import dbfixture

load_tests = testscenarios.load_tests_apply_scenarios


def _uuid(index):
    return '00000000-bbbb-4bbb-8bbb-%012d' % index


class NodeObjectsTest(testtools.TestCase):

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        database = self.useFixture(
            dbfixture.ServiceDatabase(self.backend, 'baremetal'))
        self.db = database.db
        self.ctx = context.admin_context(self.db)

    def add(self, index, name=None, **values):
        return baremetal.add_node(self.ctx, name, _uuid(index), **values)

    def test_create_reads_back_everything(self):
        node = self.add(1, 'n1', extra={'a': [1, 2]}, properties={'cpus': 4})
        self.assertEqual(_uuid(1), node.uuid)
        self.assertEqual('n1', node.name)
        self.assertEqual('ipmi', node.driver)
        self.assertEqual(baremetal.IPMI_PASSWORD,
                         node.driver_info['ipmi_password'])
        self.assertEqual({'a': [1, 2]}, node.extra)
        self.assertEqual({'cpus': 4}, node.properties)
        self.assertEqual('available', node.provision_state)
        self.assertIs(False, node.maintenance)
        self.assertIsNone(node.reservation)
        self.assertIsNotNone(node.created_at)
        self.assertEqual(node, node_obj.get_by_name(self.ctx, 'n1'))

    def test_password_is_not_in_repr(self):
        node = self.add(1, 'n1')
        self.assertNotIn(baremetal.IPMI_PASSWORD, repr(node))

    def test_create_with_instance_is_active(self):
        node = self.add(1, instance_uuid=_uuid(100))
        self.assertEqual('active', node.provision_state)

    def test_duplicates(self):
        self.add(1, 'n1', instance_uuid=_uuid(100))
        self.assertRaises(exception.DuplicateName, self.add, 2, 'n1')
        self.assertRaises(exception.NodeAlreadyExists, self.add, 1, 'n2')
        self.assertRaises(exception.InstanceAssociated, self.add, 3, 'n3',
                          instance_uuid=_uuid(100))

    def test_not_found(self):
        self.assertRaises(exception.NodeNotFound, node_obj.get_by_uuid,
                          self.ctx, _uuid(9))
        self.assertRaises(exception.NodeNotFound, node_obj.get_by_name,
                          self.ctx, 'nope')

    def test_update_is_compare_and_swap(self):
        node = self.add(1, 'n1')
        changed = node_obj.update(self.ctx, node, {'extra': {'x': 1}})
        self.assertEqual({'x': 1}, changed.extra)
        # ``node`` is now stale: its extra is not what the row holds.
        self.assertRaises(exception.NodeChanged, node_obj.update, self.ctx,
                          node, {'extra': {'y': 2}})
        self.assertEqual({'x': 1},
                         node_obj.get_by_uuid(self.ctx, _uuid(1)).extra)

    def test_update_of_other_columns_does_not_conflict(self):
        node = self.add(1, 'n1')
        node_obj.update(self.ctx, node, {'extra': {'x': 1}})
        renamed = node_obj.update(self.ctx, node, {'name': 'n2'})
        self.assertEqual(('n2', {'x': 1}), (renamed.name, renamed.extra))

    def test_update_refuses_a_locked_node(self):
        node = self.add(1, 'n1')
        baremetal.set_columns(self.db, _uuid(1), reservation='c1')
        error = self.assertRaises(exception.NodeLocked, node_obj.update,
                                  self.ctx, node, {'name': 'n2'})
        self.assertIn('locked by host c1', str(error))

    def test_update_of_a_deleted_node(self):
        node = self.add(1, 'n1')
        node_obj.destroy(self.ctx, node)
        self.assertRaises(exception.NodeNotFound, node_obj.update, self.ctx,
                          node, {'name': 'n2'})

    def test_association_races_lose_cleanly(self):
        first = self.add(1, 'n1')
        stale = node_obj.get_by_uuid(self.ctx, _uuid(1))
        node_obj.update(self.ctx, first, {'instance_uuid': _uuid(100),
                                          'provision_state': 'active'})
        self.assertRaises(exception.NodeChanged, node_obj.update, self.ctx,
                          stale, {'instance_uuid': _uuid(101),
                                  'provision_state': 'active'})
        self.add(2, 'n2')
        other = node_obj.get_by_uuid(self.ctx, _uuid(2))
        self.assertRaises(exception.InstanceAssociated, node_obj.update,
                          self.ctx, other, {'instance_uuid': _uuid(100)})

    def test_set_maintenance_and_clear_fault(self):
        node = self.add(1, 'n1')
        baremetal.set_columns(self.db, _uuid(1), fault='power failure')
        node = node_obj.set_maintenance(self.ctx, node, True, 'why')
        self.assertEqual((True, 'why', 'power failure'),
                         (node.maintenance, node.maintenance_reason,
                          node.fault))
        node = node_obj.set_maintenance(self.ctx, node, False)
        self.assertEqual((False, None, None),
                         (node.maintenance, node.maintenance_reason,
                          node.fault))

    def test_set_maintenance_refuses_a_locked_node(self):
        node = self.add(1, 'n1')
        baremetal.set_columns(self.db, _uuid(1), reservation='c1')
        self.assertRaises(exception.NodeLocked, node_obj.set_maintenance,
                          self.ctx, node, True)

    def test_destroy(self):
        node = self.add(1, 'n1')
        node_obj.destroy(self.ctx, node)
        self.assertRaises(exception.NodeNotFound, node_obj.get_by_uuid,
                          self.ctx, _uuid(1))
        self.assertRaises(exception.NodeNotFound, node_obj.destroy,
                          self.ctx, node)

    def test_destroy_refuses_locked_and_associated_nodes(self):
        locked = self.add(1, 'n1')
        baremetal.set_columns(self.db, _uuid(1), reservation='c1')
        self.assertRaises(exception.NodeLocked, node_obj.destroy, self.ctx,
                          locked)
        # Associated after it was read: the DELETE still refuses it.
        hosting = self.add(2, 'n2')
        baremetal.set_columns(self.db, _uuid(2), instance_uuid=_uuid(100))
        self.assertRaises(exception.NodeAssociated, node_obj.destroy,
                          self.ctx, hosting)

    def test_filters(self):
        self.add(1, 'n1')
        self.add(2, 'n2', instance_uuid=_uuid(100))
        self.add(3, 'n3')
        baremetal.set_columns(self.db, _uuid(3), maintenance=True,
                              fault='power failure')

        def names(**filters):
            found, _more = node_obj.get_list(self.ctx, filters)
            return [n.name for n in found]

        self.assertEqual(['n3'], names(maintenance=True))
        self.assertEqual(['n1', 'n2'], names(maintenance=False))
        self.assertEqual(['n2'], names(associated=True))
        self.assertEqual(['n2'], names(instance_uuid=_uuid(100)))
        self.assertEqual(['n2'], names(provision_state='active'))
        self.assertEqual(['n3'], names(fault='power failure'))
        self.assertEqual(['n1', 'n3'], names(associated=False,
                                             driver='ipmi'))
        self.assertRaises(ValueError, names, owner='me')

    def _walk(self, sort_key, sort_dir, limit):
        """Follow the pages to the end: the names in order."""
        seen, marker = [], None
        while True:
            page, more = node_obj.get_list(self.ctx, None, sort_key,
                                           sort_dir, limit, marker)
            seen.extend(n.name for n in page)
            if not more:
                return seen
            marker = page[-1].uuid

    def test_paging_over_nulls_and_booleans(self):
        # Names and power states with NULLs in between; maintenance mixed.
        layout = [('b', None, False), (None, 'power on', True),
                  ('a', 'power off', False), (None, None, True),
                  ('c', 'power on', False), ('d', None, True)]
        for index, (name, power, maintenance) in enumerate(layout):
            node = self.add(index, name or None)
            baremetal.set_columns(self.db, node.uuid, power_state=power,
                                  maintenance=maintenance)
        everything, _more = node_obj.get_list(self.ctx)
        self.assertEqual(6, len(everything))
        for sort_key in ('id', 'name', 'power_state', 'maintenance',
                         'created_at'):
            for sort_dir in ('asc', 'desc'):
                whole, _more = node_obj.get_list(self.ctx, None, sort_key,
                                                 sort_dir)
                expected = [n.name for n in whole]
                for limit in (1, 2, 4):
                    self.assertEqual(
                        expected, self._walk(sort_key, sort_dir, limit),
                        '%s %s by %d' % (sort_key, sort_dir, limit))

    def test_null_names_sort_first_ascending_on_every_engine(self):
        self.add(1, 'x')
        self.add(2)
        found, _more = node_obj.get_list(self.ctx, None, 'name', 'asc')
        self.assertEqual([None, 'x'], [n.name for n in found])
        found, _more = node_obj.get_list(self.ctx, None, 'name', 'desc')
        self.assertEqual(['x', None], [n.name for n in found])

    def test_limit_and_more(self):
        for index in range(3):
            self.add(index, 'n%d' % index)
        page, more = node_obj.get_list(self.ctx, limit=3)
        self.assertEqual((3, False), (len(page), more))
        page, more = node_obj.get_list(self.ctx, limit=2)
        self.assertEqual((2, True), (len(page), more))

    def test_unknown_marker_and_sort_key(self):
        self.assertRaises(exception.NodeNotFound, node_obj.get_list,
                          self.ctx, marker=_uuid(5))
        self.assertRaises(ValueError, node_obj.get_list, self.ctx,
                          sort_key='driver_info')

    def test_a_stored_field_too_deep_to_serve_reads_as_empty(self):
        # What an older API stored before bodies were bounded: json.loads
        # of it recursed out, and every listing answered 500.
        node = self.add(1, 'n1')
        deep = '{"a":' * 950 + '1' + '}' * 950
        served = '[' * node_obj.READ_MAX_DEPTH + ']' * node_obj.READ_MAX_DEPTH
        baremetal.set_columns(self.db, node.uuid, extra=deep,
                              properties='{"p": %s}' % served[1:-1])
        found, _ = node_obj.get_list(self.ctx)
        self.assertEqual({}, found[0].extra)
        self.assertEqual(deep, found[0].stored['extra'])
        # READ_MAX_DEPTH levels (the field's own object counted) are served.
        self.assertEqual(node_obj.READ_MAX_DEPTH - 1, _depth(
            found[0].properties['p']))
        self.assertEqual({}, node_obj.get_by_uuid(self.ctx, node.uuid).extra)


def _depth(value):
    depth = 0
    while isinstance(value, list):
        value = value[0] if value else None
        depth += 1
    return depth
