"""push confirmation (支給のお知らせ): a push programme's decline-by and pay-by dates, each
household's notice and answer; a decline after the decision is refused once its transfer is exported

Revision ID: 0024
Revises: 0023

A household may now decline after its application was approved (approved → declined), which keeps
it out of every later payment batch, and drops its line from a batch not yet exported (the exchange
leaves lines of applications no longer approved out when it approves or exports a batch). Once an
exported batch lists its transfer, or it is paid, a decline would no longer stop the money (an
exported batch is frozen, migration 0012), so the database refuses it, whichever flow or statement tries.
The refusal starts with `refused: `, which `secretariat.core.db` turns into a Conflict.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString

DECLINE_MESSAGE = ("refused: 振込データを出力済みの申請は辞退にできません（振込の手続きが始まっています）。"
                   "自治体の担当者に連絡してください")
_LISTED = ("EXISTS (SELECT 1 FROM exchange_payment_line JOIN exchange_payment_batch "
           "ON exchange_payment_batch.id = exchange_payment_line.batch_id "
           "WHERE exchange_payment_line.application_id = NEW.id AND (exchange_payment_line.result = 'paid' "
           "OR (exchange_payment_line.result = 'pending' AND exchange_payment_batch.status = 'exported')))")
_SQLITE_TRIGGER = f"""CREATE TRIGGER application_decline_after_payment BEFORE UPDATE OF status ON application
    WHEN OLD.status = 'approved' AND NEW.status = 'declined' AND {_LISTED}
    BEGIN SELECT RAISE(ABORT, '{DECLINE_MESSAGE}'); END"""
_POSTGRES_TRIGGER = [
    f"""CREATE FUNCTION application_decline_after_payment() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.status = 'approved' AND NEW.status = 'declined' AND {_LISTED} THEN
                RAISE EXCEPTION '{DECLINE_MESSAGE}';
            END IF;
            RETURN NEW;
        END $$""",
    """CREATE TRIGGER application_decline_after_payment BEFORE UPDATE OF status ON application
       FOR EACH ROW EXECUTE FUNCTION application_decline_after_payment()""",
]


def upgrade() -> None:
    op.create_table('online_push_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('decline_by_date', sa.Date(), nullable=False),
    sa.Column('pay_by_date', sa.Date(), nullable=False),
    sa.Column('set_by', String(length=100), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme_id')
    )
    op.create_index('ix_online_push_setting_municipality_id', 'online_push_setting', ['municipality_id'],
                    unique=False)
    op.create_table('online_push_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('amount_yen', sa.Integer(), nullable=False),
    sa.Column('sms_request_id', sa.Integer(), nullable=True),
    sa.Column('by_letter', sa.Boolean(), nullable=False),
    sa.Column('sent_by', String(length=100), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', String(length=20), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.ForeignKeyConstraint(['sms_request_id'], ['sms_request.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('household_id')
    )
    op.create_index('ix_online_push_notice_municipality_id', 'online_push_notice', ['municipality_id'],
                    unique=False)
    op.create_index('ix_online_push_notice_programme_id', 'online_push_notice', ['programme_id'], unique=False)
    for statement in [_SQLITE_TRIGGER] if op.get_bind().dialect.name == "sqlite" else _POSTGRES_TRIGGER:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS application_decline_after_payment")
    else:
        op.execute("DROP TRIGGER IF EXISTS application_decline_after_payment ON application")
        op.execute("DROP FUNCTION IF EXISTS application_decline_after_payment()")
    op.drop_index('ix_online_push_notice_programme_id', table_name='online_push_notice')
    op.drop_index('ix_online_push_notice_municipality_id', table_name='online_push_notice')
    op.drop_table('online_push_notice')
    op.drop_index('ix_online_push_setting_municipality_id', table_name='online_push_setting')
    op.drop_table('online_push_setting')
