"""The call center's pages: the agent's screen (find the caller, see the timeline, log the inquiry
and act on it) and the escalation queue a municipality's liaison answers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from callcenter.inquiries.lookup import find_callers
from callcenter.inquiries.models import CATEGORY_LABELS_JA, LANGUAGES, Escalation
from callcenter.telephony.calls import active_calls
from callcenter.inquiries.service import (AGENTS, answer_escalation, business_days_open, categories_for, escalate,
                                          escalations, get_escalation, inquiries_of, log_inquiry,
                                          next_business_morning, note_address_change, overdue, record_decline,
                                          schedule_callback)
from mailroom.printing.runs import reissue
from secretariat.core.applications.service import timeline
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import today_jst, utcnow
from secretariat.core.errors import InvalidInput
from secretariat.core.households.service import read_household_record
from secretariat.core.programmes.models import Programme
from secretariat.core.web.deps import AppSettings, CurrentActor, DbSession, ValidHousehold, require_roles
from secretariat.core.web.templating import make_templates, render

router = APIRouter()
pages = make_templates(Path(__file__).parent / "templates")
Agent = Annotated[Actor, require_roles(*AGENTS)]
Answerer = Annotated[Actor, require_roles(Role.liaison, Role.supervisor, Role.admin, Role.agent)]
# Path parameters that name a tenant's objects (see core.web.deps): loaded before the role check,
# so another municipality's identifier answers 404 whatever the role.
TENANT_PATH_PARAMETERS = ("escalation_id",)
ACTIONS = ("answered", "escalate", "reissue", "decline", "callback", "address_change")


def valid_escalation(escalation_id: int, session: DbSession, actor: CurrentActor) -> Escalation:
    return get_escalation(session=session, actor=actor, escalation_id=escalation_id)


ValidEscalation = Annotated[Escalation, Depends(valid_escalation)]


@router.get("/callcenter")
def agent_screen(request: Request, session: DbSession, actor: Agent, q: str = ""):
    callers = find_callers(session=session, actor=actor, query=q.strip()[:100]) if q.strip() else []
    session.commit()
    return render(request, "callcenter_search.html", using=pages, actor=actor, q=q, callers=callers,
                  open_escalations=len(escalations(session=session, actor=actor)),
                  calls=active_calls(session, actor))


@router.get("/api/callcenter/calls/active")
def active_calls_json(session: DbSession, actor: Agent):
    """What the agent's screen polls: calls in progress and the record each caller's number matched."""
    return [{"call_sid": call.call_sid, "status": call.status, "language": call.language,
             "household_id": call.household_id, "conference": call.conference} for call in active_calls(session, actor)]


@router.get("/callcenter/households/{household_id}")
def caller_record(request: Request, session: DbSession, household: ValidHousehold, actor: Agent, done: str = ""):
    record = read_household_record(session=session, actor=actor, household_id=household.id)
    programme = session.get(Programme, household.programme_id)
    session.commit()
    return render(request, "callcenter_household.html", using=pages, actor=actor, record=record,
                  programme=programme, done=done,
                  events=timeline(session=session, application_id=record.application.id) if record.application else [],
                  inquiries=inquiries_of(session=session, actor=actor, household=household),
                  categories=[(c, CATEGORY_LABELS_JA.get(c, c)) for c in categories_for(programme)],
                  languages=LANGUAGES, actions=ACTIONS)


@router.post("/callcenter/households/{household_id}/inquiries")
def log_call(session: DbSession, settings: AppSettings, household: ValidHousehold, actor: Agent,
             category: Annotated[str, Form(max_length=40)], action: Annotated[str, Form(max_length=20)] = "answered",
             text: Annotated[str, Form(max_length=4000)] = "", channel: Annotated[str, Form(max_length=10)] = "phone",
             language: Annotated[str, Form(max_length=5)] = "ja",
             question: Annotated[str, Form(max_length=4000)] = "", phone: Annotated[str, Form(max_length=30)] = "",
             postal_code: Annotated[str, Form(max_length=10)] = "", address: Annotated[str, Form(max_length=200)] = ""):
    """Log the inquiry and do the chosen action in one transaction: all of it happens, or none."""
    if action not in ACTIONS:
        raise InvalidInput(f"unknown action {action!r}")
    programme = session.get(Programme, household.programme_id)
    inquiry = log_inquiry(session=session, actor=actor, programme=programme, household=household,
                          category=category, text=text, channel=channel, language=language)
    if action == "escalate":
        escalate(session=session, actor=actor, inquiry=inquiry, question=question or text)
    elif action == "reissue":
        reissue(session=session, actor=actor, household=household, out_dir=settings.data_dir / "reissues",
                reason="問い合わせによる再発行")
        inquiry.outcome = "reissued"
        session.add(inquiry)
    elif action == "decline":
        record_decline(session=session, actor=actor, inquiry=inquiry)
    elif action == "callback":
        schedule_callback(session=session, actor=actor, inquiry=inquiry, phone=phone or household.phone,
                          due=next_business_morning(utcnow()))
    elif action == "address_change":
        note_address_change(session=session, actor=actor, inquiry=inquiry, postal_code=postal_code, address=address)
    session.commit()
    return RedirectResponse(f"/callcenter/households/{household.id}?done={action}", status_code=303)


@router.get("/callcenter/escalations")
def escalation_queue(request: Request, session: DbSession, actor: Answerer, all: bool = False):
    listed = escalations(session=session, actor=actor, open_only=not all)
    today = today_jst()
    return render(request, "callcenter_escalations.html", using=pages, actor=actor, today=today,
                  rows=[(e, business_days_open(e, today), overdue(e, today)) for e in listed])


@router.post("/callcenter/escalations/{escalation_id}/answer")
def answer(session: DbSession, escalation: ValidEscalation, actor: Answerer,
           answer_text: Annotated[str, Form(alias="answer", max_length=4000)]):
    answer_escalation(session=session, actor=actor, escalation=escalation, answer=answer_text)
    session.commit()
    return RedirectResponse("/callcenter/escalations", status_code=303)

