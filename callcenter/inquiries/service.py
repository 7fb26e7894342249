"""Logging an inquiry and what the agent does from the same screen: escalate to the municipality,
schedule a call-back, note an address change, record a decline. Reissuing a form goes through the
print room (`mailroom.printing.runs.reissue`), called from the route."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func
from sqlmodel import Session, select

from callcenter.inquiries.clock import add_business_days, business_days_between
from callcenter.inquiries.lookup import national_digits, to_e164
from callcenter.inquiries.models import (CHANNELS, DEFAULT_CATEGORIES, LANGUAGES, AddressChange, Callback, Escalation,
                                         Inquiry)
from secretariat.core.applications.models import Application
from secretariat.core.applications import declines
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.assignments import in_view
from secretariat.core.auth.roles import Role
from secretariat.core.clock import JST, in_jst, utcnow
from secretariat.core.errors import Conflict, InvalidInput, NotFound
from secretariat.core.households.models import Household, Person
from secretariat.core.programmes.models import Programme
from secretariat.core.text import normalise_postal_code

AGENTS = (Role.agent, Role.supervisor, Role.admin)
RESPONSE_DAYS = 3  # business days the municipality has to answer an escalation
ANSWER_MAX = 4000  # characters of a municipality's answer (the form's maxlength says the same)


def categories_for(programme: Programme) -> tuple[str, ...]:
    """The programme's inquiry taxonomy: its own list if it has one, else the default."""
    return tuple(programme.inquiry_categories or DEFAULT_CATEGORIES)


def log_inquiry(*, session: Session, actor: Actor, programme: Programme, household: Household | None,
                category: str, text: str = "", channel: str = "phone", language: str = "ja",
                outcome: str = "answered", call_sid: str | None = None) -> Inquiry:
    actor.require(*AGENTS)
    if not in_view(session, actor, programme.municipality_id, programme.id):
        raise NotFound(f"事業 {programme.id} はありません。")
    if household is not None and household.programme_id != programme.id:
        raise InvalidInput(f"世帯 {household.id} はこの事業（{programme.id}）の対象ではありません。")
    if category not in categories_for(programme):
        raise InvalidInput(f"問い合わせの区分「{category}」はこの事業にありません。")
    if channel not in CHANNELS:
        raise InvalidInput(f"経路「{channel}」は選べません。")
    if language not in LANGUAGES:
        raise InvalidInput(f"言語「{language}」は選べません。")
    inquiry = Inquiry(municipality_id=programme.municipality_id, programme_id=programme.id,
                      household_id=household.id if household else None, channel=channel, language=language,
                      category=category, text=text.strip()[:4000], outcome=outcome, agent=actor.username,
                      call_sid=call_sid)
    session.add(inquiry)
    session.flush()
    record_audit(session=session, actor=actor, action="inquiry", entity="household",
                 entity_id=household.id if household else None, municipality_id=programme.municipality_id,
                 detail=f"inquiry={inquiry.id} category={category}")
    return inquiry


def escalate(*, session: Session, actor: Actor, inquiry: Inquiry, question: str) -> Escalation:
    actor.require(*AGENTS)
    if not question.strip():
        raise InvalidInput("自治体への照会内容を入力してください。")
    escalation = Escalation(inquiry_id=inquiry.id, municipality_id=inquiry.municipality_id,
                            programme_id=inquiry.programme_id, household_id=inquiry.household_id,
                            question=question.strip()[:4000], opened_by=actor.username)
    inquiry.outcome = "escalated"
    session.add_all([escalation, inquiry])
    session.flush()
    record_audit(session=session, actor=actor, action="escalate", entity="escalation", entity_id=escalation.id,
                 municipality_id=inquiry.municipality_id)
    return escalation


def get_escalation(*, session: Session, actor: Actor, escalation_id: int) -> Escalation:
    escalation = session.get(Escalation, escalation_id)
    if escalation is None or not in_view(session, actor, escalation.municipality_id, escalation.programme_id):
        raise NotFound(f"照会 {escalation_id} はありません。")
    return escalation


def escalations(*, session: Session, actor: Actor, open_only: bool = True) -> list[Escalation]:
    """The queue a liaison works (their municipality's) or staff watch (all)."""
    query = select(Escalation).where(actor.scope(Escalation.municipality_id, Escalation.programme_id)
                                     ).order_by(Escalation.opened_at)
    if open_only:
        query = query.where(Escalation.status != "answered")
    return list(session.exec(query))


def open_escalation_count(*, session: Session, actor: Actor) -> int:
    """How many escalations wait for the municipality's answer (open or paused), in the actor's view."""
    return session.exec(select(func.count()).select_from(Escalation).where(
        actor.scope(Escalation.municipality_id, Escalation.programme_id), Escalation.status != "answered")).one()


@dataclass(frozen=True)
class EscalationRow:
    """An escalation as the liaison reads it: the question, whose household, and by when to answer."""

    escalation: Escalation
    household_id: int | None
    household_number: str
    head_name: str
    head_name_kana: str
    resident_number: str  # the head's 宛名番号, for looking the household up in the municipality's own systems
    days_open: int
    due: date
    overdue: bool


def escalation_rows(*, session: Session, actor: Actor, today: date, open_only: bool = True) -> list[EscalationRow]:
    """The queue with each escalation's household; audited as a read of the households it names."""
    listed = escalations(session=session, actor=actor, open_only=open_only)
    household_ids = {e.household_id for e in listed if e.household_id}
    heads = {household.id: (household, person) for household, person in session.exec(
        select(Household, Person).join(Person, (Person.household_id == Household.id) & Person.is_head.is_(True))
        .where(Household.id.in_(household_ids)))} if household_ids else {}
    rows = []
    for e in listed:
        household, head = heads.get(e.household_id, (None, None))
        rows.append(EscalationRow(escalation=e, household_id=e.household_id,
                                  household_number=household.household_number if household else "",
                                  head_name=head.name if head else "", head_name_kana=head.name_kana if head else "",
                                  resident_number=head.resident_number if head else "",
                                  days_open=business_days_open(e, today), due=response_due(e, today),
                                  overdue=overdue(e, today)))
    for municipality_id in sorted({household.municipality_id for household, _ in heads.values()}):
        record_audit(session=session, actor=actor, action="list", entity="household", municipality_id=municipality_id,
                     detail="escalations ids=" + ",".join(str(household.id) for household, _ in heads.values()
                                                          if household.municipality_id == municipality_id))
    return rows


def response_due(escalation: Escalation, today: date) -> date:
    """回答期限: RESPONSE_DAYS business days after it opened, later by the business days it spent paused."""
    paused = escalation.paused_business_days
    if escalation.paused_on:
        paused += business_days_between(escalation.paused_on, today)
    return add_business_days(in_jst(escalation.opened_at).date(), RESPONSE_DAYS + paused)


def business_days_open(escalation: Escalation, today: date) -> int:
    """The response clock: business days since it opened, less those it spent paused."""
    opened = in_jst(escalation.opened_at).date()
    end = in_jst(escalation.answered_at).date() if escalation.answered_at else today
    paused_now = business_days_between(escalation.paused_on, end) if escalation.paused_on else 0
    return max(0, business_days_between(opened, end) - escalation.paused_business_days - paused_now)


def overdue(escalation: Escalation, today: date) -> bool:
    return escalation.status == "open" and business_days_open(escalation, today) > RESPONSE_DAYS


def pause(*, session: Session, actor: Actor, escalation: Escalation, on: date) -> Escalation:
    if escalation.status != "open":
        raise Conflict(f"照会 {escalation.id} は回答待ちではないため、保留にできません。")
    escalation.status, escalation.paused_on = "paused", on
    session.add(escalation)
    session.flush()
    return escalation


def resume(*, session: Session, actor: Actor, escalation: Escalation, on: date) -> Escalation:
    if escalation.status != "paused":
        raise Conflict(f"照会 {escalation.id} は保留中ではありません。")
    escalation.paused_business_days += business_days_between(escalation.paused_on, on)
    escalation.status, escalation.paused_on = "open", None
    session.add(escalation)
    session.flush()
    return escalation


def answer_escalation(*, session: Session, actor: Actor, escalation: Escalation, answer: str) -> Escalation:
    """The municipality's answer; the liaison gives it, or secretariat staff on their word."""
    actor.require(Role.liaison, Role.supervisor, Role.admin)
    if not actor.can_see(escalation.municipality_id):
        raise NotFound(f"照会 {escalation.id} はありません。")
    if escalation.status == "answered":
        raise Conflict(f"照会 {escalation.id} はすでに回答済みです。")
    if not answer.strip():
        raise InvalidInput("回答を入力してください。")
    if len(answer) > ANSWER_MAX:
        raise InvalidInput(f"回答は{ANSWER_MAX:,}文字以内で入力してください（今は{len(answer):,}文字です）。")
    escalation.status, escalation.answer = "answered", answer.strip()[:4000]
    escalation.answered_at, escalation.answered_by = utcnow(), actor.username
    session.add(escalation)
    record_audit(session=session, actor=actor, action="answer", entity="escalation", entity_id=escalation.id,
                 municipality_id=escalation.municipality_id)
    session.flush()
    return escalation


def schedule_callback(*, session: Session, actor: Actor, inquiry: Inquiry, phone: str, due: datetime) -> Callback:
    actor.require(*AGENTS)
    callback = Callback(inquiry_id=inquiry.id, municipality_id=inquiry.municipality_id,
                        household_id=inquiry.household_id, phone=national_digits(to_e164(phone)), due_at=due)
    inquiry.outcome = "callback"
    session.add_all([callback, inquiry])
    session.flush()
    return callback


def note_address_change(*, session: Session, actor: Actor, inquiry: Inquiry, postal_code: str,
                        address: str) -> AddressChange:
    actor.require(*AGENTS)
    if inquiry.household_id is None:
        raise InvalidInput("住所変更の連絡には世帯が必要です。")
    if not address.strip():
        raise InvalidInput("新しい住所を入力してください。")
    change = AddressChange(inquiry_id=inquiry.id, municipality_id=inquiry.municipality_id,
                           household_id=inquiry.household_id, postal_code=normalise_postal_code(postal_code),
                           address=address.strip()[:200])
    inquiry.outcome = "address_change"
    session.add_all([change, inquiry])
    session.flush()
    return change


def record_decline(*, session: Session, actor: Actor, inquiry: Inquiry, reason: str = "電話で辞退の申出") -> Application:
    """The resident declines by phone: the application moves to declined, on the agent's record."""
    actor.require(*AGENTS)
    application = session.exec(select(Application).where(Application.household_id == inquiry.household_id)).first()
    if application is None:
        raise InvalidInput("辞退の記録には世帯の申請が必要です。")
    declines.record_decline(session=session, actor=actor, application=application,
                            evidence=f"{reason} (問い合わせ {inquiry.id})")
    inquiry.outcome = "declined"
    session.add(inquiry)
    record_audit(session=session, actor=actor, action="decline", entity="household", entity_id=inquiry.household_id,
                 municipality_id=inquiry.municipality_id, detail=f"inquiry={inquiry.id}")
    session.flush()
    return application


def inquiries_of(*, session: Session, actor: Actor, household: Household) -> list[Inquiry]:
    if not in_view(session, actor, household.municipality_id, household.programme_id):
        raise NotFound(f"世帯 {household.id} はありません。")
    return list(session.exec(select(Inquiry).where(Inquiry.household_id == household.id)
                             .order_by(Inquiry.created_at.desc())))


def next_business_morning(now: datetime) -> datetime:
    day = add_business_days(in_jst(now).date(), 1)
    return datetime.combine(day, time(10), JST)

