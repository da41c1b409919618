"""node lifecycle fields: resource_class, instance_info, traits

Revision ID: 0003_node_lifecycle
Revises: 0002_event_outbox
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa

revision = '0003_node_lifecycle'
down_revision = '0002_event_outbox'
branch_labels = None
depends_on = None


def upgrade():
    # NOTE: rows already stored stay in their provision state: nodes
    # enrolled before the lifecycle existed were 'available' or 'active',
    # both states of Ironic's machine.
    op.add_column('nodes', sa.Column('resource_class', sa.String(80)))
    op.add_column('nodes', sa.Column('instance_info', sa.Text))
    # Ironic's indexes for the filters Nova's driver and operators use.
    op.create_index('nodes_resource_class_idx', 'nodes', ['resource_class'])
    op.create_index('nodes_provision_state_idx', 'nodes',
                    ['provision_state'])
    op.create_table(
        'node_traits',
        sa.Column('node_id', sa.Integer,
                  sa.ForeignKey('nodes.id', name='node_traits_node_id_fkey',
                                ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('trait', sa.String(255), primary_key=True),
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
    )
    op.create_index('node_traits_idx', 'node_traits', ['trait'])


def downgrade():
    op.drop_table('node_traits')
    op.drop_index('nodes_provision_state_idx', table_name='nodes')
    op.drop_index('nodes_resource_class_idx', table_name='nodes')
    with op.batch_alter_table('nodes') as batch:
        batch.drop_column('instance_info')
        batch.drop_column('resource_class')
