"""The payment freeze is the database's: an exported batch refuses changes whoever connects, with
or without the exchange's code loaded (migration 0012)."""

import subprocess
import sys
from datetime import datetime, timezone

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url

from secretariat.core.errors import Conflict
from secretariat.migrations import alembic_config
from tests.exchange.test_payments import approved, checker, exported, maker, prepare  # noqa: F401  (fixtures)

PLAIN_ENGINE = """
import sys
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DatabaseError

engine = create_engine(sys.argv[1])
try:
    with engine.begin() as connection:
        connection.execute(text(sys.argv[2]))
    print("CHANGED")
except DatabaseError as refused:
    print("REFUSED", str(refused.orig).splitlines()[0])
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("exchange", "secretariat"))
print("LOADED", loaded)
"""


def plain_url(database_url: str) -> str:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def run_in_a_plain_process(database_url: str, statement: str) -> list[str]:
    """Run one statement from a fresh interpreter that imports SQLAlchemy and nothing of ours."""
    done = subprocess.run([sys.executable, "-c", PLAIN_ENGINE, plain_url(database_url), statement],
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.splitlines()


def test_a_raw_update_of_an_exported_amount_is_refused_without_the_exchange_loaded(
        factory, approved, maker, checker, tmp_path, database_url):
    batch, _ = exported(factory, approved, maker, checker, tmp_path)
    out = run_in_a_plain_process(
        database_url, f"UPDATE exchange_payment_line SET amount_yen = amount_yen + 1 WHERE batch_id = {batch.id}")
    assert out[0].startswith("REFUSED") and "出力済みの振込データ" in out[0]
    assert out[1] == "LOADED []"


def test_a_raw_update_of_an_exported_batch_is_refused_without_the_exchange_loaded(
        factory, approved, maker, checker, tmp_path, database_url):
    batch, _ = exported(factory, approved, maker, checker, tmp_path)
    out = run_in_a_plain_process(
        database_url, f"UPDATE exchange_payment_batch SET total_yen = 0 WHERE id = {batch.id}")
    assert out[0].startswith("REFUSED")


def test_the_refusal_reaches_a_service_as_a_conflict_in_japanese(factory, approved, maker, checker, tmp_path):
    batch, _ = exported(factory, approved, maker, checker, tmp_path)
    with factory.session() as session, pytest.raises(Conflict, match="出力済みの振込データ"):
        session.execute(text("UPDATE exchange_payment_line SET account_number = '7654321' WHERE batch_id = :b"),
                        {"b": batch.id})


def test_lines_of_an_exported_batch_cannot_be_deleted(factory, approved, maker, checker, tmp_path):
    batch, _ = exported(factory, approved, maker, checker, tmp_path)
    with factory.session() as session, pytest.raises(Conflict):
        session.execute(text("DELETE FROM exchange_payment_line WHERE batch_id = :b"), {"b": batch.id})


def test_an_exported_batch_cannot_be_deleted(factory, approved, maker, checker, tmp_path):
    batch, _ = exported(factory, approved, maker, checker, tmp_path)
    with factory.session() as session, pytest.raises(Conflict):
        session.execute(text("DELETE FROM exchange_payment_batch WHERE id = :b"), {"b": batch.id})


def test_results_and_follow_ups_are_still_written_to_an_exported_batch(factory, approved, maker, checker,
                                                                       tmp_path):
    batch, _ = exported(factory, approved, maker, checker, tmp_path)
    with factory.session() as session:
        changed = session.execute(
            text("UPDATE exchange_payment_line SET result = 'failed', failure_reason = '口座なし', "
                 "result_on = :on, follow_up_done_at = :at WHERE batch_id = :b"),
            {"on": datetime(2026, 12, 10).date(), "at": datetime(2026, 12, 11, tzinfo=timezone.utc), "b": batch.id})
        session.commit()
    assert changed.rowcount == batch.line_count


def test_a_batch_not_yet_exported_can_still_change(factory, approved, maker):
    batch = prepare(factory, approved, maker)
    with factory.session() as session:
        changed = session.execute(text("UPDATE exchange_payment_line SET amount_yen = amount_yen + 1 "
                                       "WHERE batch_id = :b"), {"b": batch.id})
        session.commit()
    assert changed.rowcount == batch.line_count


def test_downgrading_below_0012_lifts_the_freeze(factory, approved, maker, checker, tmp_path, engine, database_url):
    batch, _ = exported(factory, approved, maker, checker, tmp_path)
    command.downgrade(alembic_config(engine), "0011")
    out = run_in_a_plain_process(
        database_url, f"UPDATE exchange_payment_line SET amount_yen = amount_yen + 1 WHERE batch_id = {batch.id}")
    assert out[0] == "CHANGED"
