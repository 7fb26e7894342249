"""municipal mappings: a municipality's own column mapping in the store, and which one read a file

Revision ID: 0011
Revises: 0010

Files received before this revision were all read with a mapping under templates/mappings/ (its
name is in exchange_target_file.mapping), so their mapping_id stays empty.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'exchange_column_mapping',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('uploaded_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('exchange_column_mapping', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_column_mapping_municipality_id'), ['municipality_id'],
                              unique=False)
    with op.batch_alter_table('exchange_target_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mapping_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_exchange_target_file_mapping_id', 'exchange_column_mapping',
                                    ['mapping_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('exchange_target_file', schema=None) as batch_op:
        batch_op.drop_constraint('fk_exchange_target_file_mapping_id', type_='foreignkey')
        batch_op.drop_column('mapping_id')
    with op.batch_alter_table('exchange_column_mapping', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_column_mapping_municipality_id'))
    op.drop_table('exchange_column_mapping')
