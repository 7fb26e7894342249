"""The daily reminder job (督促状の定期印刷): a worker prints the letters of every programme whose
window is open, as the system, and never a household's letter twice."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from mailroom.printing.models import ReminderLetter, ReminderRun
from mailroom.printing.reminder_jobs import DAILY_REMINDERS
from secretariat.app import job_registry
from secretariat.core.audit.models import AuditEvent
from secretariat.core.clock import JST, replaying_at
from secretariat.core.jobs.models import Job, JobState
from secretariat.core.jobs.service import enqueue
from secretariat.core.jobs.worker import Worker
from tests.mailroom.checkin.conftest import mailed  # noqa: F401  (the fixture)

TWO_WEEKS_BEFORE = datetime(2027, 2, 14, 6, 0, tzinfo=JST)  # the deadline is 2027-02-28
A_WEEK_BEFORE = datetime(2027, 2, 21, 6, 0, tzinfo=JST)
A_MONTH_BEFORE = datetime(2027, 1, 28, 6, 0, tzinfo=JST)


def run_daily_reminders(factory, engine, tmp_path, at: datetime) -> Job:
    with replaying_at(at):
        with factory.session() as session:
            job = enqueue(session, DAILY_REMINDERS, f"daily-reminders:{at.date()}", out_root=str(tmp_path / "print"))
            session.commit()
            job_id = job.id
        assert Worker(engine, job_registry()).run_one() is True
    with factory.session() as session:
        return session.get(Job, job_id)


def reminder_runs(factory) -> list[ReminderRun]:
    with factory.session() as session:
        return list(session.exec(select(ReminderRun).order_by(ReminderRun.id)))


def test_the_daily_job_prints_the_reminders_of_a_programme_whose_window_is_open(factory, engine, mailed, tmp_path):
    mailed(households=3)
    job = run_daily_reminders(factory, engine, tmp_path, TWO_WEEKS_BEFORE)
    assert job.state == JobState.done.value and (job.done, job.total) == (1, 1)
    assert [run.letter_count for run in reminder_runs(factory)] == [3]


def test_the_daily_job_prints_nothing_before_a_programmes_window_opens(factory, engine, mailed, tmp_path):
    mailed(households=2)
    job = run_daily_reminders(factory, engine, tmp_path, A_MONTH_BEFORE)
    assert job.state == JobState.done.value
    assert reminder_runs(factory) == []


def test_the_daily_job_run_again_the_next_days_reminds_no_household_twice(factory, engine, mailed, tmp_path):
    mailed(households=2)
    run_daily_reminders(factory, engine, tmp_path, TWO_WEEKS_BEFORE)
    run_daily_reminders(factory, engine, tmp_path, A_WEEK_BEFORE)
    with factory.session() as session:
        letters = [letter.household_id for letter in session.exec(select(ReminderLetter))]
    assert len(letters) == len(set(letters)) == 2
    assert len(reminder_runs(factory)) == 1


def test_the_daily_job_prints_as_the_system_and_is_audited_so(factory, engine, mailed, tmp_path):
    mailed(households=1)
    run_daily_reminders(factory, engine, tmp_path, TWO_WEEKS_BEFORE)
    with factory.session() as session:
        audited = session.exec(select(AuditEvent).where(AuditEvent.action == "print_reminders")).one()
    assert (audited.username, audited.role) == ("system:reminders", "system")
