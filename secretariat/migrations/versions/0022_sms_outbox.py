"""sms outbox: texts to residents asked for by any domain, sent by the call center's SMS job

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table('sms_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('kind', String(length=40), nullable=False),
    sa.Column('body', String(length=670), nullable=False),
    sa.Column('state', String(length=10), nullable=False),
    sa.Column('requested_by', String(length=100), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message_sid', String(length=64), nullable=False),
    sa.Column('error', String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_sms_request_household_id', 'sms_request', ['household_id'], unique=False)
    op.create_index('ix_sms_request_municipality_id', 'sms_request', ['municipality_id'], unique=False)
    op.create_index('ix_sms_request_waiting', 'sms_request', ['state', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_sms_request_waiting', table_name='sms_request')
    op.drop_index('ix_sms_request_municipality_id', table_name='sms_request')
    op.drop_index('ix_sms_request_household_id', table_name='sms_request')
    op.drop_table('sms_request')
