"""instances, instance actions and their events

Revision ID: 0002_instances
Revises: 0001_services
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa

revision = '0002_instances'
down_revision = '0001_services'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'instances',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255)),
        sa.Column('host', sa.String(255)),
        sa.Column('node', sa.String(255)),
        sa.Column('vm_state', sa.String(255)),
        sa.Column('power_state', sa.Integer, nullable=False),
        sa.Column('task_state', sa.String(255)),
        sa.Column('project_id', sa.String(255)),
        sa.Column('user_id', sa.String(255)),
        sa.Column('power_generation', sa.Integer, nullable=False),
        sa.Column('launched_at', sa.DateTime),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.Column('deleted_at', sa.DateTime),
        sa.Column('deleted', sa.Integer, nullable=False),
        sa.UniqueConstraint('uuid', name='uniq_instances0uuid'),
    )
    op.create_index('instances_host_idx', 'instances', ['host'])
    op.create_index('instances_node_idx', 'instances', ['node'])
    op.create_table(
        'instance_actions',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('action', sa.String(255)),
        sa.Column('instance_uuid', sa.String(36), nullable=False),
        sa.Column('request_id', sa.String(255)),
        sa.Column('user_id', sa.String(255)),
        sa.Column('project_id', sa.String(255)),
        sa.Column('start_time', sa.DateTime),
        sa.Column('finish_time', sa.DateTime),
        sa.Column('message', sa.String(255)),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
    )
    op.create_index('instance_actions_instance_uuid_idx', 'instance_actions',
                    ['instance_uuid'])
    op.create_index('instance_actions_request_id_idx', 'instance_actions',
                    ['request_id'])
    op.create_table(
        'instance_actions_events',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('event', sa.String(255)),
        sa.Column('action_id', sa.Integer,
                  sa.ForeignKey('instance_actions.id'), nullable=False),
        sa.Column('start_time', sa.DateTime),
        sa.Column('finish_time', sa.DateTime),
        sa.Column('result', sa.String(255)),
        sa.Column('traceback', sa.Text),
        sa.Column('host', sa.String(255)),
        sa.Column('details', sa.Text),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
    )


def downgrade():
    op.drop_table('instance_actions_events')
    op.drop_table('instance_actions')
    op.drop_table('instances')
