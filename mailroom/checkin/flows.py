"""Steps of the check that end an application rather than move it along: a decline written on the form.

A form whose 辞退 box is ticked and whose 受け取る box is not, and which is otherwise complete,
is the household's decline in writing: the application moves to declined with the scanned page
as evidence. Both boxes ticked, or neither, is a deficiency of the form (the template's
`exactly_one` rule) and the form goes back to the resident like any other. A declining form
that is deficient otherwise (no signature) also goes back: a decline needs the same signature.
"""

from __future__ import annotations

from sqlmodel import Session, select

from mailroom.checkin.models import FieldReading, Receipt, ScannedPage
from mailroom.scanning.verdict import FieldResult, State
from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.declines import record_decline
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role

DECLINE_FIELD = "decline"  # 辞退する
ACCEPT_FIELD = "receive"  # 受け取る


def declines(fields: dict[str, FieldResult]) -> bool:
    """Whether the form says 辞退 and not 受け取る (as read, or as an operator confirmed)."""
    decline, accept = fields.get(DECLINE_FIELD), fields.get(ACCEPT_FIELD)
    return (decline is not None and decline.state == State.filled
            and (accept is None or accept.state == State.blank))


def evidence_page(session: Session, receipt: Receipt) -> ScannedPage | None:
    """The scanned page that carries the 辞退 tick."""
    return session.exec(select(ScannedPage).join(FieldReading, FieldReading.scanned_page_id == ScannedPage.id)
                        .where(FieldReading.receipt_id == receipt.id, FieldReading.field == DECLINE_FIELD)).first()


def decline_on_paper(*, session: Session, actor: Actor, receipt: Receipt,
                     application: Application) -> ApplicationEvent:
    """Record the written decline (書面での辞退): checking → declined, naming the form and the scanned
    page on the timeline and in the audit, so anyone can open the page the decline rests on."""
    actor.require(Role.admin, Role.supervisor, Role.operator)  # whoever may check forms
    page = evidence_page(session, receipt)
    if receipt.channel == "web":
        evidence = f"オンライン申請で辞退（受付 {receipt.id}）"
    else:
        evidence = f"書面で辞退（返送用紙 {receipt.form_id}" + (f"、読取画像 {page.id}" if page is not None else "") + "）"
    event = record_decline(session=session, actor=actor, application=application, evidence=evidence)
    record_audit(session=session, actor=actor, action="decline_on_paper", entity="receipt", entity_id=receipt.id,
                 municipality_id=receipt.municipality_id,
                 detail=f"form={receipt.form_id} scanned_page={page.id if page is not None else ''}")
    return event


# --- the check-in station: one scan, in the mode the operator chose -------------------------
# These steps use the check-in service, which itself imports the decline steps above: the service
# is imported as a module, after them, and its names are looked up when a step runs, so that either
# module may be imported first.

import shutil  # noqa: E402
import tempfile  # noqa: E402
import unicodedata  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import date, datetime, time, timedelta, timezone  # noqa: E402
from enum import StrEnum  # noqa: E402
from pathlib import Path  # noqa: E402

from sqlalchemy import func  # noqa: E402

from mailroom.checkin.models import ScanBatch, UndeliverableMail  # noqa: E402
from mailroom.checkin import service  # noqa: E402 (names used at call time: service imports this module)
from mailroom.printing.page_code import PageCode  # noqa: E402
from mailroom.scanning.images import DEFAULT_LIMITS, ScanLimits, png_bytes, read_page  # noqa: E402
from mailroom.scanning.reference import template_by_key  # noqa: E402
from mailroom.scanning.verdict import Outcome, Verdict  # noqa: E402
from secretariat.core.applications.service import application_for_household, manual_transition  # noqa: E402
from secretariat.core.applications.states import Status  # noqa: E402
from secretariat.core.audit.models import AuditEvent  # noqa: E402
from secretariat.core.clock import JST, as_utc, today_jst, utcnow  # noqa: E402
from secretariat.core.errors import Conflict, InvalidInput, NotFound  # noqa: E402
from secretariat.core.messages import label  # noqa: E402


class StationMode(StrEnum):
    """What the operator is scanning at the station; chosen once, kept for every scan after."""

    check_in = "check_in"            # 受付: a form the resident sent back
    undeliverable = "undeliverable"  # 宛所不明: an envelope back unopened, by the code in its window
    corrected = "corrected"          # 補正後の再提出: a form back after a 返戻, corrected


class Level(StrEnum):
    """How a scan went, for the colour and the sound the operator gets."""

    accepted = "accepted"
    warning = "warning"  # recorded or found, but look at it: a double scan, a late or second form
    error = "error"      # nothing recorded: a bad code, the wrong mode, a state that does not allow it


@dataclass
class StationScan:
    """What the station shows after one scan."""

    mode: StationMode
    level: Level
    message: str  # one line for the operator, in Japanese
    household_id: int
    receipt: Receipt | None = None
    undeliverable: UndeliverableMail | None = None


def parse_mode(value: str) -> StationMode:
    try:
        return StationMode((value or StationMode.check_in.value).strip())
    except ValueError:
        raise InvalidInput("受付の種類が正しくありません。受付・宛所不明・補正後の再提出から選んでください。") from None


def scan_at_station(*, session: Session, actor: Actor, mode: StationMode, code: str,
                    arrived_on: date | None = None, postmarked_on: date | None = None) -> StationScan:
    """One code scanned at the station: a returned form checked in (受付), an unopened envelope put
    on the municipality's undeliverable list (宛所不明), or a corrected form after a 返戻
    (補正後の再提出). A code that does not fit the mode is refused with a line saying which mode fits."""
    actor.require(*service.CHECKERS)
    page_code = service.parse_code(code)
    arrived_on = arrived_on or today_jst()
    if arrived_on > today_jst():
        raise InvalidInput("到着日に未来の日付は入れられません。")
    if mode == StationMode.undeliverable:
        return _undeliverable(session, actor, page_code, arrived_on)
    form = service.issued_form(session, actor, page_code.form_id)
    if _is_window_code(page_code):
        raise Conflict("これは封筒の窓に見える送付状のコードです。宛所不明で戻った封筒なら F3 で「宛所不明」に"
                       "切り替えてから読み取ってください。返送された様式なら、様式のQRコードを読み取ってください。")
    if mode == StationMode.corrected:
        application = application_for_household(session=session, household_id=form.household_id)
        status = application.status if application else None
        again = session.exec(select(Receipt.id).where(Receipt.form_id == form.form_id, Receipt.arrival > 0)).first()
        if status != Status.returned.value and again is None:
            raise Conflict(f"この世帯の申請は「{label('status', status)}」で、返戻した様式ではありません。"
                           "補正後の再提出としては受け付けませんでした。初めて届いた様式なら F2 で「受付」に"
                           "切り替えてから読み取ってください。")
    arrival = service.check_in_code(session=session, actor=actor, code=page_code, arrived_on=arrived_on,
                                    postmarked_on=postmarked_on, form=form)
    receipt = arrival.receipt
    if arrival.new:
        _audit_scan(session, actor, mode, "receipt", receipt.id, receipt.municipality_id, receipt.form_id)
    level = Level.accepted if arrival.new and receipt.counted else Level.warning
    return StationScan(mode, level, arrival.message, receipt.household_id, receipt=receipt)


def _is_window_code(page_code: PageCode) -> bool:
    """The cover letter's code, the one seen through the envelope's window: not a form coming back."""
    try:
        return template_by_key(page_code.template).kind != "form"
    except KeyError:
        return False


def _undeliverable(session: Session, actor: Actor, page_code: PageCode, returned_on: date) -> StationScan:
    form = service.issued_form(session, actor, page_code.form_id)
    mode = StationMode.undeliverable
    existing = session.exec(select(UndeliverableMail).where(UndeliverableMail.household_id == form.household_id)).first()
    if existing is not None:
        return StationScan(mode, Level.warning, "この世帯の封筒は宛所不明として記録済みです（二重読取り）。",
                           form.household_id, undeliverable=existing)
    application = application_for_household(session=session, household_id=form.household_id)
    if application is None or application.status != Status.mailed.value:
        status = application.status if application else None
        raise Conflict(f"この世帯の申請は「{label('status', status)}」です。宛所不明として記録できるのは"
                       "「発送済み」の世帯だけです。様式が返送されたのなら F2 で「受付」に切り替えてください。")
    mail = service.record_undeliverable(session=session, actor=actor, code=page_code, returned_on=returned_on)
    _audit_scan(session, actor, mode, "undeliverable_mail", mail.id, mail.municipality_id, mail.form_id)
    return StationScan(mode, Level.accepted, "宛所不明として記録しました（自治体の宛所不明一覧に載ります）。",
                       form.household_id, undeliverable=mail)


def _audit_scan(session: Session, actor: Actor, mode: StationMode, entity: str, entity_id: int,
                municipality_id: int, form_id: str) -> None:
    """One audit row per envelope the station recorded, naming the mode the operator worked in."""
    record_audit(session=session, actor=actor, action=f"station_{mode.value}", entity=entity, entity_id=entity_id,
                 municipality_id=municipality_id, detail=f"form={form_id}")


def station_counts(*, session: Session, actor: Actor, on: date | None = None) -> dict[StationMode, int]:
    """What this operator recorded at the station on one day (today by default), by mode: the
    station's audit rows, one per envelope recorded (a double scan records nothing). Read from the
    store, so a reload keeps it."""
    actor.require(*service.CHECKERS)
    day = on or today_jst()
    # bounds in UTC, as stored (SQLite keeps no offset)
    start = datetime.combine(day, time(0), JST).astimezone(timezone.utc)
    end = start + timedelta(days=1)
    actions = {f"station_{mode.value}": mode for mode in StationMode}
    rows = session.exec(select(AuditEvent.action, func.count()).where(
        AuditEvent.username == actor.username, AuditEvent.action.in_(list(actions)),
        AuditEvent.at >= start, AuditEvent.at < end).group_by(AuditEvent.action))
    counts = dict.fromkeys(StationMode, 0)
    for action, count in rows:
        counts[actions[action]] = count
    return counts


# --- the exceptions queue: pages no machine could file, worked by an operator --------------

class DismissReason(StrEnum):
    """Why an exception needs nothing more (対応不要): one of these, and a note for `other`
    (names in the message catalogue, kind `dismiss_reason`)."""

    duplicate = "duplicate"  # 二重に読み取った頁
    foreign = "foreign"      # 当事務局の書類ではない
    blank = "blank"          # 白紙・不要な頁
    rescanned = "rescanned"  # 読み取り直して取り込んだ
    by_hand = "by_hand"      # 紙の様式を目視で審査した
    other = "other"          # その他（メモに書く）


MAX_NOTE_CHARS = 200


@dataclass
class Attached:
    """An exception page attached to a form, and what the form's check said after it."""

    page: ScannedPage
    receipt: Receipt
    verdict: Verdict | None  # None when the check could not be run again now (see `note`)
    note: str


def exception_page(*, session: Session, actor: Actor, scanned_page_id: int) -> ScannedPage:
    """An open exception. A page no household claims belongs to no municipality: secretariat staff only."""
    actor.require(*service.CHECKERS)
    page = session.get(ScannedPage, scanned_page_id)
    if page is None or page.role != "exception" or actor.municipality_id is not None:
        raise NotFound(f"例外 {scanned_page_id} は見つかりません")
    if page.resolved_at is not None:
        raise Conflict(f"例外 {scanned_page_id} は {page.resolved_by} さんが処理済みです。")
    return page


def _resolve(page: ScannedPage, actor: Actor) -> None:
    page.resolved_at = utcnow()
    page.resolved_by = actor.username


def _receipt_for(session: Session, actor: Actor, code: str) -> Receipt:
    """The latest arrival of the form a typed code names: its page code, or its form number alone."""
    text = unicodedata.normalize("NFKC", code).strip()  # typed with the input method on, too
    if not text:
        raise InvalidInput("様式のコードを入力してください（様式のQRコードを読み取るか、様式番号を入力）。")
    form_id = service.parse_code(text).form_id if "|" in text else text
    form = service.issued_form(session, actor, form_id)
    receipt = session.exec(select(Receipt).where(Receipt.form_id == form.form_id)
                           .order_by(Receipt.arrival.desc())).first()
    if receipt is None:
        raise Conflict(f"様式 {form.form_id} はまだ受付されていません。先に受付画面で受付してから添付してください。")
    return receipt


def attach_exception(*, session: Session, actor: Actor, page: ScannedPage, code: str) -> Attached:
    """File an exception page as an attachment of the form the operator names (an ID copy scanned
    on its own, a bank-book copy fed after another form), then run the form's check again with it."""
    actor.require(*service.CHECKERS)
    receipt = _receipt_for(session, actor, code)
    page.role, page.receipt_id, page.municipality_id, page.form_id = ("attachment", receipt.id,
                                                                      receipt.municipality_id, receipt.form_id)
    page.page_number = 0
    _resolve(page, actor)
    receipt.attachment_pages += 1
    session.add(page)
    session.add(receipt)
    session.flush()
    record_audit(session=session, actor=actor, action="exception_attach", entity="scanned_page", entity_id=page.id,
                 municipality_id=receipt.municipality_id, detail=f"receipt={receipt.id} form={receipt.form_id}")
    verdict, note = recheck_form(session=session, actor=actor, receipt=receipt)
    return Attached(page, receipt, verdict, note)


def recheck_form(*, session: Session, actor: Actor, receipt: Receipt) -> tuple[Verdict | None, str]:
    """Run a form's check again from its stored readings and its attachments now: a deficient form
    goes back to the check first (審査へ戻す, the operator's correction). Returns the verdict, or None
    with the reason the check cannot be run now."""
    actor.require(*service.CHECKERS)
    readings = service.readings_of(session, receipt)
    if not readings:
        return None, "この様式はまだ点検されていません。点検のときに添付の枚数に数えます。"
    if receipt.outcome == Outcome.review.value:
        return None, "目視確認が終わると、添付を含めて判定します。"
    application = application_for_household(session=session, household_id=receipt.household_id)
    status = application.status if application else None
    if receipt.counted and status == Status.deficient.value:
        manual_transition(session=session, actor=actor, application=application, to=Status.checking,
                          reason="例外の頁を添付して再チェック")
    elif receipt.counted and status not in (Status.received.value, Status.checking.value):
        return None, f"申請は「{label('status', status)}」のため、状態は変えずに添付として記録しました。"
    if any(reading.scanned_page_id is None for reading in readings):  # judged from the paper: every page seen
        pages = {page.number for page in service.template_of(session, receipt).pages}
    else:
        pages = set(session.exec(select(ScannedPage.page_number).where(ScannedPage.receipt_id == receipt.id,
                                                                       ScannedPage.role == "form")))
    verdict = service.record_check(session=session, actor=actor, receipt=receipt, pages_present=pages,
                           attachment_pages=receipt.attachment_pages)
    return verdict, ""


def dismiss_exception(*, session: Session, actor: Actor, page: ScannedPage, reason: str, note: str = "") -> None:
    """Close an exception that needs nothing more, with the reason (and a note for その他)."""
    actor.require(*service.CHECKERS)
    try:
        why = DismissReason(reason.strip())
    except ValueError:
        raise InvalidInput("対応不要とする理由を選んでください。") from None
    note = note.strip()
    if why == DismissReason.other and not note:
        raise InvalidInput("「その他」のときは、理由をメモに書いてください。")
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidInput(f"メモは{MAX_NOTE_CHARS}文字以内にしてください（いま {len(note)} 文字）。")
    _resolve(page, actor)
    session.add(page)
    record_audit(session=session, actor=actor, action="exception_dismiss", entity="scanned_page", entity_id=page.id,
                 detail=f"reason={why.value}" + (f" note={note}" if note else ""))
    session.flush()


def recheck_exception(*, session: Session, actor: Actor, page: ScannedPage, store_root: Path,
                      limits: ScanLimits = DEFAULT_LIMITS, workers: int = 1) -> ScanBatch | None:
    """Run the machine's check again on an exception (after the scan limits were raised, or a
    fault fixed): the open exceptions of its scan batch, in the order scanned (so a form's pages and
    the copies behind them stay together), fed again as a new scan batch, as if the operator had put
    them through the scanner again. If the new batch files any of them, the old exceptions are
    closed (what still cannot be filed is in the queue again, from the new batch); if it files none,
    nothing changes and None comes back."""
    actor.require(*service.CHECKERS)
    held = list(session.exec(select(ScannedPage).where(
        ScannedPage.scan_batch_id == page.scan_batch_id, ScannedPage.role == "exception",
        ScannedPage.resolved_at.is_(None)).order_by(ScannedPage.id)))
    original = session.get(ScanBatch, page.scan_batch_id)
    arrived_on = as_utc(original.started_at).astimezone(JST).date() if original else None
    folder = Path(tempfile.mkdtemp(prefix="recheck-"))
    try:
        for number, exception in enumerate(held, start=1):
            _copy_page(exception, folder / f"{number:05d}", limits)
        from mailroom.checkin.ingest import ingest_folder  # ingest imports the service, which imports this

        with session.begin_nested() as savepoint:
            batch = ingest_folder(session=session, actor=actor, folder=folder, store_root=store_root,
                                  arrived_on=arrived_on, limits=limits, workers=workers)
            filed = session.exec(select(func.count()).select_from(ScannedPage).where(
                ScannedPage.scan_batch_id == batch.id, ScannedPage.role != "exception")).one()
            if not filed:
                savepoint.rollback()
                shutil.rmtree(batch.stored_in, ignore_errors=True)
                return None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for exception in held:
        _resolve(exception, actor)
        session.add(exception)
    record_audit(session=session, actor=actor, action="exception_recheck", entity="scanned_page", entity_id=page.id,
                 detail=f"pages={len(held)} scan_batch={batch.id}")
    session.flush()
    return batch


def _copy_page(page: ScannedPage, stem: Path, limits: ScanLimits) -> None:
    """The page as the scanner gave it: the file itself, or one page of a file of many as a PNG."""
    source = Path(page.image_path)
    if "#" not in page.source_name:
        shutil.copyfile(source, stem.with_name(f"{stem.name}-{source.name}"))
        return
    index = int(page.source_name.rpartition("#")[2])
    image = read_page(source, index, limits)
    if image is None or image.error:
        raise Conflict(f"{page.source_name} は画像として読めないため、再チェックできません。読み取り直してください。")
    stem.with_name(f"{stem.name}.png").write_bytes(png_bytes(image.pixels))
