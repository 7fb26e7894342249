"""online: residents apply from the notice (ファストパス): household links, the second factor's throttle,
residents' sessions, online submissions and their photos; a receipt's channel

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table('mailroom_receipt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', String(length=10), nullable=False, server_default='paper'))
    op.create_table('online_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('second_factor', String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme_id')
    )
    op.create_table('online_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', String(length=64), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('letter_code_sha256', String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by', String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('household_id'),
    sa.UniqueConstraint('token_sha256')
    )
    with op.batch_alter_table('online_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_online_token_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_online_token_programme_id'), ['programme_id'], unique=False)
    op.create_table('online_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', String(length=80), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table('online_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', String(length=64), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_sha256')
    )
    with op.batch_alter_table('online_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_online_session_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_online_session_municipality_id'), ['municipality_id'], unique=False)
    op.create_table('online_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('address', String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.ForeignKeyConstraint(['receipt_id'], ['mailroom_receipt.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('receipt_id')
    )
    with op.batch_alter_table('online_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_online_submission_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_online_submission_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_online_submission_programme_id'), ['programme_id'], unique=False)
    op.create_table('online_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=True),
    sa.Column('name', String(length=40), nullable=False),
    sa.Column('image_path', String(length=500), nullable=False),
    sa.Column('sha256', String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
    sa.ForeignKeyConstraint(['receipt_id'], ['mailroom_receipt.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('online_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_online_attachment_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_online_attachment_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_online_attachment_receipt_id'), ['receipt_id'], unique=False)


def downgrade() -> None:
    op.drop_table('online_attachment')
    op.drop_table('online_submission')
    op.drop_table('online_session')
    op.drop_table('online_attempt')
    op.drop_table('online_token')
    op.drop_table('online_setting')
    with op.batch_alter_table('mailroom_receipt', schema=None) as batch_op:
        batch_op.drop_column('channel')
