"""Periodic jobs: each schedule entry is queued once per period, however many workers look."""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from secretariat.core.clock import JST
from secretariat.core.config import Settings
from secretariat.core.db import make_engine
from secretariat.core.jobs.models import Job, JobState
from secretariat.core.jobs.registry import JobKind, Registry
from secretariat.core.jobs.schedule import Daily, Every, Schedule, ScheduleEntry, claims
from secretariat.core.jobs.worker import Worker

ran: list[str] = []


def note(context, *, word: str) -> None:
    ran.append(word)


REGISTRY = Registry([JobKind("tests.note", note, "記録する")])
DAILY = Schedule([ScheduleEntry("morning", "tests.note", Daily(time(6, 0)), dict(word="おはよう"))])
MONDAY_5_59 = datetime(2026, 11, 30, 5, 59, tzinfo=JST)
MONDAY_6_00 = datetime(2026, 11, 30, 6, 0, tzinfo=JST)


@pytest.fixture(autouse=True)
def fresh_log():
    ran.clear()


def jobs(engine) -> list[Job]:
    with Session(engine) as session:
        return list(session.exec(select(Job).order_by(Job.id)))


def test_a_daily_entry_is_not_queued_before_its_time_of_day(engine):
    assert DAILY.queue_due(engine, MONDAY_5_59) == []
    assert jobs(engine) == []


def test_a_daily_entry_is_queued_once_per_day_on_japans_clock(engine):
    DAILY.queue_due(engine, MONDAY_6_00)
    DAILY.queue_due(engine, MONDAY_6_00 + timedelta(hours=17, minutes=59))  # 23:59 JST, 14:59 UTC
    DAILY.queue_due(engine, MONDAY_6_00 + timedelta(days=1))
    assert [job.key for job in jobs(engine)] == ["morning:2026-11-30", "morning:2026-12-01"]
    assert [claim.period for claim in claims(engine, "morning")] == ["2026-11-30", "2026-12-01"]


def test_a_daily_entry_missed_at_its_time_is_queued_when_a_worker_looks_later_that_day(engine):
    queued = DAILY.queue_due(engine, MONDAY_6_00 + timedelta(hours=9))
    assert [(job.kind, job.args, job.created_by) for job in queued] == [
        ("tests.note", {"word": "おはよう"}, "system:schedule")]


def test_an_entry_every_15_minutes_is_queued_once_per_slot(engine):
    schedule = Schedule([ScheduleEntry("often", "tests.note", Every(15), dict(word="また"))])
    for minutes in (0, 7, 14, 15, 29, 30):
        schedule.queue_due(engine, MONDAY_6_00 + timedelta(minutes=minutes))
    assert [job.key for job in jobs(engine)] == ["often:2026-11-29T21:00Z", "often:2026-11-29T21:15Z",
                                                 "often:2026-11-29T21:30Z"]


def test_a_worker_queues_the_due_entries_and_runs_them(engine):
    schedule = Schedule([ScheduleEntry("often", "tests.note", Every(1), dict(word="おはよう"))])
    Worker(engine, REGISTRY, schedule=schedule).run(burst=True)
    assert ran == ["おはよう"]
    assert [job.state for job in jobs(engine)] == [JobState.done.value]


def test_two_workers_racing_on_the_same_periods_queue_each_period_once(database_url):
    """Two workers, each with its own connections as on two machines, look at the same moments."""
    schedule = Schedule([ScheduleEntry("often", "tests.note", Every(1), dict(word="競争"))])
    engines = [make_engine(database_url) for _ in range(2)]
    moments = [MONDAY_6_00 + timedelta(minutes=minute) for minute in range(10)]
    start = threading.Barrier(2)
    queued: list[Job] = []
    failures: list[BaseException] = []

    def look(engine) -> None:
        try:
            for moment in moments:
                start.wait(30)
                queued.extend(schedule.queue_due(engine, moment))
        except BaseException as error:  # noqa: BLE001 — reported by the assertion below
            failures.append(error)

    try:
        workers = [threading.Thread(target=look, args=(engine,)) for engine in engines]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
        assert failures == []
        assert len(queued) == len(moments)
        assert len(jobs(engines[0])) == len(moments)
        assert len(claims(engines[0], "often")) == len(moments)
    finally:
        for engine in engines:
            engine.dispose()


def test_the_schedule_is_on_at_its_default_times_when_read_from_the_environment(tmp_path):
    settings = Settings.from_env(environ={}, data_dir=tmp_path)
    assert (settings.expiry_at, settings.reminders_at) == (time(5, 30), time(6, 0))


def test_the_schedule_can_be_turned_off_or_moved_from_the_environment(tmp_path):
    off = Settings.from_env(environ={"SECRETARIAT_SCHEDULE": "off"}, data_dir=tmp_path)
    moved = Settings.from_env(environ={"SECRETARIAT_REMINDERS_AT": "07:15", "SECRETARIAT_EXPIRY_AT": "off"},
                              data_dir=tmp_path)
    assert (off.expiry_at, off.reminders_at) == (None, None)
    assert (moved.expiry_at, moved.reminders_at) == (None, time(7, 15))


def test_a_time_of_day_that_is_not_one_is_refused_at_start(tmp_path):
    with pytest.raises(ValueError, match="SECRETARIAT_REMINDERS_AT"):
        Settings.from_env(environ={"SECRETARIAT_REMINDERS_AT": "25:00"}, data_dir=tmp_path)
