"""gift codes (デジタルギフト): a programme's payout method, the provider's codes, and the batches
that assign them; a frozen batch and its lines are refused changes by the database

Revision ID: 0026
Revises: 0025

A gift-code batch is prepared by one user, approved by another, and frozen: freezing gives each
line's code to its application. From then on the batch is the record of which household got which
code, so the database refuses any UPDATE or DELETE of a frozen batch and any INSERT, UPDATE or
DELETE of a line of one. Each refusal starts with `refused: `, which `secretariat.core.db` turns
into a Conflict. Each code and each application appear in one line only (unique constraints).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString

BATCH_MESSAGE = "refused: 確定済みのギフトコード割当は変更・削除できません（割り当てたコードが記録です）"
LINE_MESSAGE = "refused: 確定済みのギフトコード割当の明細は追加・変更・削除できません（割り当てたコードが記録です）"


def _frozen(batch_id: str) -> str:
    return f"(SELECT frozen_at FROM exchange_gift_code_batch WHERE id = {batch_id}) IS NOT NULL"


_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER exchange_gift_code_batch_frozen_update BEFORE UPDATE ON exchange_gift_code_batch
        WHEN OLD.frozen_at IS NOT NULL
        BEGIN SELECT RAISE(ABORT, '{BATCH_MESSAGE}'); END""",
    f"""CREATE TRIGGER exchange_gift_code_batch_frozen_delete BEFORE DELETE ON exchange_gift_code_batch
        WHEN OLD.frozen_at IS NOT NULL
        BEGIN SELECT RAISE(ABORT, '{BATCH_MESSAGE}'); END""",
    f"""CREATE TRIGGER exchange_gift_code_line_frozen_insert BEFORE INSERT ON exchange_gift_code_line
        WHEN {_frozen("NEW.batch_id")}
        BEGIN SELECT RAISE(ABORT, '{LINE_MESSAGE}'); END""",
    f"""CREATE TRIGGER exchange_gift_code_line_frozen_update BEFORE UPDATE ON exchange_gift_code_line
        WHEN {_frozen("OLD.batch_id")} OR {_frozen("NEW.batch_id")}
        BEGIN SELECT RAISE(ABORT, '{LINE_MESSAGE}'); END""",
    f"""CREATE TRIGGER exchange_gift_code_line_frozen_delete BEFORE DELETE ON exchange_gift_code_line
        WHEN {_frozen("OLD.batch_id")}
        BEGIN SELECT RAISE(ABORT, '{LINE_MESSAGE}'); END""",
]

_POSTGRES_TRIGGERS = [
    f"""CREATE FUNCTION exchange_gift_code_batch_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.frozen_at IS NOT NULL THEN RAISE EXCEPTION '{BATCH_MESSAGE}'; END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END $$""",
    """CREATE TRIGGER exchange_gift_code_batch_frozen BEFORE UPDATE OR DELETE ON exchange_gift_code_batch
       FOR EACH ROW EXECUTE FUNCTION exchange_gift_code_batch_frozen()""",
    f"""CREATE FUNCTION exchange_gift_code_line_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                IF {_frozen("NEW.batch_id")} THEN RAISE EXCEPTION '{LINE_MESSAGE}'; END IF;
                RETURN NEW;
            END IF;
            IF {_frozen("OLD.batch_id")} THEN RAISE EXCEPTION '{LINE_MESSAGE}'; END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            IF {_frozen("NEW.batch_id")} THEN RAISE EXCEPTION '{LINE_MESSAGE}'; END IF;
            RETURN NEW;
        END $$""",
    """CREATE TRIGGER exchange_gift_code_line_frozen BEFORE INSERT OR UPDATE OR DELETE ON exchange_gift_code_line
       FOR EACH ROW EXECUTE FUNCTION exchange_gift_code_line_frozen()""",
]


def upgrade() -> None:
    op.create_table('exchange_gift_code_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('status', String(length=20), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('total_yen', sa.Integer(), nullable=False),
    sa.Column('prepared_by', String(length=100), nullable=False),
    sa.Column('prepared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by', String(length=100), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_exchange_gift_code_batch_municipality_id'), 'exchange_gift_code_batch',
                    ['municipality_id'], unique=False)
    op.create_index(op.f('ix_exchange_gift_code_batch_programme_id'), 'exchange_gift_code_batch', ['programme_id'],
                    unique=False)
    op.create_table('exchange_giftcode_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('payout', String(length=20), nullable=False),
    sa.Column('provider', String(length=100), nullable=False),
    sa.Column('delivery', String(length=20), nullable=False),
    sa.Column('redemption_url', String(length=300), nullable=False),
    sa.Column('updated_by', String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme_id')
    )
    op.create_index(op.f('ix_exchange_giftcode_setting_municipality_id'), 'exchange_giftcode_setting',
                    ['municipality_id'], unique=False)
    op.create_table('exchange_giftcode_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('payout', String(length=20), nullable=False),
    sa.Column('recorded_by', String(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme_id', 'household_id')
    )
    op.create_index(op.f('ix_exchange_giftcode_choice_municipality_id'), 'exchange_giftcode_choice',
                    ['municipality_id'], unique=False)
    op.create_table('exchange_gift_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('provider', String(length=100), nullable=False),
    sa.Column('code', String(length=200), nullable=False),
    sa.Column('amount_yen', sa.Integer(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('state', String(length=20), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('imported_by', String(length=100), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('redeemed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider', 'code')
    )
    op.create_index(op.f('ix_exchange_gift_code_application_id'), 'exchange_gift_code', ['application_id'],
                    unique=False)
    op.create_index(op.f('ix_exchange_gift_code_municipality_id'), 'exchange_gift_code', ['municipality_id'],
                    unique=False)
    op.create_index('ix_exchange_gift_code_programme_state', 'exchange_gift_code', ['programme_id', 'state'],
                    unique=False)
    op.create_table('exchange_gift_code_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('gift_code_id', sa.Integer(), nullable=False),
    sa.Column('household_number', String(length=20), nullable=False),
    sa.Column('amount_yen', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.ForeignKeyConstraint(['batch_id'], ['exchange_gift_code_batch.id'], ),
    sa.ForeignKeyConstraint(['gift_code_id'], ['exchange_gift_code.id'], ),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id'),
    sa.UniqueConstraint('gift_code_id')
    )
    op.create_index(op.f('ix_exchange_gift_code_line_batch_id'), 'exchange_gift_code_line', ['batch_id'],
                    unique=False)
    op.create_index(op.f('ix_exchange_gift_code_line_municipality_id'), 'exchange_gift_code_line',
                    ['municipality_id'], unique=False)
    for statement in _POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS exchange_gift_code_line_frozen ON exchange_gift_code_line")
        op.execute("DROP TRIGGER IF EXISTS exchange_gift_code_batch_frozen ON exchange_gift_code_batch")
        op.execute("DROP FUNCTION IF EXISTS exchange_gift_code_line_frozen()")
        op.execute("DROP FUNCTION IF EXISTS exchange_gift_code_batch_frozen()")
    op.drop_table('exchange_gift_code_line')
    op.drop_table('exchange_gift_code')
    op.drop_table('exchange_giftcode_choice')
    op.drop_table('exchange_giftcode_setting')
    op.drop_table('exchange_gift_code_batch')
