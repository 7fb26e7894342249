"""A push programme's decisions (支給のお知らせ): the households approved because they neither
declined nor changed their account by the decline-by date, as the municipality sees them beside its
decision lists.

Nobody proposes or approves these: the municipality decided when it made the programme push-type,
and the push job (`online.push.approve_undecided`, the owner of mailed → approved) carried it out
the day after the date. So they are read from the applications' own timeline (that step exists for
nothing else), grouped by the JST day of the approval, each group downloadable as a CSV like a
decision list's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from exchange.results.files import cp932_csv
from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.states import LABELS_JA, Status
from secretariat.core.auth.actor import Actor
from secretariat.core.banking import account_line
from secretariat.core.clock import in_jst
from secretariat.core.errors import NotFound
from secretariat.core.households.models import Household, Person
from secretariat.core.programmes.models import Programme

CSV_HEADINGS = ["世帯番号", "世帯主氏名", "支給額", "振込先口座", "決定日", "現在の状態"]


@dataclass
class PushDecisionLine:
    household_id: int
    household_number: str
    head_name: str
    amount_yen: int
    account: str
    decided_on: date
    status: Status


@dataclass
class PushDecisionDay:
    decided_on: date
    lines: list[PushDecisionLine]

    @property
    def total_yen(self) -> int:
        return sum(line.amount_yen for line in self.lines)


def push_decisions(*, session: Session, actor: Actor, programme: Programme) -> list[PushDecisionDay]:
    """Every push approval of the programme, by the day it was made (newest first)."""
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    rows = session.exec(
        select(ApplicationEvent.at, Application, Household, Person.name)
        .join(Application, Application.id == ApplicationEvent.application_id)
        .join(Household, Household.id == Application.household_id)
        .join(Person, (Person.household_id == Household.id) & Person.is_head.is_(True), isouter=True)
        .where(ApplicationEvent.programme_id == programme.id, ApplicationEvent.from_status == Status.mailed.value,
               ApplicationEvent.to_status == Status.approved.value)
        .order_by(Household.household_number)).all()
    days: dict[date, list[PushDecisionLine]] = {}
    for at, application, household, head_name in rows:
        day = in_jst(at).date()
        days.setdefault(day, []).append(PushDecisionLine(
            household.id, household.household_number, head_name or "", application.amount_yen,
            account_line(household), day, Status(application.status)))
    return [PushDecisionDay(day, lines) for day, lines in sorted(days.items(), reverse=True)]


def push_decision_csv(day: PushDecisionDay) -> bytes:
    """The day's approvals as the municipality files a decision list (CP932 CSV)."""
    return cp932_csv(CSV_HEADINGS, [[line.household_number, line.head_name, line.amount_yen, line.account,
                                     line.decided_on.isoformat(), LABELS_JA[line.status]] for line in day.lines])
