"""The call center's steps: taking a call on a household's record (log the inquiry and do what the
agent chose, in one transaction, after checking everything typed), what an agent is asked to
confirm before a decline (辞退) or a reissue, and a supervisor's undo of a decline recorded in error."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from callcenter.inquiries.lookup import to_e164
from callcenter.inquiries.models import CHANNELS, LANGUAGES, Inquiry
from callcenter.inquiries.service import (categories_for, escalate, log_inquiry, next_business_morning,
                                          note_address_change, record_decline, schedule_callback)
from mailroom.printing.models import IssuedForm
from mailroom.printing.runs import reissue
from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.ownership import owns
from secretariat.core.applications.service import application_for_household, transition
from secretariat.core.applications.states import LABELS_JA, TRANSITIONS, Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import today_jst, utcnow
from secretariat.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from secretariat.core.households.models import Household
from secretariat.core.programmes.models import Programme
from secretariat.core.text import normalise_postal_code

UNDOERS = (Role.supervisor, Role.system)
ACTIONS = ("answered", "escalate", "reissue", "decline", "callback", "address_change")
CONFIRM_FIRST = ("decline", "reissue")  # cannot be taken back by the agent: the form asks again first
# what an agent may type into each field of the call's form (the inputs' maxlength says the same)
LIMITS = {"text": 4000, "question": 4000, "phone": 30, "postal_code": 10, "address": 200}


@dataclass
class CallNote:
    """What the agent typed on the caller's record (問い合わせの記録), as posted."""

    category: str = ""
    action: str = "answered"
    text: str = ""
    channel: str = "phone"
    language: str = "ja"
    question: str = ""
    phone: str = ""
    postal_code: str = ""
    address: str = ""
    call_sid: str = ""  # the telephone call it was, when the softphone opened the record

    def as_form(self) -> dict[str, str]:
        return asdict(self)


class CallProblems(InvalidInput):
    """What is wrong with a call's form, field by field, in Japanese; nothing was recorded."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(problems.values()))
        self.problems = problems


def check_call(*, programme: Programme, household: Household, note: CallNote) -> dict[str, str]:
    """Every problem of the call's form at once (field → sentence), before anything is recorded."""
    problems: dict[str, str] = {}
    if note.category not in categories_for(programme):
        problems["category"] = "問い合わせの区分を選んでください。"
    if note.action not in ACTIONS:
        problems["action"] = "対応を選んでください。"
    if note.channel not in CHANNELS:
        problems["channel"] = "経路を選んでください。"
    if note.language not in LANGUAGES:
        problems["language"] = "言語を選んでください。"
    for field, limit in LIMITS.items():
        if len(getattr(note, field)) > limit:
            problems[field] = f"{limit:,}文字以内で入力してください（今は{len(getattr(note, field)):,}文字です）。"
    if note.action == "escalate" and not (note.question.strip() or note.text.strip()) and "question" not in problems:
        problems["question"] = "自治体への照会内容を入力してください。"
    if note.action == "address_change":
        if not note.address.strip() and "address" not in problems:
            problems["address"] = "新しい住所を入力してください。"
        if "postal_code" not in problems:
            try:
                normalise_postal_code(note.postal_code)
            except InvalidInput:
                problems["postal_code"] = "新しい郵便番号を7桁で入力してください（例: 263-0023）。"
    if note.action == "callback" and "phone" not in problems:
        try:
            to_e164(note.phone or household.phone)
        except InvalidInput:
            problems["phone"] = ("折り返し先の電話番号を入力してください（例: 090-1234-5678）。" if not note.phone
                                 else "折り返し先の電話番号は10桁か11桁で入力してください（例: 090-1234-5678）。")
    return problems


def take_call(*, session: Session, actor: Actor, household: Household, note: CallNote, reissue_dir: Path) -> Inquiry:
    """Log the inquiry and do the chosen action, in the caller's transaction: all of it or, on any
    error, none (the caller rolls back). `CallProblems` names every field typed wrong."""
    programme = session.get(Programme, household.programme_id)
    problems = check_call(programme=programme, household=household, note=note)
    if problems:
        raise CallProblems(problems)
    inquiry = log_inquiry(session=session, actor=actor, programme=programme, household=household,
                          category=note.category, text=note.text, channel=note.channel, language=note.language,
                          call_sid=note.call_sid or None)
    if note.action == "escalate":
        escalate(session=session, actor=actor, inquiry=inquiry, question=note.question or note.text)
    elif note.action == "reissue":
        reissue(session=session, actor=actor, household=household, out_dir=reissue_dir, reason="問い合わせによる再発行")
        inquiry.outcome = "reissued"
        session.add(inquiry)
    elif note.action == "decline":
        record_decline(session=session, actor=actor, inquiry=inquiry)
    elif note.action == "callback":
        schedule_callback(session=session, actor=actor, inquiry=inquiry, phone=note.phone or household.phone,
                          due=next_business_morning(utcnow()))
    elif note.action == "address_change":
        note_address_change(session=session, actor=actor, inquiry=inquiry, postal_code=note.postal_code,
                            address=note.address)
    session.flush()
    return inquiry


@dataclass(frozen=True)
class ReissuePreview:
    """What reissuing will do, for the agent to read back before confirming."""

    household_number: str
    active_forms: int  # forms in the resident's hands now, which the reissue voids


def reissue_preview(*, session: Session, actor: Actor, household: Household) -> ReissuePreview:
    """Refuses now what the reissue itself would refuse (nothing printed yet)."""
    if not actor.can_see(household.municipality_id):
        raise NotFound(f"世帯 {household.id} は見つかりません")
    active = len(session.exec(select(IssuedForm.id).where(IssuedForm.household_id == household.id,
                                                         IssuedForm.voided_at.is_(None))).all())
    if not active:
        raise Conflict("この世帯の様式はまだ印刷されていません。次の印刷で発送されるため、再発行はできません。")
    return ReissuePreview(household_number=household.household_number, active_forms=active)


@dataclass(frozen=True)
class DeclinePreview:
    """What recording a decline will do, for the agent to read back to the caller before confirming."""

    household_number: str
    status_label: str  # the application's state now, in Japanese
    amount_yen: int
    undo_until: date  # the last day a supervisor may still undo it


def decline_preview(*, session: Session, actor: Actor, household: Household) -> DeclinePreview:
    """Refuses now what the decline itself would refuse (no application, or one past declining)."""
    if not actor.can_see(household.municipality_id):
        raise NotFound(f"世帯 {household.id} は見つかりません")
    application = application_for_household(session=session, household_id=household.id)
    if application is None:
        raise InvalidInput("この世帯には申請がないため、辞退を記録できません。")
    if Status.declined not in TRANSITIONS[Status(application.status)]:
        raise Conflict(f"申請の状態が「{LABELS_JA[Status(application.status)]}」のため、辞退を記録できません。")
    programme = session.get(Programme, application.programme_id)
    return DeclinePreview(household_number=household.household_number,
                          status_label=LABELS_JA[Status(application.status)], amount_yen=application.amount_yen,
                          undo_until=programme.deadline_date)


@owns([(Status.declined, target) for target in TRANSITIONS[Status.declined]])
def undo_decline(*, session: Session, actor: Actor, application: Application, reason: str) -> ApplicationEvent:
    """A supervisor takes back a decline recorded in error (the wrong household on the phone, a tick
    misread), with a reason, until the programme's deadline: the application returns to the state
    the decline took it from, as the decline's own event records."""
    if not actor.can_see(application.municipality_id):
        raise NotFound.of("申請", application.id)
    if actor.role not in UNDOERS:
        raise PermissionDenied("辞退の取消はスーパーバイザーだけが行えます。")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("辞退を取り消す理由を入力してください。")
    if application.status != Status.declined.value:
        raise Conflict("この申請は辞退の状態ではないため、取り消せません。")
    programme = session.get(Programme, application.programme_id)
    if today_jst() > programme.deadline_date:
        raise Conflict(f"申請期限（{programme.deadline_date:%Y-%m-%d}）を過ぎたため、辞退は取り消せません。")
    decline = session.exec(select(ApplicationEvent)
                           .where(ApplicationEvent.application_id == application.id,
                                  ApplicationEvent.to_status == Status.declined.value)
                           .order_by(ApplicationEvent.at.desc(), ApplicationEvent.id.desc())).first()
    if decline is None:
        raise Conflict("辞退の記録が見つからないため、取り消せません。")
    back_to = Status(decline.from_status)
    event = transition(session=session, application=application, to=back_to, actor=actor,
                       reason=f"辞退の取消（{reason}）")
    record_audit(session=session, actor=actor, action="undo_decline", entity="application",
                 entity_id=application.id, municipality_id=application.municipality_id,
                 detail=f"declined->{back_to.value} decline_event={decline.id}")
    return event
