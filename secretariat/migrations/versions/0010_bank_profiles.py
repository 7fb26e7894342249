"""bank profiles: a programme's paying account and its bank's Zengin conventions

Revision ID: 0010
Revises: 0009

Batches prepared before this revision were written with CRLF after every record and spaces in
手形交換所番号, so that is what their new columns say.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'exchange_bank_profile',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('requester_code', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('requester_name_kana', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('from_bank_code', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column('from_branch_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column('from_account_type', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('from_account_number', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column('record_separator', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('clearing_house_fill', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('programme_id'),
    )
    with op.batch_alter_table('exchange_bank_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_bank_profile_municipality_id'), ['municipality_id'],
                              unique=False)
    with op.batch_alter_table('exchange_payment_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_separator', sqlmodel.sql.sqltypes.AutoString(length=10),
                                      nullable=False, server_default='crlf'))
        batch_op.add_column(sa.Column('clearing_house_fill', sqlmodel.sql.sqltypes.AutoString(length=10),
                                      nullable=False, server_default='spaces'))


def downgrade() -> None:
    with op.batch_alter_table('exchange_payment_batch', schema=None) as batch_op:
        batch_op.drop_column('clearing_house_fill')
        batch_op.drop_column('record_separator')
    with op.batch_alter_table('exchange_bank_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_bank_profile_municipality_id'))
    op.drop_table('exchange_bank_profile')
