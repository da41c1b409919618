"""conductor groups: nodes.conductor_group and conductors.conductor_group

Revision ID: 0004_conductor_groups
Revises: 0003_node_lifecycle
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa

revision = '0004_conductor_groups'
down_revision = '0003_node_lifecycle'
branch_labels = None
depends_on = None


def upgrade():
    # NOTE: '' is Ironic's default group: every conductor and node stored
    # before groups existed belongs to it, so ownership does not change.
    op.add_column('nodes', sa.Column('conductor_group', sa.String(255),
                                     nullable=False, server_default=''))
    op.add_column('conductors', sa.Column('conductor_group', sa.String(255),
                                          nullable=False, server_default=''))
    op.create_index('nodes_conductor_group_idx', 'nodes', ['conductor_group'])


def downgrade():
    op.drop_index('nodes_conductor_group_idx', table_name='nodes')
    with op.batch_alter_table('conductors') as batch:
        batch.drop_column('conductor_group')
    with op.batch_alter_table('nodes') as batch:
        batch.drop_column('conductor_group')
