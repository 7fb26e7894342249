"""Checking in returned forms: the receipt, the machine's verdict, the operator's confirmation.

A form's life in the mailroom, each step one function here:

1. `check_in_code`: the envelope's form is scanned (handheld, or its page code read from a
   scan). The receipt is recorded and the application moves mailed → received (or returned →
   received for a corrected form). Double scans find the same receipt; a second form for the
   same household, a voided form or a late one is recorded but flagged, and moves nothing.
2. `record_check`: the image check's field readings and verdict are stored; the application
   moves received → checking → complete or deficient, or declined when a complete form says
   辞退 and not 受け取る (`flows.decline_on_paper`). Uncertain fields leave it in checking
   for an operator.
3. `confirm_field`: the operator's look at an uncertain field; when none is left, the verdict
   is drawn again with the operator's word in place of the machine's.
"""

from __future__ import annotations

import unicodedata

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from mailroom.checkin.flows import decline_on_paper, declines
from mailroom.checkin.models import DeficiencyRecord, FieldReading, Receipt, ScannedPage, UndeliverableMail
from mailroom.keying.flows import enqueue as enqueue_keying
from mailroom.printing.models import IssuedForm
from mailroom.printing.page_code import PageCode, PageCodeError, parse
from mailroom.scanning.verdict import Deficiency, FieldResult, Outcome, State, Verdict, evaluate, field_state
from secretariat.core.applications.models import Application
from secretariat.core.applications.ownership import owns
from secretariat.core.applications.service import application_for_household, transition
from secretariat.core.applications.states import Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import JST, today_jst, utcnow
from secretariat.core.errors import Conflict, InvalidInput, NotFound
from secretariat.core.messages import label, label_code
from secretariat.core.programmes.models import Programme
from templates.loader import default_templates
from templates.schema import Template

CHECKERS = (Role.admin, Role.supervisor, Role.operator, Role.system)
FORM_KIND = "form"
PAPER = "paper"  # a receipt's channel: the form came on paper (`online` records "web")
DOUBLE_SCAN = "同じ様式は受付済みです（二重読取り）。"


MAX_CODE_CHARS = 200


def parse_code(text: str) -> PageCode:
    """A page code as a handheld scanner types it; a misread or mistyped code is refused by its check.

    Typed with the Japanese input method on, a code arrives in full-width letters (ＳＣＴ１｜…):
    it is folded to the scanner's own characters first, and stray line ends are dropped."""
    folded = unicodedata.normalize("NFKC", text).strip()
    if not folded:
        raise InvalidInput("コードが空です。様式のQRコードをもう一度読み取ってください。")
    if len(folded) > MAX_CODE_CHARS:
        raise InvalidInput(f"コードが長すぎます（{len(folded)} 文字）。様式のQRコードだけを読み取ってください。")
    try:
        return parse(folded)
    except PageCodeError as error:
        raise InvalidInput(f"読み取ったコードは様式のコードではありません: {error}") from None


@dataclass
class CheckIn:
    """What the operator's screen shows after a scan."""

    receipt: Receipt
    new: bool  # False for a double scan of the same form
    message: str  # one line for the operator, in Japanese


def issued_form(session: Session, actor: Actor, form_id: str) -> IssuedForm:
    form = session.exec(select(IssuedForm).where(IssuedForm.form_id == form_id)).first()
    if form is None or not actor.can_see(form.municipality_id):
        raise NotFound(f"様式 {form_id} はこの事務局が発行したものではありません（別の事業の様式か、読み違いです）")
    return form


@owns((Status.mailed, Status.received), (Status.returned, Status.received))
def check_in_code(*, session: Session, actor: Actor, code: str | PageCode, arrived_on: date | None = None,
                  postmarked_on: date | None = None, scan_batch_id: int | None = None,
                  channel: str = PAPER, form: IssuedForm | None = None) -> CheckIn:
    """Record the arrival of the form the code names. See the module docstring for the rules.

    `channel` is how it came: on paper, or from the residents' web form (`web`, the `online`
    package). A double scan is the same form again on the same channel; a paper form after the
    household applied online is a second submission (flagged as duplicate), not a double scan.
    `form`: the code's form when the caller has already looked it up (`issued_form`, as the station does)."""
    actor.require(*CHECKERS)
    page_code = parse_code(code) if isinstance(code, str) else code
    if form is None or form.form_id != page_code.form_id:
        form = issued_form(session, actor, page_code.form_id)
    if page_code.household_id != form.household_id:
        raise InvalidInput(f"コードの世帯（{page_code.household_id}）と様式 {form.form_id} の世帯が一致しません"
                           f"（読み違いか、別の世帯の様式です）")
    arrived_on = arrived_on or today_jst()
    if arrived_on > today_jst() or (postmarked_on and postmarked_on > arrived_on):
        raise InvalidInput("到着日に未来の日付は入れられません。消印日は到着日より前の日付にしてください。")
    application = application_for_household(session=session, household_id=form.household_id)
    earlier = list(session.exec(select(Receipt).where(Receipt.household_id == form.household_id)
                                .order_by(Receipt.id)))
    same_form = [r for r in earlier if r.form_id == form.form_id and r.channel == channel]
    corrected = application is not None and application.status == Status.returned.value
    if same_form and not corrected:
        return CheckIn(same_form[-1], False, DOUBLE_SCAN)
    programme = session.get(Programme, form.programme_id)
    receipt = Receipt(municipality_id=form.municipality_id, programme_id=form.programme_id,
                      household_id=form.household_id, form_id=form.form_id, channel=channel,
                      arrival=sum(r.form_id == form.form_id for r in earlier),
                      arrived_on=arrived_on,
                      postmarked_on=postmarked_on, received_by=actor.username, scan_batch_id=scan_batch_id)
    notes = []
    if form.voided_at is not None:
        receipt.voided_form = True
        notes.append("再発行により無効となった様式です。")
    if (postmarked_on or arrived_on) > programme.deadline_date:
        receipt.late = True
        notes.append(f"提出期限（{programme.deadline_date:%Y-%m-%d}）後に届きました。")
    if not corrected and any(r.counted for r in earlier):
        receipt.duplicate = True
        notes.append("この世帯の様式はすでに受付済みです（二重提出）。")
    receipt.counted = not (receipt.voided_form or receipt.duplicate or receipt.late)
    try:
        with session.begin_nested():
            if receipt.counted and not _receive(session, actor, application, arrived_on):
                receipt.counted = False
                notes.append(f"申請の状態（{label('status', application.status)}）では受付できません。管理者に確認してください。")
            receipt.flag_note = " ".join(notes)[:500]
            session.add(receipt)
            session.flush()
    except (IntegrityError, Conflict):  # another station recorded this arrival of the form a moment ago
        # (its receipt took the unique index, or its step took the application from 発送済み first)
        winner = session.exec(select(Receipt).where(Receipt.form_id == form.form_id,
                                                    Receipt.arrival == receipt.arrival)).first()
        if winner is None:
            raise
        return CheckIn(winner, False, DOUBLE_SCAN)
    record_audit(session=session, actor=actor, action="check_in", entity="receipt", entity_id=receipt.id,
                 municipality_id=receipt.municipality_id, detail=f"form={form.form_id} counted={receipt.counted}")
    message = receipt.flag_note or ("修正後の様式を受け付けました。" if corrected else "受け付けました。")
    return CheckIn(receipt, True, message)


def _receive(session: Session, actor: Actor, application: Application | None, arrived_on: date) -> bool:
    if application is None or application.status not in (Status.mailed.value, Status.returned.value):
        return False
    transition(session=session, application=application, to=Status.received, actor=actor, reason="様式受付",
               at=arrival_moment(arrived_on))
    return True


def arrival_moment(arrived_on: date) -> datetime:
    """When the timeline says a form arrived: now for today's post (so a check that follows comes
    after it), the start of the office day for a day already past."""
    return utcnow() if arrived_on >= today_jst() else datetime.combine(arrived_on, time(9), JST)


# --- the machine's readings and the verdict ------------------------------------------------

def store_readings(*, session: Session, receipt: Receipt, page: ScannedPage, fields: dict[str, FieldResult],
                   crops: dict[tuple[str, str], str] | None = None) -> None:
    """One row per box: a choice stores each option, so the operator confirms the option itself."""
    crops = crops or {}
    for result in fields.values():
        boxes = result.options.items() if result.options else [("", result.state)]
        for option, state in boxes:
            session.add(FieldReading(receipt_id=receipt.id, scanned_page_id=page.id,
                                     municipality_id=receipt.municipality_id, field=result.name, option=option,
                                     kind=result.kind, machine_state=state.value,
                                     ink_mm2=result.ink_mm2 if not option else 0.0,
                                     crop_path=crops.get((result.name, option), "")))


def readings_of(session: Session, receipt: Receipt) -> list[FieldReading]:
    return list(session.exec(select(FieldReading).where(FieldReading.receipt_id == receipt.id)
                             .order_by(FieldReading.id)))


def field_results(readings: list[FieldReading]) -> dict[str, FieldResult]:
    """The readings as the verdict wants them, with each operator's confirmation in place."""
    results: dict[str, FieldResult] = {}
    for reading in readings:
        result = results.setdefault(reading.field, FieldResult(reading.field, reading.kind, State.blank, 0.0))
        if reading.option:
            result.options[reading.option] = State(reading.state)
            result.state = field_state(result.options)
        else:
            result.state = State(reading.state)
            result.ink_mm2 = reading.ink_mm2
    return results


def template_of(session: Session, receipt: Receipt) -> Template:
    form = session.exec(select(IssuedForm).where(IssuedForm.form_id == receipt.form_id)).one()
    known = default_templates()
    forms = [known[key.partition("@")[0]] for key in form.pack if key.partition("@")[0] in known]
    forms = [template for template in forms if template.kind == FORM_KIND]
    if not forms:
        raise Conflict(f"帳票 {receipt.form_id} は点検する様式（申請書・確認書）を含まずに発行されています")
    return forms[0]



@owns((Status.received, Status.checking), (Status.checking, Status.complete), (Status.checking, Status.deficient))
def record_check(*, session: Session, actor: Actor, receipt: Receipt, pages_present: set[int],
                 attachment_pages: int) -> Verdict:
    """Draw the verdict from the stored readings and move the application accordingly."""
    actor.require(*CHECKERS)
    template = template_of(session, receipt)
    fields = field_results(readings_of(session, receipt))
    verdict = evaluate(template, fields, pages_present, attachment_pages)
    receipt.page_count = len(pages_present)
    receipt.attachment_pages = attachment_pages
    _apply(session, actor, receipt, verdict, declined=declines(fields))
    return verdict


def _apply(session: Session, actor: Actor, receipt: Receipt, verdict: Verdict, declined: bool = False) -> None:
    receipt.outcome = verdict.outcome.value
    receipt.checked_at = utcnow()
    session.add(receipt)
    for old in session.exec(select(DeficiencyRecord).where(DeficiencyRecord.receipt_id == receipt.id)):
        session.delete(old)
    if verdict.outcome == Outcome.deficient:
        for deficiency in verdict.deficiencies:
            session.add(_deficiency_row(receipt, deficiency))
    if not receipt.counted:
        session.flush()
        return  # a flagged extra copy is checked and kept, but does not drive the application
    application = application_for_household(session=session, household_id=receipt.household_id)
    if application.status == Status.received.value:
        transition(session=session, application=application, to=Status.checking, actor=actor, reason="審査開始")
    if application.status == Status.checking.value and verdict.outcome == Outcome.complete and declined:
        decline_on_paper(session=session, actor=actor, receipt=receipt, application=application)
    elif application.status == Status.checking.value and verdict.outcome != Outcome.review:
        target = Status.complete if verdict.outcome == Outcome.complete else Status.deficient
        named = "、".join(label_code("deficiency", d.code) for d in verdict.deficiencies)
        transition(session=session, application=application, to=target, actor=actor,
                   reason=f"不備: {named}"[:500] if named else "審査完了")
        if target == Status.complete:
            session.flush()
            enqueue_keying(session=session, actor=actor, receipt=receipt)  # 申請データ入力 when a new account matters
    session.flush()


def _deficiency_row(receipt: Receipt, deficiency: Deficiency) -> DeficiencyRecord:
    return DeficiencyRecord(receipt_id=receipt.id, municipality_id=receipt.municipality_id,
                            programme_id=receipt.programme_id, household_id=receipt.household_id,
                            code=deficiency.code, field=deficiency.field or "", message=deficiency.message[:300],
                            fix=deficiency.fix[:300], found_on=today_jst())


def confirm_field(*, session: Session, actor: Actor, reading_id: int, state: str) -> Receipt:
    """An operator's word on one box (目視確認): filled or blank. Stored beside the machine's reading,
    counted as an override when they differ; once no uncertain box is left, the form is judged."""
    actor.require(*CHECKERS)
    if state not in (State.filled.value, State.blank.value):
        raise InvalidInput(f"目視確認では「{label('read_state', State.filled.value)}」か"
                           f"「{label('read_state', State.blank.value)}」を選んでください")
    reading = session.get(FieldReading, reading_id)
    if reading is None or not actor.can_see(reading.municipality_id):
        raise NotFound.of("読み取り項目", reading_id)
    reading.confirmed_state = state
    reading.confirmed_by = actor.username
    reading.confirmed_at = utcnow()
    session.add(reading)
    receipt = session.get(Receipt, reading.receipt_id)
    record_audit(session=session, actor=actor, action="confirm_field", entity="receipt", entity_id=receipt.id,
                 municipality_id=receipt.municipality_id,
                 detail=f"{reading.field}{'=' + reading.option if reading.option else ''}: "
                        f"{reading.machine_state}->{state}")
    session.flush()
    readings = readings_of(session, receipt)
    if receipt.outcome == Outcome.review.value and all(r.state != State.uncertain.value for r in readings):
        pages = set(session.exec(select(ScannedPage.page_number).where(ScannedPage.receipt_id == receipt.id,
                                                                       ScannedPage.role == "form")))
        record_check(session=session, actor=actor, receipt=receipt, pages_present=pages,
                     attachment_pages=receipt.attachment_pages)
    return receipt


REVIEW_LISTED = 50  # receipts the review page lists at once


def review_queue(*, session: Session, actor: Actor, limit: int = REVIEW_LISTED) -> list[Receipt]:
    """Receipts waiting for an operator's look, oldest first, within the actor's tenancy."""
    actor.require(*CHECKERS)
    return [r for r in session.exec(review_rows(limit)) if actor.can_see(r.municipality_id)]


def review_rows(limit: int):
    """The statement behind `review_queue` (before its tenancy check), for counting it too."""
    return select(Receipt).where(Receipt.outcome == Outcome.review.value).order_by(Receipt.id).limit(limit)


def override_counts(*, session: Session, actor: Actor) -> dict[str, int]:
    """How often operators confirmed an uncertain box, and how often they overrode a machine's decision."""
    actor.require(Role.admin, Role.supervisor, Role.system)
    confirmed = [r for r in session.exec(select(FieldReading).where(FieldReading.confirmed_state.is_not(None)))
                 if actor.can_see(r.municipality_id)]
    return {"confirmed": len(confirmed), "overridden": sum(r.overridden for r in confirmed)}


# --- undeliverable mail ---------------------------------------------------------------------

@owns((Status.mailed, Status.undeliverable))
def record_undeliverable(*, session: Session, actor: Actor, code: str | PageCode, returned_on: date | None = None,
                         reason: str = "あて所に尋ねあたりません") -> UndeliverableMail:
    """An envelope back unopened, checked in by the code in its window: the household goes on the
    municipality's list of addresses to resolve."""
    actor.require(*CHECKERS)
    page_code = parse_code(code) if isinstance(code, str) else code
    form = issued_form(session, actor, page_code.form_id)
    existing = session.exec(select(UndeliverableMail).where(UndeliverableMail.household_id == form.household_id)).first()
    if existing is not None:
        return existing
    application = application_for_household(session=session, household_id=form.household_id)
    if application.status != Status.mailed.value:
        raise Conflict(f"世帯 {form.household_id} の申請は「{label('status', application.status)}」で、"
                       f"「{label('status', Status.mailed.value)}」ではないため、宛所不明の返送として登録できません")
    returned_on = returned_on or today_jst()
    transition(session=session, application=application, to=Status.undeliverable, actor=actor,
               reason=reason, at=datetime.combine(returned_on, time(9), JST))
    mail = UndeliverableMail(municipality_id=form.municipality_id, programme_id=form.programme_id,
                             household_id=form.household_id, form_id=form.form_id, returned_on=returned_on,
                             reason=reason[:200], recorded_by=actor.username)
    session.add(mail)
    session.flush()
    return mail


def undeliverable_list(*, session: Session, actor: Actor, programme: Programme) -> list[UndeliverableMail]:
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    return list(session.exec(select(UndeliverableMail).where(UndeliverableMail.programme_id == programme.id)
                             .order_by(UndeliverableMail.returned_on, UndeliverableMail.id)))


# --- the supervisor's view ------------------------------------------------------------------

def deficiencies_by_day(*, session: Session, actor: Actor, programme: Programme) -> list[tuple[date, str, int]]:
    """(day, deficiency code, count): which fields confuse residents, to improve the form."""
    actor.require(Role.admin, Role.supervisor, Role.liaison, Role.system)
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    rows = session.exec(select(DeficiencyRecord.found_on, DeficiencyRecord.code, func.count())
                        .where(DeficiencyRecord.programme_id == programme.id)
                        .group_by(DeficiencyRecord.found_on, DeficiencyRecord.code)
                        .order_by(DeficiencyRecord.found_on, func.count().desc(), DeficiencyRecord.code))
    return [(day, code, count) for day, code, count in rows]


def receipt_counts(*, session: Session, actor: Actor, programme: Programme) -> dict[str, int]:
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    rows = session.exec(select(Receipt.outcome, func.count()).where(Receipt.programme_id == programme.id)
                        .group_by(Receipt.outcome))
    counts = {outcome: count for outcome, count in rows}
    counts["flagged"] = session.exec(select(func.count()).select_from(Receipt).where(
        Receipt.programme_id == programme.id, Receipt.counted.is_(False))).one()
    return counts
