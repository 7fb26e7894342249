"""The back office's headline figures per channel (paper, web, push; see
`mailroom.checkin.channels` for how a household's channel is read): how many households, what
share of those who answered, how many are paid, and the days from the notice to the payment (the
figure Soja City quotes for its push programme).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import APIRouter
from sqlalchemy import func
from sqlmodel import Session, select

from mailroom.checkin.channels import CHANNEL_NAMES, CHANNELS, application_channels
from secretariat.core.applications.models import ApplicationEvent
from secretariat.core.applications.states import Status
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.assignments import in_view
from secretariat.core.clock import in_jst
from secretariat.core.errors import NotFound
from secretariat.core.programmes.models import Programme
from secretariat.core.web.deps import CurrentActor, DbSession, ValidProgramme


@dataclass
class ChannelFigures:
    """One channel's line: households, paid, and days from notice to payment (JST calendar days)."""

    channel: str
    households: int = 0
    paid: int = 0
    days_to_payment: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        return CHANNEL_NAMES[self.channel]

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days_to_payment) if self.days_to_payment else None

    @property
    def mean_days(self) -> float | None:
        return statistics.fmean(self.days_to_payment) if self.days_to_payment else None


@dataclass
class ProgrammeChannels:
    lines: list[ChannelFigures]
    waiting: int  # households that have not answered their notice yet

    @property
    def answered(self) -> int:
        return sum(line.households for line in self.lines)

    def share(self, line: ChannelFigures) -> float | None:
        return line.households / self.answered if self.answered else None


def programme_channels(*, session: Session, actor: Actor, programme: Programme) -> ProgrammeChannels:
    """The programme's figures per channel (the actor must be allowed to see the programme)."""
    if not in_view(session, actor, programme.municipality_id, programme.id):
        raise NotFound("制度が見つかりません")
    notices = _first_moment(session, programme, Status.mailed)
    payments = _first_moment(session, programme, Status.paid)
    lines = {channel: ChannelFigures(channel) for channel in CHANNELS}
    waiting = 0
    for application_id, channel in application_channels(session, programme).items():
        if channel not in lines:
            waiting += 1
            continue
        line = lines[channel]
        line.households += 1
        if application_id in payments:
            line.paid += 1
            if application_id in notices:
                line.days_to_payment.append(_days_between(notices[application_id], payments[application_id]))
    return ProgrammeChannels(lines=[lines[channel] for channel in CHANNELS], waiting=waiting)


def _first_moment(session: Session, programme: Programme, status: Status) -> dict[int, datetime]:
    """Each application's first arrival at `status`."""
    return dict(session.exec(select(ApplicationEvent.application_id, func.min(ApplicationEvent.at)).where(
        ApplicationEvent.programme_id == programme.id, ApplicationEvent.to_status == status.value)
        .group_by(ApplicationEvent.application_id)).all())


def _days_between(start: datetime, end: datetime) -> int:
    """Calendar days in Japan from the notice's day to the payment's day."""
    return (in_jst(end).date() - in_jst(start).date()).days


def programme_section(*, session: Session, actor: Actor, programme: Programme):
    """The table of channels on the programme page."""
    from secretariat.core.programmes.router import ProgrammeSection

    figures = programme_channels(session=session, actor=actor, programme=programme)
    offered = set(programme.channels or ())  # a channel the programme does not offer is shown only once used
    rows = [[line.name, f"{line.households:,}", _percent(figures.share(line)), f"{line.paid:,}",
             _days(line.median_days), _days(line.mean_days)] for line in figures.lines
            if line.channel in offered or line.households]
    rows.append(["未回答（通知への返答待ち）", f"{figures.waiting:,}", "—", "—", "—", "—"])
    return ProgrammeSection(
        heading="申請の経路",
        columns=["経路", "世帯数", "割合", "支給済み", "通知から支給まで（中央値）", "平均"],
        rows=rows, testid="channels",
        note="割合は、回答した世帯に占める割合です。通知から支給までは、通知を発送した日から、振込の日"
             "（ギフトコードでは引き換えられた日）までの日数（日本時間の暦日）です。")


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def _days(days: float | None) -> str:
    return "—" if days is None else f"{days:.1f}日"


router = APIRouter()


@router.get("/api/programmes/{programme_id}/channels")
def channels_json(session: DbSession, actor: CurrentActor, programme: ValidProgramme):
    figures = programme_channels(session=session, actor=actor, programme=programme)
    return {"programme_id": programme.id, "waiting": figures.waiting,
            "channels": [{"channel": line.channel, "households": line.households, "share": figures.share(line),
                          "paid": line.paid, "median_days_notice_to_payment": line.median_days,
                          "mean_days_notice_to_payment": line.mean_days} for line in figures.lines]}
