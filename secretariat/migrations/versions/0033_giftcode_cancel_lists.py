"""gift-code cancel lists: each list sent to the provider, and the codes on it (each code once)

Revision ID: 0033
Revises: 0032
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'exchange_gift_code_cancel_list',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('code_count', sa.Integer(), nullable=False),
        sa.Column('made_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_exchange_gift_code_cancel_list_municipality_id', 'exchange_gift_code_cancel_list',
                    ['municipality_id'])
    op.create_index('ix_exchange_gift_code_cancel_list_programme_id', 'exchange_gift_code_cancel_list',
                    ['programme_id'])
    op.create_table(
        'exchange_gift_code_cancel_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cancel_list_id', sa.Integer(), nullable=False),
        sa.Column('gift_code_id', sa.Integer(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.ForeignKeyConstraint(['cancel_list_id'], ['exchange_gift_code_cancel_list.id'], ),
        sa.ForeignKeyConstraint(['gift_code_id'], ['exchange_gift_code.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('gift_code_id'),
    )
    op.create_index('ix_exchange_gift_code_cancel_entry_cancel_list_id', 'exchange_gift_code_cancel_entry',
                    ['cancel_list_id'])


def downgrade() -> None:
    op.drop_table('exchange_gift_code_cancel_entry')
    op.drop_table('exchange_gift_code_cancel_list')
