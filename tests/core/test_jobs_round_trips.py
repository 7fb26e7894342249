"""The queue's own cost: each piece of bookkeeping is one statement, and a worker outlives a
connection the store drops (the benchmark prints the milliseconds; these hold the statements)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text
from sqlmodel import Session

from secretariat.core.db import is_sqlite
from secretariat.core.jobs.registry import JobKind, Registry
from secretariat.core.jobs.service import enqueue
from secretariat.core.jobs.worker import Worker

REGISTRY = Registry([JobKind("tests.nothing", lambda context: None, "何もしない")])


class Statements:
    """The first word of every statement sent, BEGIN/COMMIT included as the driver sends them."""

    def __init__(self, engine):
        self.engine, self.words = engine, []
        event.listen(engine, "before_cursor_execute", self._sent)
        event.listen(engine, "commit", lambda connection: self.words.append("COMMIT"))

    def _sent(self, connection, cursor, statement, *args):
        self.words.append(statement.split()[0].upper())

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._sent)


@pytest.fixture
def statements(engine):
    watching = Statements(engine)
    yield watching.words
    watching.close()


def test_queueing_new_work_is_one_insert(engine, statements):
    with Session(engine) as session:
        enqueue(session, "tests.nothing", "one")
        statements.clear()
        enqueue(session, "tests.nothing", "two")
        assert statements == ["INSERT"]
        session.commit()


def test_queueing_work_already_queued_reads_the_queued_job_back(engine, statements):
    with Session(engine) as session:
        first = enqueue(session, "tests.nothing", "one")
        statements.clear()
        assert enqueue(session, "tests.nothing", "one").id == first.id
        assert statements == ["INSERT", "SELECT"]


def test_a_worker_claims_and_finishes_a_job_with_one_statement_each(engine, statements):
    with Session(engine) as session:
        enqueue(session, "tests.nothing", "one")
        session.commit()
    worker = Worker(engine, REGISTRY)
    statements.clear()
    assert worker.run_one() is True
    looked_first = ["SELECT"] if is_sqlite(engine) else []  # an idle SQLite worker never takes the write lock
    assert statements == [*looked_first, "UPDATE", "UPDATE"]
    assert "COMMIT" not in statements


def test_a_worker_carries_on_when_the_store_drops_its_connection(engine):
    if is_sqlite(engine):
        pytest.skip("an embedded store has no server to drop a connection")
    worker = Worker(engine, REGISTRY)
    assert worker.run_one() is False
    pid = worker._connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    with Session(engine) as session:
        job = enqueue(session, "tests.nothing", "after-the-drop")
        session.commit()
        job_id = job.id
    assert worker.run_one() is True
    with Session(engine) as session:
        assert session.get(type(job), job_id).state == "done"
