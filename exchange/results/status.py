"""The lists a municipality gets back: every household's status, and the return, undeliverable,
decline and expired lists. Dates come from the applications' timelines, shown as Japan's calendar day;
the status file's last column says how the household answered (紙の申請書, オンライン申請, 支給のお知らせ,
or blank while it has not)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from exchange.results.files import write_both
from mailroom.checkin.channels import CHANNEL_NAMES, application_channels
from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.states import LABELS_JA, Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.clock import in_jst
from secretariat.core.errors import NotFound
from secretariat.core.households.models import Household, Person
from secretariat.core.programmes.models import Programme

STATUS_HEADINGS = ["世帯番号", "世帯主宛名番号", "世帯主氏名", "状態コード", "状態", "取込日", "発送日", "受付日",
                   "審査完了日", "不備内容", "返戻日", "宛所不明日", "辞退日", "支給決定日", "支給日", "振込不能日",
                   "期限切れ日", "支給額", "申請経路"]
DATED = [Status.imported, Status.mailed, Status.received, Status.complete, None, Status.returned,
         Status.undeliverable, Status.declined, Status.approved, Status.paid, Status.payment_failed, Status.expired]


def _day(moment: datetime | None) -> str:
    return in_jst(moment).date().isoformat() if moment else ""


def _latest_events(session: Session, programme: Programme) -> dict[tuple[int, str], datetime]:
    return {(application_id, status): at for application_id, status, at in session.exec(
        select(ApplicationEvent.application_id, ApplicationEvent.to_status, func.max(ApplicationEvent.at))
        .where(ApplicationEvent.programme_id == programme.id)
        .group_by(ApplicationEvent.application_id, ApplicationEvent.to_status))}


def _deficiency_reasons(session: Session, programme: Programme) -> dict[int, str]:
    """The latest 不備 reason of each application found deficient."""
    reasons: dict[int, str] = {}
    for application_id, reason in session.exec(
            select(ApplicationEvent.application_id, ApplicationEvent.reason)
            .where(ApplicationEvent.programme_id == programme.id,
                   ApplicationEvent.to_status == Status.deficient.value).order_by(ApplicationEvent.id)):
        reasons[application_id] = reason.removeprefix("不備: ")
    return reasons


def status_rows(session: Session, programme: Programme) -> list[list]:
    events = _latest_events(session, programme)
    reasons = _deficiency_reasons(session, programme)
    channels = application_channels(session, programme)
    rows = []
    for application, household_number, resident_number, name in session.exec(
            select(Application, Household.household_number, Person.resident_number, Person.name)
            .join(Household, Household.id == Application.household_id)
            .join(Person, (Person.household_id == Household.id) & Person.is_head.is_(True), isouter=True)
            .where(Application.programme_id == programme.id).order_by(Household.household_number)):
        dates = [reasons.get(application.id, "") if status is None else _day(events.get((application.id, status.value)))
                 for status in DATED]
        rows.append([household_number, resident_number or "", name or "", application.status,
                     LABELS_JA[Status(application.status)], *dates, application.amount_yen,
                     CHANNEL_NAMES.get(channels.get(application.id), "")])
    return rows


def _subset(rows: list[list], status: Status, columns: list[int]) -> list[list]:
    return [[row[i] for i in columns] for row in rows if row[3] == status.value]


def write_result_files(*, session: Session, actor: Actor, programme: Programme, out_dir: Path,
                       on: date) -> list[Path]:
    """The daily status file and the return, undeliverable, decline and expired lists, each as CP932
    CSV and XLSX, into `out_dir`."""
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    rows = status_rows(session, programme)
    stamp = on.strftime("%Y%m%d")
    h = STATUS_HEADINGS
    written = write_both(out_dir, f"status-P{programme.id}-{stamp}", h, rows, "状態一覧")
    for stem, title, status, columns in (
            ("returns", "返戻一覧", Status.returned, [0, 1, 2, 10, 9]),
            ("undeliverable", "宛所不明一覧", Status.undeliverable, [0, 1, 2, 11]),
            ("declines", "辞退一覧", Status.declined, [0, 1, 2, 12]),
            ("expired", "期限切れ一覧", Status.expired, [0, 1, 2, 6, 10, 16])):
        written += write_both(out_dir, f"{stem}-P{programme.id}-{stamp}", [h[i] for i in columns],
                              _subset(rows, status, columns), title)
    record_audit(session=session, actor=actor, action="export", entity="programme", entity_id=programme.id,
                 municipality_id=programme.municipality_id,
                 detail=f"status and lists for {len(rows)} households: {', '.join(p.name for p in written)}")
    return written
