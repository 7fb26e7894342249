"""Expiry (期限切れ): after the deadline and the post's grace days, an application still waiting on
the resident ends.

A form posted on the deadline day is accepted (当日消印有効), and the post takes a few days to
bring it: so the applications still mailed (発送済み), undeliverable (宛所不明) or returned for a
fix (返戻済み) expire only once `grace_days` have passed after the deadline. The municipality
gets them back in its 期限切れ一覧; a form that still arrives may be accepted on its word
(expired → received, in the state table).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlmodel import Session, select

from secretariat.core.applications.models import Application
from secretariat.core.applications.ownership import into, owns
from secretariat.core.applications.service import transition_all
from secretariat.core.applications.states import Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import JST, today_jst
from secretariat.core.errors import InvalidInput, NotFound
from secretariat.core.jobs.registry import JobContext, JobKind
from secretariat.core.programmes.models import Programme

WAITING_ON_RESIDENT = (Status.mailed, Status.undeliverable, Status.returned)
DEFAULT_GRACE_DAYS = 7


def first_day_of_expiry(programme: Programme, grace_days: int = DEFAULT_GRACE_DAYS) -> date:
    """The first day on which the programme's unanswered applications may expire."""
    return programme.deadline_date + timedelta(days=grace_days + 1)


def count_unanswered(session: Session, programme: Programme) -> int:
    """How many applications of the programme are still waiting on the resident."""
    return len(session.exec(select(Application.id).where(
        Application.programme_id == programme.id,
        Application.status.in_([status.value for status in WAITING_ON_RESIDENT]))).all())


@owns(into(Status.expired))
def expire_unanswered(*, session: Session, actor: Actor, programme: Programme, grace_days: int = DEFAULT_GRACE_DAYS,
                      on: date | None = None) -> int:
    """Move every application still waiting on the resident to expired; returns how many moved."""
    actor.require(Role.admin, Role.supervisor)
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    if grace_days < 0:
        raise InvalidInput("郵便の猶予日数は0日以上で指定してください")
    on = on or today_jst()
    first = first_day_of_expiry(programme, grace_days)
    if on < first:
        raise InvalidInput(f"提出期限 {programme.deadline_date} と郵便の猶予 {grace_days} 日が過ぎる "
                           f"{first} から期限切れにできます")
    waiting = list(session.exec(select(Application).where(
        Application.programme_id == programme.id,
        Application.status.in_([status.value for status in WAITING_ON_RESIDENT]))))
    if not waiting:
        return 0
    moved = transition_all(session=session, applications=waiting, to=Status.expired, actor=actor,
                           reason=f"提出期限 {programme.deadline_date}（郵便の猶予 {grace_days} 日）までに返送なし",
                           at=datetime.combine(on, time(0), JST))
    record_audit(session=session, actor=actor, action="expire_unanswered", entity="programme", entity_id=programme.id,
                 municipality_id=programme.municipality_id, detail=f"{moved} applications expired")
    return moved


def past_grace(session: Session, on: date, grace_days: int = DEFAULT_GRACE_DAYS) -> list[Programme]:
    """The programmes, of every municipality, whose deadline and grace days have passed `on` and that
    still have applications waiting on the resident: what the daily expiry job goes through."""
    waiting = select(Application.programme_id).where(
        Application.status.in_([status.value for status in WAITING_ON_RESIDENT]))
    return list(session.exec(select(Programme).where(
        Programme.deadline_date < on - timedelta(days=grace_days), Programme.id.in_(waiting)).order_by(Programme.id)))


EXPIRY_JOB = "core.daily_expiry"
EXPIRY_ACTOR = Actor.system("expiry")  # audited as such on every programme it expires


def daily_expiry_job(context: JobContext, *, grace_days: int = DEFAULT_GRACE_DAYS) -> None:
    """Expire every programme past its deadline and grace days, each in its own commit: a retry
    (or the next day's run) finds the programmes already done with nothing left waiting."""
    on = today_jst()
    with Session(context.engine) as session:
        due = [programme.id for programme in past_grace(session, on, grace_days)]
    context.each(due, lambda session, programme_id: expire_unanswered(
        session=session, actor=EXPIRY_ACTOR, programme=session.get(Programme, programme_id), grace_days=grace_days,
        on=on))


JOBS = (JobKind(EXPIRY_JOB, daily_expiry_job, "期限切れの定期処理"),)
