"""decision lists: 支給決定 proposed by the secretariat and approved by the municipality's liaison

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'exchange_decision_list',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('line_count', sa.Integer(), nullable=False),
        sa.Column('total_yen', sa.Integer(), nullable=False),
        sa.Column('flagged_count', sa.Integer(), nullable=False),
        sa.Column('directory', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('proposed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_exchange_decision_list_municipality_id', 'exchange_decision_list', ['municipality_id'])
    op.create_index('ix_exchange_decision_list_programme_id', 'exchange_decision_list', ['programme_id'])
    op.create_table(
        'exchange_decision_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('decision_list_id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('household_number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('head_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('amount_yen', sa.Integer(), nullable=False),
        sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('flags', sa.JSON(), nullable=True),
        sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('outcome_note', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(['decision_list_id'], ['exchange_decision_list.id'], ),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
        sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
        sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_exchange_decision_line_decision_list_id', 'exchange_decision_line', ['decision_list_id'])
    op.create_index('ix_exchange_decision_line_municipality_id', 'exchange_decision_line', ['municipality_id'])
    op.create_index('ix_exchange_decision_line_application_id', 'exchange_decision_line', ['application_id'])


def downgrade() -> None:
    op.drop_table('exchange_decision_line')
    op.drop_table('exchange_decision_list')
