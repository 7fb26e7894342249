"""payment corrections: a keying task may be a failed transfer's corrected account instead of a form

Revision ID: 0016
Revises: 0015

mailroom_keying_task gains `kind` (form | payment_correction), `payment_line_id` (the failed
exchange_payment_line, one task each), `channel` (phone | letter: how the resident gave the
account), and its `receipt_id` becomes nullable (a correction has no scanned form).

SQLite cannot drop a NOT NULL in place, and the usual copy-and-swap (Alembic's batch mode) drops a
table that mailroom_keying_entry refers to, which foreign keys refuse once entries exist. So on
SQLite the old table is renamed first (SQLite rewrites the entries' reference to follow it), the
new table is filled from it, the entries' table is rebuilt to refer to the new one, and only then
is the old table, now unreferenced, dropped.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString
TASK = 'mailroom_keying_task'
ENTRY = 'mailroom_keying_entry'
OLD = '_mailroom_keying_task_0016'
TASK_INDEXES = ('household_id', 'municipality_id', 'programme_id', 'status')
VALUE_COLUMNS = ('bank_code', 'branch_code', 'account_type', 'account_number', 'account_holder_kana', 'phone')
COMMON = VALUE_COLUMNS + ('id', 'municipality_id', 'programme_id', 'household_id', 'receipt_id', 'status',
                          'created_at', 'decision', 'settled_by', 'settled_at', 'applied', 'on_file_bank_code',
                          'on_file_branch_code', 'on_file_account_type', 'on_file_account_number',
                          'on_file_account_holder_kana')


def _values() -> list[sa.Column]:
    return [
        sa.Column('bank_code', S(length=4), nullable=False),
        sa.Column('branch_code', S(length=3), nullable=False),
        sa.Column('account_type', S(length=10), nullable=False),
        sa.Column('account_number', S(length=7), nullable=False),
        sa.Column('account_holder_kana', S(length=60), nullable=False),
        sa.Column('phone', S(length=20), nullable=False),
    ]


def _task_table(corrections: bool) -> list:
    items = [
        *_values(),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('receipt_id', sa.Integer(), nullable=corrections),
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
    ]
    if corrections:
        items += [
            sa.Column('kind', S(length=20), nullable=False, server_default='form'),
            sa.Column('payment_line_id', sa.Integer(), nullable=True),
            sa.Column('channel', S(length=10), nullable=False, server_default=''),
            sa.ForeignKeyConstraint(['payment_line_id'], ['exchange_payment_line.id'],
                                    name='fk_mailroom_keying_task_payment_line'),
            sa.UniqueConstraint('payment_line_id', name='uq_mailroom_keying_task_payment_line'),
        ]
    return items


def _entry_table() -> sa.Table:
    return sa.Table(
        ENTRY, sa.MetaData(),
        *_values(),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('keyed_by', S(length=100), nullable=False),
        sa.Column('keyed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
        sa.ForeignKeyConstraint(['task_id'], [f'{TASK}.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.Index('ix_mailroom_keying_entry_municipality_id', 'municipality_id'),
        sa.Index('ux_mailroom_keying_entry_task_round', 'task_id', 'round', unique=True),
    )


def _rebuild_sqlite(corrections: bool) -> None:
    for column in TASK_INDEXES:
        op.drop_index(f'ix_{TASK}_{column}', table_name=TASK)
    op.rename_table(TASK, OLD)  # the entries' foreign key now names OLD
    op.create_table(TASK, *_task_table(corrections))
    columns = ", ".join(COMMON)
    op.execute(f"INSERT INTO {TASK} ({columns}) SELECT {columns} FROM {OLD}")
    with op.batch_alter_table(ENTRY, recreate='always', copy_from=_entry_table()):
        pass  # rebuilt from the definition above: its foreign key names the new task table again
    op.drop_table(OLD)
    for column in TASK_INDEXES:
        op.create_index(f'ix_{TASK}_{column}', TASK, [column])


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild_sqlite(corrections=True)
        return
    op.add_column(TASK, sa.Column('kind', S(length=20), nullable=False, server_default='form'))
    op.add_column(TASK, sa.Column('payment_line_id', sa.Integer(), nullable=True))
    op.add_column(TASK, sa.Column('channel', S(length=10), nullable=False, server_default=''))
    op.alter_column(TASK, 'receipt_id', existing_type=sa.Integer(), nullable=True)
    op.create_foreign_key('fk_mailroom_keying_task_payment_line', TASK, 'exchange_payment_line',
                          ['payment_line_id'], ['id'])
    op.create_unique_constraint('uq_mailroom_keying_task_payment_line', TASK, ['payment_line_id'])


def downgrade() -> None:
    # Corrections have no form to stand on in the older schema: they and their entries go.
    op.execute(f"DELETE FROM {ENTRY} WHERE task_id IN (SELECT id FROM {TASK} WHERE receipt_id IS NULL)")
    op.execute(f"DELETE FROM {TASK} WHERE receipt_id IS NULL")
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild_sqlite(corrections=False)
        return
    op.drop_constraint('uq_mailroom_keying_task_payment_line', TASK, type_='unique')
    op.drop_constraint('fk_mailroom_keying_task_payment_line', TASK, type_='foreignkey')
    op.alter_column(TASK, 'receipt_id', existing_type=sa.Integer(), nullable=False)
    op.drop_column(TASK, 'channel')
    op.drop_column(TASK, 'payment_line_id')
    op.drop_column(TASK, 'kind')
