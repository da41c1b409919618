"""compute_ext.objects.services on SQLite, PostgreSQL and MariaDB."""

import datetime
import threading

import sqlalchemy as sa
import testscenarios
import testtools

from powerbridge import db
from compute_ext import context as compute_context
from compute_ext.db import models
from compute_ext import exception
from compute_ext.objects import services as service_obj
from tests.fixtures import dbfixture

COMPUTE = service_obj.COMPUTE_BINARY


class ServiceObjectTestCase(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = dbfixture.SCENARIOS

    def setUp(self):
        super().setUp()
        database = self.useFixture(dbfixture.ServiceDatabase(self.backend))
        self.ctx = compute_context.admin_context(database.db)

    def _add_instance(self, host, deleted=0):
        """An instance row placed on ``host``, written through the model."""
        table = models.Instance.__table__
        with self.ctx.db.writer.using(self.ctx) as session:
            session.execute(table.insert().values(
                uuid='%08d-0000-4000-8000-000000000000' % deleted,
                host=host, node='node-1', vm_state='active', power_state=1,
                power_generation=0, deleted=deleted))


class TestRegistration(ServiceObjectTestCase):

    def test_create_has_nova_defaults(self):
        service = service_obj.create(self.ctx, 'host1', COMPUTE, 'compute')
        self.assertEqual(('host1', COMPUTE, 'compute', 0),
                         (service.host, service.binary, service.topic,
                          service.report_count))
        self.assertIs(False, service.disabled)
        self.assertIs(False, service.forced_down)
        self.assertIsNone(service.disabled_reason)
        self.assertIsNone(service.last_seen_up)
        self.assertIsNotNone(service.created_at)
        self.assertEqual(service, service_obj.get_by_uuid(self.ctx,
                                                          service.uuid))
        self.assertEqual(service, service_obj.get_by_host_and_binary(
            self.ctx, 'host1', COMPUTE))

    def test_duplicate_registration_is_a_duplicate_entry(self):
        # get_or_create relies on oslo.db turning each engine's unique
        # violation into DBDuplicateEntry.
        service_obj.create(self.ctx, 'host1', COMPUTE)
        self.assertRaises(db.DBDuplicateEntry, service_obj.create, self.ctx,
                          'host1', COMPUTE)

    def test_get_or_create_returns_the_existing_row(self):
        first = service_obj.get_or_create(self.ctx, 'host1', COMPUTE)
        again = service_obj.get_or_create(self.ctx, 'host1', COMPUTE)
        self.assertEqual(first.id, again.id)
        self.assertEqual(1, len(service_obj.get_all(self.ctx)))

    def test_racing_registrations_share_one_row(self):
        # Agents of one host starting at once: every caller must end up
        # with the same row, whichever insert won.
        starters = 4
        barrier = threading.Barrier(starters)
        results, errors = [], []

        def register():
            barrier.wait()
            try:
                results.append(service_obj.get_or_create(self.ctx, 'host1',
                                                         COMPUTE))
            except Exception as exc:  # reported below, with the cause
                errors.append(exc)

        threads = [threading.Thread(target=register) for _ in range(starters)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual([], errors)
        self.assertEqual(1, len({s.uuid for s in results}))
        self.assertEqual(1, len(service_obj.get_all(self.ctx)))

    def test_get_all_filters_exactly(self):
        service_obj.create(self.ctx, 'host1', COMPUTE)
        service_obj.create(self.ctx, 'host1', 'nova-scheduler')
        service_obj.create(self.ctx, 'host10', COMPUTE)
        self.assertEqual(['host1', 'host1', 'host10'],
                         [s.host for s in service_obj.get_all(self.ctx)])
        self.assertEqual(
            [('host1', COMPUTE)],
            [(s.host, s.binary) for s in service_obj.get_all(
                self.ctx, host='host1', binary=COMPUTE)])
        self.assertEqual([], service_obj.get_all(self.ctx, host='host'))

    def test_unknown_lookups_raise_not_found(self):
        self.assertRaises(exception.ServiceNotFound, service_obj.get_by_id,
                          self.ctx, 42)
        self.assertRaises(exception.ServiceNotFound, service_obj.get_by_uuid,
                          self.ctx, '9b0c3b07-2b6e-4e0a-9b43-6f2b3a1d9e11')
        self.assertRaises(exception.HostBinaryNotFound,
                          service_obj.get_by_host_and_binary, self.ctx,
                          'nohost', COMPUTE)


class TestHeartbeat(ServiceObjectTestCase):

    def test_heartbeat_bumps_count_and_last_seen_up(self):
        service = service_obj.create(self.ctx, 'host1', COMPUTE)
        before = db.utcnow().replace(microsecond=0)
        service_obj.report_state(self.ctx, service.id)
        service_obj.report_state(self.ctx, service.id)
        after = service_obj.get_by_id(self.ctx, service.id)
        self.assertEqual(2, after.report_count)
        # MySQL DATETIME may drop the microseconds.
        self.assertGreaterEqual(after.last_seen_up, before)
        self.assertEqual(after.last_seen_up, after.updated_at)

    def test_heartbeat_leaves_forced_down_alone(self):
        service = service_obj.create(self.ctx, 'host1', COMPUTE)
        service_obj.update(self.ctx, service.id, forced_down=True)
        service_obj.report_state(self.ctx, service.id)
        after = service_obj.get_by_id(self.ctx, service.id)
        self.assertIs(True, after.forced_down)
        self.assertEqual(1, after.report_count)

    def test_heartbeat_of_a_deleted_service_is_not_found(self):
        service = service_obj.create(self.ctx, 'host1', COMPUTE)
        service_obj.destroy(self.ctx, service)
        self.assertRaises(exception.ServiceNotFound,
                          service_obj.report_state, self.ctx, service.id)


class TestAdminUpdates(ServiceObjectTestCase):

    def test_update_does_not_touch_last_seen_up(self):
        # Liveness must only move with heartbeats, never with admin PUTs.
        service = service_obj.create(self.ctx, 'host1', COMPUTE)
        seen = datetime.datetime(2020, 1, 2, 3, 4, 5)
        service_obj.update(self.ctx, service.id, last_seen_up=seen)
        updated = service_obj.update(self.ctx, service.id, disabled=True,
                                     disabled_reason='maintenance')
        self.assertEqual(seen, updated.last_seen_up)
        self.assertEqual((True, 'maintenance'),
                         (updated.disabled, updated.disabled_reason))
        self.assertIsNotNone(updated.updated_at)

    def test_update_of_a_deleted_service_is_not_found(self):
        service = service_obj.create(self.ctx, 'host1', COMPUTE)
        service_obj.destroy(self.ctx, service)
        self.assertRaises(exception.ServiceNotFound, service_obj.update,
                          self.ctx, service.id, forced_down=True)

    def test_update_by_host_and_binary(self):
        service = service_obj.create(self.ctx, 'host1', COMPUTE)
        written = service_obj.update_by_host_and_binary(
            self.ctx, 'host1', COMPUTE, forced_down=True)
        self.assertIs(True, written.forced_down)
        self.assertEqual(written, service_obj.get_by_id(self.ctx,
                                                        service.id))
        service_obj.destroy(self.ctx, service)
        self.assertRaises(exception.HostBinaryNotFound,
                          service_obj.update_by_host_and_binary, self.ctx,
                          'host1', COMPUTE, forced_down=False)


class TestDestroy(ServiceObjectTestCase):

    def test_destroy_refuses_a_compute_hosting_instances(self):
        service = service_obj.create(self.ctx, 'host1', COMPUTE)
        self._add_instance('host1')
        self.assertRaises(exception.ServiceInUse, service_obj.destroy,
                          self.ctx, service)
        self.assertEqual(service, service_obj.get_by_id(self.ctx,
                                                        service.id))

    def test_destroy_ignores_deleted_instances_and_other_hosts(self):
        service = service_obj.create(self.ctx, 'host1', COMPUTE)
        self._add_instance('host1', deleted=7)
        self._add_instance('host2')
        service_obj.destroy(self.ctx, service)
        self.assertRaises(exception.ServiceNotFound, service_obj.get_by_id,
                          self.ctx, service.id)

    def test_only_compute_services_are_held_by_instances(self):
        scheduler = service_obj.create(self.ctx, 'host1', 'nova-scheduler')
        self._add_instance('host1')
        service_obj.destroy(self.ctx, scheduler)
        self.assertEqual([], service_obj.get_all(self.ctx))

    def test_destroy_twice_is_not_found(self):
        service = service_obj.create(self.ctx, 'host1', COMPUTE)
        service_obj.destroy(self.ctx, service)
        self.assertRaises(exception.ServiceNotFound, service_obj.destroy,
                          self.ctx, service)

    def test_soft_delete_lets_the_host_register_again(self):
        old = service_obj.create(self.ctx, 'host1', COMPUTE)
        service_obj.destroy(self.ctx, old)
        new = service_obj.get_or_create(self.ctx, 'host1', COMPUTE)
        self.assertNotEqual(old.id, new.id)
        self.assertNotEqual(old.uuid, new.uuid)
        self.assertEqual([new.id], [s.id for s in
                                    service_obj.get_all(self.ctx)])
        self.assertRaises(exception.ServiceNotFound, service_obj.get_by_uuid,
                          self.ctx, old.uuid)
        # The deleted row is still there, marked with its own id.
        table = models.Service.__table__
        with self.ctx.db.reader.using(self.ctx) as session:
            deleted = session.execute(
                sa.select(table.c.deleted, table.c.deleted_at).where(
                    table.c.id == old.id)).one()
        self.assertEqual(old.id, deleted.deleted)
        self.assertIsNotNone(deleted.deleted_at)
