"""Fixtures for conductor tests (no tests here).

A migrated bare metal database, a private ConfigOpts, a ConductorManager
that is built but not started (tests call its cycles directly), and
helpers to enroll and read nodes and outbox events.
"""

import json

import fixtures
from oslo_config import cfg
from oslo_utils import uuidutils
import sqlalchemy as sa

from baremetal_notifier import conf as baremetal_conf
from baremetal_notifier.conductor import manager
from baremetal_notifier.db import models
from baremetal_notifier.drivers import fake
from tests import dbfixture

HOST = 'conductor-1'
NODES = models.Node.__table__
OUTBOX = models.EventOutbox.__table__
PASSWORD = 'n0t-in-any-log'


def make_conf(connection, **groups):
    """A private ConfigOpts; ``groups`` maps a group name (DEFAULT too) to
    a dict of option overrides."""
    conf = cfg.ConfigOpts()
    baremetal_conf.register_opts(conf)
    conf([], project='baremetal-notifier', default_config_files=[])
    groups.setdefault('DEFAULT', {}).setdefault('host', HOST)
    groups.setdefault('database', {})['connection'] = connection
    # NOTE: no periodic loops unless a test asks for them.
    conductor = groups.setdefault('conductor', {})
    conductor.setdefault('sync_power_state_interval', 0)
    conductor.setdefault('power_failure_recovery_interval', 0)
    for group, values in groups.items():
        for name, value in values.items():
            conf.set_override(name, value,
                              group=None if group == 'DEFAULT' else group)
    return conf


def driver_info(address='192.0.2.10', port=623, username='admin',
                password=PASSWORD):
    return {'ipmi_address': address, 'ipmi_port': port,
            'ipmi_username': username, 'ipmi_password': password}


class ConductorFixture(fixtures.Fixture):
    """A ConductorManager on a throwaway database.

    :param backend: 'sqlite', 'postgresql' or 'mysql'.
    :param driver: the PowerDriver; a FakePowerDriver by default.
    :param sync_deadline: the cycles' BMC deadline in seconds.
    :param groups: option overrides, as for make_conf.
    """

    def __init__(self, backend='sqlite', driver=None, sync_deadline=5.0,
                 **groups):
        super().__init__()
        self.backend = backend
        self.driver = driver
        self.sync_deadline = sync_deadline
        self.groups = groups

    def _setUp(self):
        database = self.useFixture(
            dbfixture.ServiceDatabase(self.backend, 'baremetal'))
        self.db = database.db
        self.conf = make_conf(database.url, **self.groups)
        if self.driver is None:
            self.driver = fake.FakePowerDriver()
        self.manager = self.new_manager()
        self.ctx = self.manager.ctx

    def new_manager(self, host=None):
        """Another manager on the same database (a second conductor)."""
        conf = self.conf
        if host is not None:
            conf = make_conf(self.db.connection, DEFAULT={'host': host},
                             **{k: v for k, v in self.groups.items()
                                if k != 'DEFAULT'})
        conductor = manager.ConductorManager(conf, self.db, self.driver,
                                             sync_deadline=self.sync_deadline)
        self.addCleanup(conductor.stop, timeout=5)
        return conductor

    def add_node(self, node_uuid=None, info=None, **values):
        """Insert a node row; returns its uuid."""
        node_uuid = node_uuid or uuidutils.generate_uuid()
        values.setdefault('driver', 'ipmi')
        values.setdefault('provision_state', 'available')
        values.setdefault('maintenance', False)
        values.setdefault('power_sync_failures', 0)
        if 'driver_info' not in values:
            values['driver_info'] = json.dumps(info or driver_info())
        with self.db.writer.using(self.ctx) as session:
            session.execute(NODES.insert().values(uuid=node_uuid, **values))
        return node_uuid

    def update_node(self, node_uuid, **values):
        with self.db.writer.using(self.ctx) as session:
            session.execute(NODES.update().where(NODES.c.uuid == node_uuid)
                            .values(**values))

    def delete_node(self, node_uuid):
        with self.db.writer.using(self.ctx) as session:
            session.execute(NODES.delete().where(NODES.c.uuid == node_uuid))

    def node(self, node_uuid):
        """The node's row as a dict."""
        with self.db.reader.using(self.ctx) as session:
            row = session.execute(sa.select(NODES).where(
                NODES.c.uuid == node_uuid)).mappings().one()
        return dict(row)

    def events(self, node_uuid=None):
        """Outbox rows as (node_uuid, instance_uuid, tag), oldest first."""
        query = sa.select(OUTBOX.c.node_uuid, OUTBOX.c.instance_uuid,
                          OUTBOX.c.tag).order_by(OUTBOX.c.id)
        if node_uuid is not None:
            query = query.where(OUTBOX.c.node_uuid == node_uuid)
        with self.db.reader.using(self.ctx) as session:
            return [tuple(row) for row in session.execute(query)]
