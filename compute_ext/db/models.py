"""SQLAlchemy models of the compute database (migrations: db_migrations)."""

import sqlalchemy as sa
from sqlalchemy import orm

from powerbridge import db


class Base(orm.DeclarativeBase):
    pass


class Service(Base):
    __tablename__ = 'services'
    __table_args__ = (
        # Soft-deleted rows carry deleted=id, so a host can re-register.
        sa.UniqueConstraint('host', 'binary', 'deleted',
                            name='uniq_services0host0binary0deleted'),
        sa.UniqueConstraint('uuid', name='uniq_services0uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    host = sa.Column(sa.String(255), nullable=False)
    binary = sa.Column(sa.String(255), nullable=False)
    topic = sa.Column(sa.String(255))
    report_count = sa.Column(sa.Integer, nullable=False, default=0)
    disabled = sa.Column(sa.Boolean, nullable=False, default=False)
    disabled_reason = sa.Column(sa.String(255))
    forced_down = sa.Column(sa.Boolean, nullable=False, default=False,
                            server_default=sa.false())
    last_seen_up = sa.Column(sa.DateTime)
    created_at, updated_at = db.timestamp_columns()
    deleted_at = sa.Column(sa.DateTime)
    deleted = sa.Column(sa.Integer, nullable=False, default=0)


class Instance(Base):
    __tablename__ = 'instances'
    __table_args__ = (
        sa.UniqueConstraint('uuid', name='uniq_instances0uuid'),
        sa.Index('instances_host_idx', 'host'),
        sa.Index('instances_node_idx', 'node'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255))
    host = sa.Column(sa.String(255))
    node = sa.Column(sa.String(255))
    vm_state = sa.Column(sa.String(255))
    power_state = sa.Column(sa.Integer, nullable=False, default=0)
    task_state = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255))
    user_id = sa.Column(sa.String(255))
    # Bumped by every power state write. The periodic sync remembers the
    # value it read and only forces a state while it is unchanged, so a
    # newer power-update event always wins over a stale sync decision.
    power_generation = sa.Column(sa.Integer, nullable=False, default=0)
    launched_at = sa.Column(sa.DateTime)
    created_at, updated_at = db.timestamp_columns()
    deleted_at = sa.Column(sa.DateTime)
    deleted = sa.Column(sa.Integer, nullable=False, default=0)


class InstanceAction(Base):
    __tablename__ = 'instance_actions'
    __table_args__ = (
        sa.Index('instance_actions_instance_uuid_idx', 'instance_uuid'),
        sa.Index('instance_actions_request_id_idx', 'request_id'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    action = sa.Column(sa.String(255))
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    request_id = sa.Column(sa.String(255))
    user_id = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255))
    start_time = sa.Column(sa.DateTime)
    finish_time = sa.Column(sa.DateTime)
    message = sa.Column(sa.String(255))
    created_at, updated_at = db.timestamp_columns()


class InstanceActionEvent(Base):
    __tablename__ = 'instance_actions_events'

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    event = sa.Column(sa.String(255))
    action_id = sa.Column(sa.Integer, sa.ForeignKey('instance_actions.id'),
                          nullable=False)
    start_time = sa.Column(sa.DateTime)
    finish_time = sa.Column(sa.DateTime)
    result = sa.Column(sa.String(255))
    traceback = sa.Column(sa.Text)
    host = sa.Column(sa.String(255))
    details = sa.Column(sa.Text)
    created_at, updated_at = db.timestamp_columns()
