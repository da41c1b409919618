"""SQLAlchemy models of the bare metal database (migrations: db_migrations)."""

import sqlalchemy as sa
from sqlalchemy import orm

from powerbridge import db


class Base(orm.DeclarativeBase):
    pass


class Node(Base):
    __tablename__ = 'nodes'
    __table_args__ = (
        sa.UniqueConstraint('uuid', name='uniq_nodes0uuid'),
        sa.UniqueConstraint('name', name='uniq_nodes0name'),
        sa.UniqueConstraint('instance_uuid', name='uniq_nodes0instance_uuid'),
        sa.Index('nodes_reservation_idx', 'reservation'),
        sa.Index('nodes_maintenance_idx', 'maintenance'),
        sa.Index('nodes_resource_class_idx', 'resource_class'),
        sa.Index('nodes_provision_state_idx', 'provision_state'),
        sa.Index('nodes_conductor_group_idx', 'conductor_group'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255))
    driver = sa.Column(sa.String(255), nullable=False)
    # JSON text; holds the BMC password, which no response or log shows.
    driver_info = sa.Column(sa.Text)
    extra = sa.Column(sa.Text)
    properties = sa.Column(sa.Text)
    power_state = sa.Column(sa.String(15))
    target_power_state = sa.Column(sa.String(15))
    provision_state = sa.Column(sa.String(15))
    target_provision_state = sa.Column(sa.String(15))
    provision_updated_at = sa.Column(sa.DateTime)
    instance_uuid = sa.Column(sa.String(36))
    maintenance = sa.Column(sa.Boolean, nullable=False, default=False)
    maintenance_reason = sa.Column(sa.Text)
    fault = sa.Column(sa.String(255))
    reservation = sa.Column(sa.String(255))
    last_error = sa.Column(sa.Text)
    # Consecutive failed power syncs, kept in the row (Ironic keeps it in
    # memory) so a conductor restart does not reset the road to
    # 'power failure'.
    power_sync_failures = sa.Column(sa.Integer, nullable=False, default=0)
    resource_class = sa.Column(sa.String(80))
    # JSON text: what the deployer (Nova's driver) records about the
    # instance; nothing here reads it.
    instance_info = sa.Column(sa.Text)
    # Only live conductors of this group own the node (API 1.46); '' is
    # the default group.
    conductor_group = sa.Column(sa.String(255), nullable=False, default='',
                                server_default='')
    created_at, updated_at = db.timestamp_columns()


class NodeTrait(Base):
    """A node's traits (API 1.37), one row each, as in Ironic."""

    __tablename__ = 'node_traits'
    __table_args__ = (
        sa.Index('node_traits_idx', 'trait'),
    )

    node_id = sa.Column(sa.Integer,
                        sa.ForeignKey('nodes.id',
                                      name='node_traits_node_id_fkey',
                                      ondelete='CASCADE'),
                        primary_key=True)
    trait = sa.Column(sa.String(255), primary_key=True)
    created_at, updated_at = db.timestamp_columns()


class Conductor(Base):
    __tablename__ = 'conductors'
    __table_args__ = (
        sa.UniqueConstraint('hostname', name='uniq_conductors0hostname'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    hostname = sa.Column(sa.String(255), nullable=False)
    online = sa.Column(sa.Boolean, nullable=False, default=True)
    conductor_group = sa.Column(sa.String(255), nullable=False, default='',
                                server_default='')
    created_at, updated_at = db.timestamp_columns()


class NodeAction(Base):
    """A power or provision action accepted by an API process, waiting
    for (or carried out by) the node's owning conductor.

    The API writes the row in the transaction that reserves the node for
    it; a conductor claims it with one conditional UPDATE (status
    'queued' -> 'claimed'), marks it 'running' just before the BMC is
    touched, and records the end in the transaction that writes the node.
    """

    __tablename__ = 'node_actions'
    __table_args__ = (
        sa.Index('node_actions_status_idx', 'status', 'id'),
        sa.Index('node_actions_node_uuid_idx', 'node_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    node_uuid = sa.Column(sa.String(36), nullable=False)
    # 'power' (target: an Ironic power target) or 'provision' (target: an
    # Ironic provision event).
    kind = sa.Column(sa.String(16), nullable=False)
    target = sa.Column(sa.String(32), nullable=False)
    timeout = sa.Column(sa.Float)
    # queued -> claimed -> running -> done | failed
    status = sa.Column(sa.String(16), nullable=False)
    conductor = sa.Column(sa.String(255))
    claimed_at = sa.Column(sa.DateTime)
    finished_at = sa.Column(sa.DateTime)
    last_error = sa.Column(sa.Text)
    created_at, updated_at = db.timestamp_columns()


class EventOutbox(Base):
    """power-update events waiting for (or done with) delivery to Nova.

    A row is written in the same transaction as the node's power_state
    change, so an event can only be lost together with the state change.
    """

    __tablename__ = 'event_outbox'
    __table_args__ = (
        sa.Index('event_outbox_status_next_idx', 'status', 'next_attempt_at'),
        sa.Index('event_outbox_instance_idx', 'instance_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    node_uuid = sa.Column(sa.String(36), nullable=False)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    tag = sa.Column(sa.String(16), nullable=False)
    # pending -> delivered | undeliverable | superseded
    status = sa.Column(sa.String(16), nullable=False, default='pending')
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    next_attempt_at = sa.Column(sa.DateTime)
    last_error = sa.Column(sa.Text)
    delivered_at = sa.Column(sa.DateTime)
    created_at, updated_at = db.timestamp_columns()
