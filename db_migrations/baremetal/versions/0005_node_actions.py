"""node_actions: power and provision actions queued for the conductors

Revision ID: 0005_node_actions
Revises: 0004_conductor_groups
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa

revision = '0005_node_actions'
down_revision = '0004_conductor_groups'
branch_labels = None
depends_on = None


def upgrade():
    # NOTE: the shared database is the queue between API processes and
    # conductors: a row written in the API's transaction survives the
    # death of any process, and claiming it is one conditional UPDATE.
    op.create_table(
        'node_actions',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('node_uuid', sa.String(36), nullable=False),
        # 'power' (target: an Ironic power target) or 'provision'
        # (target: an Ironic provision event).
        sa.Column('kind', sa.String(16), nullable=False),
        sa.Column('target', sa.String(32), nullable=False),
        sa.Column('timeout', sa.Float),
        # queued -> claimed -> running -> done | failed
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('conductor', sa.String(255)),
        sa.Column('claimed_at', sa.DateTime),
        sa.Column('finished_at', sa.DateTime),
        sa.Column('last_error', sa.Text),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
    )
    op.create_index('node_actions_status_idx', 'node_actions',
                    ['status', 'id'])
    op.create_index('node_actions_node_uuid_idx', 'node_actions',
                    ['node_uuid'])


def downgrade():
    op.drop_index('node_actions_node_uuid_idx', table_name='node_actions')
    op.drop_index('node_actions_status_idx', table_name='node_actions')
    op.drop_table('node_actions')
