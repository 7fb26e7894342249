"""The job interface: enqueue joins running work, a worker runs due jobs, failures retry with backoff."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from secretariat.core.clock import as_utc
from secretariat.core.errors import Conflict
from secretariat.core.jobs.models import Job, JobState
from secretariat.core.jobs.registry import JobKind, Registry
from secretariat.core.jobs.service import enqueue, latest_job
from secretariat.core.jobs.worker import EmbeddedWorker, Worker

START = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
ran: list[tuple[str, int]] = []
stoppable: list = []


def count_to(context, *, to: int):
    for number in range(1, to + 1):
        ran.append(("count", number))
        context.progress(number, to)


def fail_with_a_name(context, *, household: int):
    raise ValueError(f"世帯 {household}: 氏名 山田太郎 が読めません")


def refuse(context, *, run_id: int):
    raise Conflict(f"印刷ロット {run_id} は取り消されています")


def stop_worker_midway(context):
    context.progress(1, 2)
    stoppable.pop().stop()  # a restart of the web server, or SIGTERM
    context.progress(2, 2)  # raises Stopping: the worker hands the job back
    ran.append(("never", 2))


REGISTRY = Registry([JobKind("tests.count", count_to, "数える"),
                     JobKind("tests.fail", fail_with_a_name, "失敗する"),
                     JobKind("tests.refuse", refuse, "断る", retry_delays_s=()),
                     JobKind("tests.stop", stop_worker_midway, "止まる")])


class Clock:
    def __init__(self):
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(autouse=True)
def fresh_log():
    ran.clear()
    stoppable.clear()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def worker(engine, clock) -> Worker:
    return Worker(engine, REGISTRY, clock=clock)


def queued(session: Session, kind: str, key: str, **args) -> Job:
    job = enqueue(session, kind, key, **args)
    session.commit()
    return job


def reloaded(engine, job_id: int) -> Job:
    with Session(engine) as session:
        return session.get(Job, job_id)


def test_a_second_start_of_queued_work_joins_the_queued_job(session):
    first = queued(session, "tests.count", "run-1", to=3)
    second = queued(session, "tests.count", "run-1", to=3)
    assert second.id == first.id
    assert session.exec(select(Job)).all() == [first]


def test_a_second_start_of_running_work_joins_the_running_job(session, engine, worker):
    first = queued(session, "tests.count", "run-1", to=3)
    assert worker._claim().id == first.id
    assert queued(session, "tests.count", "run-1", to=3).id == first.id


def test_other_work_gets_a_job_of_its_own(session):
    assert queued(session, "tests.count", "run-1", to=1).id != queued(session, "tests.count", "run-2", to=1).id


def test_finished_work_started_again_is_a_new_job(session, engine, worker):
    first = queued(session, "tests.count", "run-1", to=1)
    worker.run_one()
    again = queued(session, "tests.count", "run-1", to=1)
    assert again.id != first.id and again.state == JobState.queued.value


def test_two_simultaneous_starts_of_the_same_work_make_one_job(engine):
    """The first start's transaction is open when the second looks: the unique index decides."""
    with Session(engine, expire_on_commit=False) as first, Session(engine, expire_on_commit=False) as second:
        mine = enqueue(first, "tests.count", "run-1", to=1)
        theirs: list[Job] = []
        racing = threading.Thread(target=lambda: theirs.append(enqueue(second, "tests.count", "run-1", to=1)))
        racing.start()
        racing.join(0.5)  # waiting on the first's row (PostgreSQL) or for the write lock (SQLite)
        first.commit()
        racing.join(30)
        second.commit()
    assert theirs[0].id == mine.id


def test_a_worker_runs_a_due_job_and_records_its_progress_and_its_end(session, engine, worker, clock):
    job = queued(session, "tests.count", "run-1", to=3)
    clock.now = START + timedelta(seconds=5)
    assert worker.run_one() is True
    done = reloaded(engine, job.id)
    assert ran == [("count", 1), ("count", 2), ("count", 3)]
    assert (done.state, done.done, done.total, done.attempts, done.last_error) == ("done", 3, 3, 1, "")
    assert as_utc(done.finished_at) == START + timedelta(seconds=5)
    assert worker.run_one() is False


def test_a_failed_job_is_retried_after_10_s_60_s_and_5_minutes_then_shown_as_failed(session, engine, worker,
                                                                                      clock):
    job = queued(session, "tests.fail", "file-1", household=7)
    for attempt, wait_s in enumerate((10, 60, 300), 1):
        assert worker.run_one() is True
        waiting = reloaded(engine, job.id)
        assert (waiting.state, waiting.attempts) == ("queued", attempt)
        assert as_utc(waiting.run_after) == clock.now + timedelta(seconds=wait_s)
        clock.now += timedelta(seconds=wait_s - 1)
        assert worker.run_one() is False, "a retry waits for its backoff"
        clock.now += timedelta(seconds=1)
    assert worker.run_one() is True
    failed = reloaded(engine, job.id)
    assert (failed.state, failed.attempts) == ("failed", 4)
    assert worker.run_one() is False


def test_a_failure_is_shown_by_its_type_and_place_never_by_its_text(session, engine, worker):
    job = queued(session, "tests.fail", "file-1", household=7)
    worker.run_one()
    error = reloaded(engine, job.id).last_error
    assert error.startswith("予期しないエラー（ValueError, test_jobs.py:") and "fail_with_a_name" in error
    assert "山田" not in error and "7" not in error.split(":")[0]


def test_a_domain_errors_message_is_shown_as_it_was_written_to_be(session, engine, worker):
    job = queued(session, "tests.refuse", "run-3", run_id=3)
    worker.run_one()
    failed = reloaded(engine, job.id)
    assert (failed.state, failed.last_error) == ("failed", "印刷ロット 3 は取り消されています（Conflict）")


def test_a_job_whose_worker_went_silent_is_taken_again_once_its_lease_has_passed(session, engine, clock):
    job = queued(session, "tests.count", "run-1", to=2)
    lost = Worker(engine, REGISTRY, clock=clock, lease_s=30)
    assert lost._claim().id == job.id  # …and its process dies here
    fresh = Worker(engine, REGISTRY, clock=clock, lease_s=30)
    clock.now += timedelta(seconds=29)
    assert fresh.run_one() is False
    clock.now += timedelta(seconds=2)
    assert fresh.run_one() is True
    finished = reloaded(engine, job.id)
    assert (finished.state, finished.attempts, finished.worker) == ("done", 2, fresh.name)


def test_a_job_whose_workers_die_on_every_attempt_is_failed_saying_so(session, engine, clock):
    job = queued(session, "tests.count", "run-1", to=2)
    for _ in range(4):
        assert Worker(engine, REGISTRY, clock=clock)._claim().id == job.id
        clock.now += timedelta(seconds=31)
    assert Worker(engine, REGISTRY, clock=clock).run_one() is True
    failed = reloaded(engine, job.id)
    assert (failed.state, failed.attempts) == ("failed", 4)
    assert failed.last_error == "前のワーカーが応答しなくなりました（強制終了・停止など）"
    assert ran == []


def test_a_stopping_worker_hands_its_job_back_at_its_next_report_without_counting_the_attempt(session, engine,
                                                                                              worker):
    job = queued(session, "tests.stop", "run-1")
    stoppable.append(worker)
    assert worker.run_one() is True
    back = reloaded(engine, job.id)
    assert (back.state, back.attempts, back.done) == ("queued", 0, 2)
    assert ("never", 2) not in ran


def test_a_worker_takes_only_the_kinds_it_knows(session, engine, clock):
    queued(session, "exchange.import", "file-9")
    assert Worker(engine, REGISTRY, clock=clock).run_one() is False


def test_latest_job_is_the_newest_of_a_piece_of_work(session, engine, worker):
    queued(session, "tests.count", "run-1", to=1)
    worker.run_one()
    again = queued(session, "tests.count", "run-1", to=1)
    assert latest_job(session, "tests.count", "run-1").id == again.id


def test_the_embedded_worker_starts_a_job_as_soon_as_its_start_is_committed(session, engine):
    embedded = EmbeddedWorker(engine, REGISTRY, poll_s=60)  # a look a minute: only the commit can wake it
    embedded.start()
    try:
        job = queued(session, "tests.count", "run-1", to=2)
        deadline = datetime.now(timezone.utc) + timedelta(seconds=10)
        while reloaded(engine, job.id).state != "done" and datetime.now(timezone.utc) < deadline:
            threading.Event().wait(0.05)
        assert reloaded(engine, job.id).state == "done"
    finally:
        embedded.stop()
