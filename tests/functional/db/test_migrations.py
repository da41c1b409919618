"""Walk both alembic trees on SQLite, PostgreSQL and MariaDB.

Each tree is upgraded one revision at a time, checked, downgraded back to
base one revision at a time (each downgrade must restore the schema the
upgrade started from), upgraded to head again and compared with the
SQLAlchemy models, so models and migrations cannot drift apart.

A revision may have a ``_check_<revision id>`` method with checks of its
own (data defaults, constraints); add one with each new migration.
"""

from alembic import autogenerate
from alembic import migration
import sqlalchemy as sa
import testscenarios
import testtools

from baremetal_notifier.db import models as baremetal_models
from compute_ext.db import models as compute_models
import db_migrations
from tests.fixtures import dbfixture

MODELS = {
    'compute': compute_models.Base.metadata,
    'baremetal': baremetal_models.Base.metadata,
}
TREE_SCENARIOS = [(tree, {'tree': tree}) for tree in db_migrations.TREES]
_BOOLEAN_DEFAULTS = {'0': False, 'false': False, '1': True, 'true': True}


def _as_boolean(text):
    if text is None:
        return None
    return _BOOLEAN_DEFAULTS.get(str(text).strip("()'\" ").lower())


def _unquoted(text):
    """A default's text without quotes, brackets or PostgreSQL's cast."""
    if text is None:
        return None
    return str(text).split('::')[0].strip("()'\" ")


def _compare_server_default(context, inspected_column, metadata_column,
                            inspected_default, metadata_default,
                            rendered_metadata_default):
    # MySQL stores sa.false() as '0', which alembic reports as a change;
    # compare boolean defaults by value and leave the rest to alembic.
    if (rendered_metadata_default is not None
            and _unquoted(rendered_metadata_default) == ''):
        # An empty-string default (conductor_group): SQLite and MySQL
        # report it quoted, which alembic takes for a change.
        return _unquoted(inspected_default) != ''
    inspected = _as_boolean(inspected_default)
    expected = _as_boolean(rendered_metadata_default)
    if inspected is None or expected is None:
        return None
    return inspected != expected


def snapshot(engine):
    """Tables, columns, unique constraints, indexes and foreign keys."""
    inspector = sa.inspect(engine)
    schema = {}
    for table in inspector.get_table_names():
        if table == 'alembic_version':
            continue
        schema[table] = {
            'columns': {c['name']: (str(c['type']), c['nullable'])
                        for c in inspector.get_columns(table)},
            'unique': sorted(
                (u['name'], tuple(u['column_names']))
                for u in inspector.get_unique_constraints(table)),
            'indexes': sorted(
                (i['name'], tuple(i['column_names']))
                for i in inspector.get_indexes(table)
                # MySQL shows a unique constraint as an index too.
                if not i.get('unique')),
            'foreign_keys': sorted(
                (tuple(f['constrained_columns']), f['referred_table'])
                for f in inspector.get_foreign_keys(table)),
        }
    return schema


class TestMigrationWalk(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = testscenarios.multiply_scenarios(dbfixture.SCENARIOS,
                                                 TREE_SCENARIOS)

    def setUp(self):
        super().setUp()
        database = self.useFixture(dbfixture.ThrowawayDatabase(self.backend))
        self.engine = sa.create_engine(database.url,
                                       poolclass=sa.pool.NullPool)
        self.addCleanup(self.engine.dispose)

    def test_walk_versions(self):
        revisions = db_migrations.revisions(self.tree)
        self.assertTrue(revisions)
        before = {}
        for revision in revisions:
            before[revision] = snapshot(self.engine)
            db_migrations.upgrade(self.tree, self.engine, revision)
            self.assertEqual(revision,
                             db_migrations.current_version(self.engine))
            self.assertNotEqual(before[revision], snapshot(self.engine),
                                'revision %s changed nothing' % revision)
            check = getattr(self, '_check_%s' % revision, None)
            if check is not None:
                check()
        for index in reversed(range(len(revisions))):
            target = revisions[index - 1] if index else 'base'
            db_migrations.downgrade(self.tree, self.engine, target)
            self.assertEqual(before[revisions[index]], snapshot(self.engine),
                             'downgrade of %s did not restore the schema'
                             % revisions[index])
        self.assertIsNone(db_migrations.current_version(self.engine))
        self.assertEqual({}, snapshot(self.engine))
        db_migrations.upgrade(self.tree, self.engine, 'head')
        self.assertEqual(db_migrations.head(self.tree),
                         db_migrations.current_version(self.engine))
        self.assertModelsMatch()

    def assertModelsMatch(self):
        with self.engine.connect() as conn:
            context = migration.MigrationContext.configure(conn, opts={
                'compare_type': True,
                'compare_server_default': _compare_server_default,
            })
            diff = autogenerate.compare_metadata(context, MODELS[self.tree])
        self.assertEqual([], diff, 'models and migrations differ on %s'
                         % self.backend)

    def _insert(self, table, **values):
        with self.engine.begin() as conn:
            conn.execute(sa.table(table, *map(sa.column, values)).insert()
                         .values(**values))

    def _select(self, sql, **params):
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).one()

    # compute tree

    def _check_0001_services(self):
        tables = snapshot(self.engine)
        self.assertEqual({'services'}, set(tables))
        columns = tables['services']['columns']
        self.assertEqual({'id', 'uuid', 'host', 'binary', 'topic',
                          'report_count', 'disabled', 'disabled_reason',
                          'forced_down', 'last_seen_up', 'created_at',
                          'updated_at', 'deleted_at', 'deleted'},
                         set(columns))
        self.assertFalse(columns['forced_down'][1], 'forced_down nullable')
        # A row written by code that does not know forced_down is up.
        self._insert('services', uuid='u1', host='h', binary='nova-compute',
                     report_count=0, disabled=False, deleted=0)
        self.assertIs(False, bool(self._select(
            'SELECT forced_down FROM services WHERE uuid = :u', u='u1')[0]))
        # Soft delete frees host/binary; a second live row is refused.
        self._insert('services', uuid='u2', host='h', binary='nova-compute',
                     report_count=0, disabled=False, deleted=1)
        self.assertRaises(sa.exc.IntegrityError, self._insert, 'services',
                          uuid='u3', host='h', binary='nova-compute',
                          report_count=0, disabled=False, deleted=0)
        self.assertRaises(sa.exc.IntegrityError, self._insert, 'services',
                          uuid='u1', host='h2', binary='nova-compute',
                          report_count=0, disabled=False, deleted=0)

    def _check_0002_instances(self):
        tables = snapshot(self.engine)
        self.assertEqual({'services', 'instances', 'instance_actions',
                          'instance_actions_events'}, set(tables))
        self.assertIn(('instances_host_idx', ('host',)),
                      tables['instances']['indexes'])
        self.assertIn((('action_id',), 'instance_actions'),
                      tables['instance_actions_events']['foreign_keys'])
        self.assertIn('power_generation', tables['instances']['columns'])

    # baremetal tree

    def _check_0001_nodes(self):
        tables = snapshot(self.engine)
        self.assertEqual({'nodes', 'conductors'}, set(tables))
        self.assertEqual(
            [('uniq_nodes0instance_uuid', ('instance_uuid',)),
             ('uniq_nodes0name', ('name',)), ('uniq_nodes0uuid', ('uuid',))],
            tables['nodes']['unique'])
        self.assertIn('driver_info', tables['nodes']['columns'])

    def _check_0002_event_outbox(self):
        tables = snapshot(self.engine)
        self.assertIn('event_outbox', tables)
        self.assertIn(('event_outbox_status_next_idx',
                       ('status', 'next_attempt_at')),
                      tables['event_outbox']['indexes'])

    def _check_0003_node_lifecycle(self):
        tables = snapshot(self.engine)
        columns = tables['nodes']['columns']
        self.assertIn('resource_class', columns)
        self.assertIn('instance_info', columns)
        self.assertIn(('nodes_resource_class_idx', ('resource_class',)),
                      tables['nodes']['indexes'])
        self.assertIn((('node_id',), 'nodes'),
                      tables['node_traits']['foreign_keys'])
        # A node stored before the lifecycle keeps its state and gains
        # no resource class.
        self._insert('nodes', uuid='n1', driver='ipmi', maintenance=False,
                     power_sync_failures=0, provision_state='available')
        row = self._select('SELECT provision_state, resource_class FROM '
                           "nodes WHERE uuid = 'n1'")
        self.assertEqual(('available', None), tuple(row))
        with self.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM nodes WHERE uuid = 'n1'"))

    def _check_0004_conductor_groups(self):
        tables = snapshot(self.engine)
        self.assertIn('conductor_group', tables['nodes']['columns'])
        self.assertIn('conductor_group', tables['conductors']['columns'])
        # Rows stored before groups existed join the default group ''.
        self._insert('nodes', uuid='n4', driver='ipmi', maintenance=False,
                     power_sync_failures=0, provision_state='enroll')
        self._insert('conductors', hostname='c4', online=True)
        self.assertEqual(('',), tuple(self._select(
            "SELECT conductor_group FROM nodes WHERE uuid = 'n4'")))
        self.assertEqual(('',), tuple(self._select(
            "SELECT conductor_group FROM conductors WHERE hostname = 'c4'")))
        with self.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM nodes WHERE uuid = 'n4'"))
            conn.execute(sa.text(
                "DELETE FROM conductors WHERE hostname = 'c4'"))
