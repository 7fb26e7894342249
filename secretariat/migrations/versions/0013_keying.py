"""keying: 申請データ入力 by double entry, one task per form with a new account, and each person's entry

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def _values() -> list[sa.Column]:
    return [
        sa.Column('bank_code', S(length=4), nullable=False),
        sa.Column('branch_code', S(length=3), nullable=False),
        sa.Column('account_type', S(length=10), nullable=False),
        sa.Column('account_number', S(length=7), nullable=False),
        sa.Column('account_holder_kana', S(length=60), nullable=False),
        sa.Column('phone', S(length=20), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        'mailroom_keying_task',
        *_values(),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('receipt_id', sa.Integer(), nullable=False),
        sa.Column('status', S(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decision', S(length=20), nullable=False),
        sa.Column('settled_by', S(length=100), nullable=False),
        sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('applied', S(length=20), nullable=False),
        sa.Column('on_file_bank_code', S(length=4), nullable=False),
        sa.Column('on_file_branch_code', S(length=3), nullable=False),
        sa.Column('on_file_account_type', S(length=10), nullable=False),
        sa.Column('on_file_account_number', S(length=7), nullable=False),
        sa.Column('on_file_account_holder_kana', S(length=60), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
        sa.ForeignKeyConstraint(['receipt_id'], ['mailroom_receipt.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('receipt_id'),
    )
    with op.batch_alter_table('mailroom_keying_task', schema=None) as batch_op:
        for column in ('household_id', 'municipality_id', 'programme_id', 'status'):
            batch_op.create_index(batch_op.f(f'ix_mailroom_keying_task_{column}'), [column], unique=False)
    op.create_table(
        'mailroom_keying_entry',
        *_values(),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('keyed_by', S(length=100), nullable=False),
        sa.Column('keyed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
        sa.ForeignKeyConstraint(['task_id'], ['mailroom_keying_task.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('mailroom_keying_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailroom_keying_entry_municipality_id'), ['municipality_id'],
                              unique=False)
        batch_op.create_index('ux_mailroom_keying_entry_task_round', ['task_id', 'round'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('mailroom_keying_entry', schema=None) as batch_op:
        batch_op.drop_index('ux_mailroom_keying_entry_task_round')
        batch_op.drop_index(batch_op.f('ix_mailroom_keying_entry_municipality_id'))
    op.drop_table('mailroom_keying_entry')
    with op.batch_alter_table('mailroom_keying_task', schema=None) as batch_op:
        for column in ('household_id', 'municipality_id', 'programme_id', 'status'):
            batch_op.drop_index(batch_op.f(f'ix_mailroom_keying_task_{column}'))
    op.drop_table('mailroom_keying_task')
