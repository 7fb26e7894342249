"""payment freeze: an exported payment batch and its lines are refused changes by the database

Revision ID: 0012
Revises: 0011

The bank loaded the exported file, so the record must stay that file. Until this revision an ORM
flush guard refused the change, and only in processes that had imported `exchange.models`; a
plain engine, a bulk statement or a psql session could still rewrite a paid amount. Now the
database refuses:
- any UPDATE or DELETE of an exchange_payment_batch row whose exported_at was already set (the
  export itself, which sets exported_at, still passes);
- an UPDATE of a line's payee, account, amount, application or batch, a DELETE of a line, or an
  INSERT of a line, when the line's batch was exported. What the bank says afterwards (result,
  failure_reason, result_on) and the call center's follow_up_done_at stay writable.

Each refusal's message starts with `refused: `; `secretariat.core.db` turns it into a Conflict
carrying the Japanese text after it.
"""

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

BATCH_MESSAGE = "refused: 出力済みの振込データは変更・削除できません（銀行が取り込んだファイルが記録です）"
LINE_MESSAGE = "refused: 出力済みの振込データの明細は追加・変更・削除できません（銀行が取り込んだファイルが記録です）"
FROZEN_LINE_COLUMNS = ("bank_code", "branch_code", "account_type", "account_number", "recipient_kana",
                       "amount_yen", "application_id", "batch_id", "household_number", "municipality_id",
                       "programme_id")


def _changed(null_safe_differs: str) -> str:
    return " OR ".join(f"OLD.{column} {null_safe_differs} NEW.{column}" for column in FROZEN_LINE_COLUMNS)


def _exported(batch_id: str) -> str:
    return f"(SELECT exported_at FROM exchange_payment_batch WHERE id = {batch_id}) IS NOT NULL"


_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER exchange_payment_batch_frozen_update BEFORE UPDATE ON exchange_payment_batch
        WHEN OLD.exported_at IS NOT NULL
        BEGIN SELECT RAISE(ABORT, '{BATCH_MESSAGE}'); END""",
    f"""CREATE TRIGGER exchange_payment_batch_frozen_delete BEFORE DELETE ON exchange_payment_batch
        WHEN OLD.exported_at IS NOT NULL
        BEGIN SELECT RAISE(ABORT, '{BATCH_MESSAGE}'); END""",
    f"""CREATE TRIGGER exchange_payment_line_frozen_insert BEFORE INSERT ON exchange_payment_line
        WHEN {_exported("NEW.batch_id")}
        BEGIN SELECT RAISE(ABORT, '{LINE_MESSAGE}'); END""",
    f"""CREATE TRIGGER exchange_payment_line_frozen_update BEFORE UPDATE ON exchange_payment_line
        WHEN ({_changed("IS NOT")}) AND ({_exported("OLD.batch_id")} OR {_exported("NEW.batch_id")})
        BEGIN SELECT RAISE(ABORT, '{LINE_MESSAGE}'); END""",
    f"""CREATE TRIGGER exchange_payment_line_frozen_delete BEFORE DELETE ON exchange_payment_line
        WHEN {_exported("OLD.batch_id")}
        BEGIN SELECT RAISE(ABORT, '{LINE_MESSAGE}'); END""",
]

_POSTGRES_TRIGGERS = [
    f"""CREATE FUNCTION exchange_payment_batch_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.exported_at IS NOT NULL THEN RAISE EXCEPTION '{BATCH_MESSAGE}'; END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END $$""",
    """CREATE TRIGGER exchange_payment_batch_frozen BEFORE UPDATE OR DELETE ON exchange_payment_batch
       FOR EACH ROW EXECUTE FUNCTION exchange_payment_batch_frozen()""",
    f"""CREATE FUNCTION exchange_payment_line_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                IF {_exported("NEW.batch_id")} THEN RAISE EXCEPTION '{LINE_MESSAGE}'; END IF;
                RETURN NEW;
            END IF;
            IF TG_OP = 'DELETE' THEN
                IF {_exported("OLD.batch_id")} THEN RAISE EXCEPTION '{LINE_MESSAGE}'; END IF;
                RETURN OLD;
            END IF;
            IF ({_changed("IS DISTINCT FROM")})
               AND ({_exported("OLD.batch_id")} OR {_exported("NEW.batch_id")}) THEN
                RAISE EXCEPTION '{LINE_MESSAGE}';
            END IF;
            RETURN NEW;
        END $$""",
    """CREATE TRIGGER exchange_payment_line_frozen BEFORE INSERT OR UPDATE OR DELETE ON exchange_payment_line
       FOR EACH ROW EXECUTE FUNCTION exchange_payment_line_frozen()""",
]


def upgrade() -> None:
    for statement in _SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else _POSTGRES_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("exchange_payment_line_frozen_delete", "exchange_payment_line_frozen_update",
                     "exchange_payment_line_frozen_insert", "exchange_payment_batch_frozen_delete",
                     "exchange_payment_batch_frozen_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS exchange_payment_line_frozen ON exchange_payment_line")
        op.execute("DROP FUNCTION IF EXISTS exchange_payment_line_frozen()")
        op.execute("DROP TRIGGER IF EXISTS exchange_payment_batch_frozen ON exchange_payment_batch")
        op.execute("DROP FUNCTION IF EXISTS exchange_payment_batch_frozen()")
