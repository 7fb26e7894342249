"""A programme's progress as the dashboards show it: counts by status, replies per day, and
the deficiency rate (the share of checked forms found deficient at least once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import distinct, func
from sqlmodel import Session, select

from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.states import Status
from secretariat.core.clock import as_utc, in_jst
from secretariat.core.programmes.models import Programme


@dataclass
class Progress:
    total: int
    by_status: dict[Status, int]
    received_per_day: list[tuple[date, int]]
    checked: int
    found_deficient: int

    @property
    def deficiency_rate(self) -> float | None:
        return self.found_deficient / self.checked if self.checked else None

    @property
    def replied(self) -> int:
        """Households whose form has come back, whatever happened to it since."""
        waiting = {Status.imported, Status.printed, Status.mailed, Status.undeliverable, Status.expired}
        return sum(count for status, count in self.by_status.items() if status not in waiting)


def programme_progress(*, session: Session, programme: Programme, days: int = 14) -> Progress:
    counts = dict(session.exec(select(Application.status, func.count()).where(
        Application.programme_id == programme.id).group_by(Application.status)).all())
    by_status = {status: int(counts.get(status.value, 0)) for status in Status}
    return Progress(total=sum(by_status.values()), by_status=by_status,
                    received_per_day=_received_per_day(session, programme, days),
                    checked=_distinct_applications(session, programme, {Status.complete, Status.deficient}),
                    found_deficient=_distinct_applications(session, programme, {Status.deficient}))


def _received_per_day(session: Session, programme: Programme, days: int) -> list[tuple[date, int]]:
    """Forms received per calendar day in Japan (JST), over the last `days` days that saw any post."""
    latest = session.exec(select(func.max(ApplicationEvent.at)).where(
        ApplicationEvent.programme_id == programme.id,
        ApplicationEvent.to_status == Status.received.value)).one()
    if latest is None:
        return []
    moments = session.exec(select(ApplicationEvent.at).where(
        ApplicationEvent.programme_id == programme.id,
        ApplicationEvent.to_status == Status.received.value,
        ApplicationEvent.at >= as_utc(latest) - timedelta(days=days + 1))).all()
    per_day: dict[date, int] = {}
    for moment in moments:
        day = in_jst(moment).date()
        per_day[day] = per_day.get(day, 0) + 1
    return sorted(per_day.items())[-days:]


def _distinct_applications(session: Session, programme: Programme, statuses: set[Status]) -> int:
    return session.exec(select(func.count(distinct(ApplicationEvent.application_id))).where(
        ApplicationEvent.programme_id == programme.id,
        ApplicationEvent.to_status.in_([s.value for s in statuses]))).one()
