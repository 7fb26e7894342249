"""Logging an inquiry and what the agent does from the same screen: escalate to the municipality,
schedule a call-back, note an address change, record a decline. Reissuing a form goes through the
print room (`mailroom.printing.runs.reissue`), called from the route."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlmodel import Session, select

from callcenter.inquiries.clock import add_business_days, business_days_between
from callcenter.inquiries.lookup import national_digits, to_e164
from callcenter.inquiries.models import (CHANNELS, DEFAULT_CATEGORIES, LANGUAGES, AddressChange, Callback, Escalation,
                                         Inquiry)
from secretariat.core.applications.models import Application
from secretariat.core.applications import declines
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import JST, in_jst, utcnow
from secretariat.core.errors import Conflict, InvalidInput, NotFound
from secretariat.core.households.models import Household
from secretariat.core.programmes.models import Programme
from secretariat.core.text import normalise_postal_code

AGENTS = (Role.agent, Role.supervisor, Role.admin)
RESPONSE_DAYS = 3  # business days the municipality has to answer an escalation


def categories_for(programme: Programme) -> tuple[str, ...]:
    """The programme's inquiry taxonomy: its own list if it has one, else the default."""
    return tuple(programme.inquiry_categories or DEFAULT_CATEGORIES)


def log_inquiry(*, session: Session, actor: Actor, programme: Programme, household: Household | None,
                category: str, text: str = "", channel: str = "phone", language: str = "ja",
                outcome: str = "answered", call_sid: str | None = None) -> Inquiry:
    actor.require(*AGENTS)
    if not actor.can_see(programme.municipality_id):
        raise NotFound(f"no programme {programme.id}")
    if household is not None and household.programme_id != programme.id:
        raise InvalidInput(f"household {household.id} is not a target of programme {programme.id}")
    if category not in categories_for(programme):
        raise InvalidInput(f"unknown category {category!r}; this programme uses {', '.join(categories_for(programme))}")
    if channel not in CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(CHANNELS)}")
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}")
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
        raise InvalidInput("an escalation needs the question for the municipality")
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
    if escalation is None or not actor.can_see(escalation.municipality_id):
        raise NotFound(f"no escalation {escalation_id}")
    return escalation


def escalations(*, session: Session, actor: Actor, open_only: bool = True) -> list[Escalation]:
    """The queue a liaison works (their municipality's) or staff watch (all)."""
    query = select(Escalation).where(actor.scope(Escalation.municipality_id)).order_by(Escalation.opened_at)
    if open_only:
        query = query.where(Escalation.status != "answered")
    return list(session.exec(query))


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
        raise Conflict(f"escalation {escalation.id} is {escalation.status}; only an open one can be paused")
    escalation.status, escalation.paused_on = "paused", on
    session.add(escalation)
    session.flush()
    return escalation


def resume(*, session: Session, actor: Actor, escalation: Escalation, on: date) -> Escalation:
    if escalation.status != "paused":
        raise Conflict(f"escalation {escalation.id} is not paused")
    escalation.paused_business_days += business_days_between(escalation.paused_on, on)
    escalation.status, escalation.paused_on = "open", None
    session.add(escalation)
    session.flush()
    return escalation


def answer_escalation(*, session: Session, actor: Actor, escalation: Escalation, answer: str) -> Escalation:
    """The municipality's answer; the liaison gives it, or secretariat staff on their word."""
    actor.require(Role.liaison, Role.supervisor, Role.admin)
    if not actor.can_see(escalation.municipality_id):
        raise NotFound(f"no escalation {escalation.id}")
    if escalation.status == "answered":
        raise Conflict(f"escalation {escalation.id} was already answered")
    if not answer.strip():
        raise InvalidInput("the answer is empty")
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
        raise InvalidInput("an address change needs the caller's household")
    if not address.strip():
        raise InvalidInput("the new address is empty")
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
        raise InvalidInput("a decline needs the caller's household")
    declines.record_decline(session=session, actor=actor, application=application,
                            evidence=f"{reason} (問い合わせ {inquiry.id})")
    inquiry.outcome = "declined"
    session.add(inquiry)
    record_audit(session=session, actor=actor, action="decline", entity="household", entity_id=inquiry.household_id,
                 municipality_id=inquiry.municipality_id, detail=f"inquiry={inquiry.id}")
    session.flush()
    return application


def inquiries_of(*, session: Session, actor: Actor, household: Household) -> list[Inquiry]:
    if not actor.can_see(household.municipality_id):
        raise NotFound(f"no household {household.id}")
    return list(session.exec(select(Inquiry).where(Inquiry.household_id == household.id)
                             .order_by(Inquiry.created_at.desc())))


def next_business_morning(now: datetime) -> datetime:
    day = add_business_days(in_jst(now).date(), 1)
    return datetime.combine(day, time(10), JST)

