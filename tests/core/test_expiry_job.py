"""The daily expiry job (期限切れの定期処理): a worker expires every programme past its deadline and
the post's grace days, as the system, audited on each programme."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from secretariat.app import job_registry
from secretariat.core.applications.models import Application
from secretariat.core.audit.models import AuditEvent
from secretariat.core.clock import JST, replaying_at
from secretariat.core.jobs.models import Job, JobState
from secretariat.core.jobs.service import enqueue
from secretariat.core.jobs.worker import Worker
from secretariat.core.programmes.expiry import EXPIRY_JOB
from tests.mailroom.checkin.conftest import mailed  # noqa: F401  (the fixture)

# the deadline is 2027-02-28, and the post has seven days of grace
LAST_DAY_OF_GRACE = datetime(2027, 3, 7, 5, 30, tzinfo=JST)
AFTER_GRACE = datetime(2027, 3, 8, 5, 30, tzinfo=JST)


def run_daily_expiry(factory, engine, at: datetime) -> Job:
    with replaying_at(at):
        with factory.session() as session:
            job_id = enqueue(session, EXPIRY_JOB, f"daily-expiry:{at.date()}").id
            session.commit()
        assert Worker(engine, job_registry()).run_one() is True
    with factory.session() as session:
        return session.get(Job, job_id)


def statuses(factory) -> list[str]:
    with factory.session() as session:
        return sorted(application.status for application in session.exec(select(Application)))


def test_the_daily_job_expires_the_unanswered_applications_once_the_grace_days_have_passed(factory, engine, mailed):
    mailed(households=2)
    job = run_daily_expiry(factory, engine, AFTER_GRACE)
    assert job.state == JobState.done.value and (job.done, job.total) == (1, 1)
    assert statuses(factory) == ["expired", "expired"]


def test_the_daily_job_leaves_a_programme_still_in_its_grace_days(factory, engine, mailed):
    mailed(households=2)
    job = run_daily_expiry(factory, engine, LAST_DAY_OF_GRACE)
    assert job.state == JobState.done.value and job.total == 0
    assert statuses(factory) == ["mailed", "mailed"]


def test_the_daily_job_expires_as_the_system_and_is_audited_so(factory, engine, mailed):
    forms = mailed(households=1)
    run_daily_expiry(factory, engine, AFTER_GRACE)
    with factory.session() as session:
        audited = session.exec(select(AuditEvent).where(AuditEvent.action == "expire_unanswered")).one()
    assert (audited.username, audited.role, audited.entity_id) == ("system:expiry", "system",
                                                                  forms.tenant.programme.id)
