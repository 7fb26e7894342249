"""worked queues: a call-back is closed by whoever made it, an address change by the municipality

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('callcenter_callback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('done_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('callcenter_address_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolved_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('resolution', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('resolution_note', sqlmodel.sql.sqltypes.AutoString(length=300),
                                      nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('callcenter_address_change', schema=None) as batch_op:
        for column in ('resolution_note', 'resolution', 'resolved_by', 'resolved_at'):
            batch_op.drop_column(column)
    with op.batch_alter_table('callcenter_callback', schema=None) as batch_op:
        batch_op.drop_column('outcome')
        batch_op.drop_column('done_by')
