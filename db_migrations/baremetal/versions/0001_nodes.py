"""nodes and conductors

Revision ID: 0001_nodes
Revises:
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa

revision = '0001_nodes'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'nodes',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255)),
        sa.Column('driver', sa.String(255), nullable=False),
        sa.Column('driver_info', sa.Text),
        sa.Column('extra', sa.Text),
        sa.Column('properties', sa.Text),
        sa.Column('power_state', sa.String(15)),
        sa.Column('target_power_state', sa.String(15)),
        sa.Column('provision_state', sa.String(15)),
        sa.Column('target_provision_state', sa.String(15)),
        sa.Column('provision_updated_at', sa.DateTime),
        sa.Column('instance_uuid', sa.String(36)),
        sa.Column('maintenance', sa.Boolean, nullable=False),
        sa.Column('maintenance_reason', sa.Text),
        sa.Column('fault', sa.String(255)),
        sa.Column('reservation', sa.String(255)),
        sa.Column('last_error', sa.Text),
        sa.Column('power_sync_failures', sa.Integer, nullable=False),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.UniqueConstraint('uuid', name='uniq_nodes0uuid'),
        sa.UniqueConstraint('name', name='uniq_nodes0name'),
        sa.UniqueConstraint('instance_uuid', name='uniq_nodes0instance_uuid'),
    )
    op.create_index('nodes_reservation_idx', 'nodes', ['reservation'])
    op.create_index('nodes_maintenance_idx', 'nodes', ['maintenance'])
    op.create_table(
        'conductors',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('hostname', sa.String(255), nullable=False),
        sa.Column('online', sa.Boolean, nullable=False),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.UniqueConstraint('hostname', name='uniq_conductors0hostname'),
    )


def downgrade():
    op.drop_table('conductors')
    op.drop_table('nodes')
