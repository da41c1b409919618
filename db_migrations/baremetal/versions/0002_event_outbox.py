"""event_outbox: durable power-update events for the Compute API

Revision ID: 0002_event_outbox
Revises: 0001_nodes
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa

revision = '0002_event_outbox'
down_revision = '0001_nodes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'event_outbox',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('node_uuid', sa.String(36), nullable=False),
        sa.Column('instance_uuid', sa.String(36), nullable=False),
        sa.Column('tag', sa.String(16), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('attempts', sa.Integer, nullable=False),
        sa.Column('next_attempt_at', sa.DateTime),
        sa.Column('last_error', sa.Text),
        sa.Column('delivered_at', sa.DateTime),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
    )
    op.create_index('event_outbox_status_next_idx', 'event_outbox',
                    ['status', 'next_attempt_at'])
    op.create_index('event_outbox_instance_idx', 'event_outbox',
                    ['instance_uuid'])


def downgrade():
    op.drop_table('event_outbox')
