"""The call center's pages: the agent's screen (find the caller, see the timeline, log the inquiry
and act on it) and the escalation queue a municipality's liaison answers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import select

from callcenter.charts import line_chart
from callcenter.flows import decline_preview, undo_decline
from callcenter.forecast.programme import staffing_plan, today_reforecast
from callcenter.forecast.samples import OPEN_FROM
from callcenter.inquiries.answers import search_answers, suggestions
from callcenter.inquiries.clock import is_business_day
from callcenter.inquiries.lookup import find_callers, to_e164
from callcenter.inquiries.models import CATEGORY_LABELS_JA, LANGUAGES, AddressChange, Callback, Escalation
from callcenter.inquiries.queues import (ADDRESS_DECIDERS, RESOLUTIONS_JA, complete_callback, get_address_change,
                                         get_callback, open_address_changes, open_callbacks, resolve_address_change)
from callcenter.inquiries.service import (AGENTS, answer_escalation, business_days_open, categories_for, escalate,
                                          escalations, get_escalation, inquiries_of, log_inquiry, next_business_morning,
                                          note_address_change, overdue, pause, record_decline, resume,
                                          schedule_callback)
from callcenter.staffing.roster import propose_roster
from callcenter.telephony.calls import active_calls, agent_joins, calls_per_day
from callcenter.telephony.router import twilio_client
from mailroom.printing.runs import reissue
from secretariat.core.applications.service import application_for_household, timeline
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import as_utc, in_jst, today_jst, utcnow
from secretariat.core.errors import InvalidInput, NotFound
from secretariat.core.households.models import Household
from secretariat.core.households.service import read_household_record
from secretariat.core.programmes.models import Programme
from secretariat.core.web.deps import (AppSettings, CurrentActor, DbSession, ValidHousehold, ValidProgramme,
                                       require_roles)
from secretariat.core.web.templating import make_templates, render

router = APIRouter()
pages = make_templates(Path(__file__).parent / "templates")
Agent = Annotated[Actor, require_roles(*AGENTS)]
Answerer = Annotated[Actor, require_roles(Role.liaison, Role.supervisor, Role.admin, Role.agent)]
# Path parameters that name a tenant's objects (see core.web.deps): loaded before the role check,
# so another municipality's identifier answers 404 whatever the role.
TENANT_PATH_PARAMETERS = ("escalation_id", "callback_id", "change_id")
ACTIONS = ("answered", "escalate", "reissue", "decline", "callback", "address_change")


def valid_escalation(escalation_id: int, session: DbSession, actor: CurrentActor) -> Escalation:
    return get_escalation(session=session, actor=actor, escalation_id=escalation_id)


ValidEscalation = Annotated[Escalation, Depends(valid_escalation)]


def valid_callback(callback_id: int, session: DbSession, actor: CurrentActor) -> Callback:
    return get_callback(session=session, actor=actor, callback_id=callback_id)


def valid_address_change(change_id: int, session: DbSession, actor: CurrentActor) -> AddressChange:
    return get_address_change(session=session, actor=actor, change_id=change_id)


ValidCallback = Annotated[Callback, Depends(valid_callback)]
ValidAddressChange = Annotated[AddressChange, Depends(valid_address_change)]
AddressDecider = Annotated[Actor, require_roles(*ADDRESS_DECIDERS)]


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
def caller_record(request: Request, session: DbSession, household: ValidHousehold, actor: Agent, done: str = "",
                  a: str = ""):
    record = read_household_record(session=session, actor=actor, household_id=household.id)
    programme = session.get(Programme, household.programme_id)
    session.commit()
    suggested = [(CATEGORY_LABELS_JA.get(category, category), filled)
                 for category in categories_for(programme) for _, filled in suggestions(session, household, category)]
    return render(request, "callcenter_household.html", using=pages, actor=actor, record=record,
                  programme=programme, done=done, suggested=suggested, a=a,
                  found_answers=search_answers(session, a) if a else [],
                  events=timeline(session=session, application_id=record.application.id) if record.application else [],
                  inquiries=inquiries_of(session=session, actor=actor, household=household),
                  categories=[(c, CATEGORY_LABELS_JA.get(c, c)) for c in categories_for(programme)],
                  languages=LANGUAGES, actions=ACTIONS)


@router.post("/callcenter/households/{household_id}/inquiries")
def log_call(request: Request, session: DbSession, settings: AppSettings, household: ValidHousehold, actor: Agent,
             category: Annotated[str, Form(max_length=40)], action: Annotated[str, Form(max_length=20)] = "answered",
             text: Annotated[str, Form(max_length=4000)] = "", channel: Annotated[str, Form(max_length=10)] = "phone",
             language: Annotated[str, Form(max_length=5)] = "ja",
             question: Annotated[str, Form(max_length=4000)] = "", phone: Annotated[str, Form(max_length=30)] = "",
             postal_code: Annotated[str, Form(max_length=10)] = "", address: Annotated[str, Form(max_length=200)] = "",
             confirm: Annotated[bool, Form()] = False):
    """Log the inquiry and do the chosen action in one transaction: all of it happens, or none.

    A decline cannot be taken back by the agent, so it is asked twice: the first post only shows
    what will happen (nothing is logged), the second, with confirm=1, logs and records it."""
    if action not in ACTIONS:
        raise InvalidInput(f"unknown action {action!r}")
    if action == "decline" and not confirm:
        preview = decline_preview(session=session, actor=actor, household=household)
        return render(request, "callcenter_decline_confirm.html", using=pages, actor=actor, household=household,
                      preview=preview, posted=dict(category=category, text=text, channel=channel,
                                                   language=language))
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


@router.post("/callcenter/households/{household_id}/decline/undo")
def undo_a_decline(session: DbSession, household: ValidHousehold, actor: Agent,
                   reason: Annotated[str, Form(max_length=500)] = ""):
    """A supervisor's undo of a decline recorded in error; the flow refuses anyone else."""
    application = application_for_household(session=session, household_id=household.id)
    if application is None:
        raise NotFound(f"no application for household {household.id}")
    undo_decline(session=session, actor=actor, application=application, reason=reason)
    session.commit()
    return RedirectResponse(f"/callcenter/households/{household.id}?done=undo_decline", status_code=303)


@router.post("/callcenter/escalations/{escalation_id}/pause")
def pause_clock(session: DbSession, escalation: ValidEscalation, actor: Agent,
                resume_it: Annotated[bool, Form(alias="resume")] = False):
    """Stop the response clock while waiting on the resident (or start it again)."""
    (resume if resume_it else pause)(session=session, actor=actor, escalation=escalation, on=today_jst())
    session.commit()
    return RedirectResponse("/callcenter/escalations", status_code=303)


@router.post("/callcenter/calls/join")
def join_call(request: Request, session: DbSession, settings: AppSettings, actor: Agent,
              call_sid: Annotated[str, Form(max_length=64)], agent_number: Annotated[str, Form(max_length=30)]):
    """The agent's phone is dialled into the caller's interpreter conference."""
    client = twilio_client(request)
    if client is None:
        raise InvalidInput("telephony is not configured (SECRETARIAT_TWILIO_ACCOUNT_SID)")
    record = agent_joins(session, call_sid=call_sid, agent=actor.username, agent_number=to_e164(agent_number),
                         client=client, our_number=settings.twilio_number)
    session.commit()
    return RedirectResponse(f"/callcenter/households/{record.household_id}" if record.household_id else "/callcenter",
                            status_code=303)


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



@router.get("/callcenter/callbacks")
def callback_queue(request: Request, session: DbSession, actor: Agent):
    """The call-backs owed, oldest due first; an overdue one is marked."""
    rows = open_callbacks(session=session, actor=actor)
    households = {h.id: h for h in session.exec(select(Household).where(
        Household.id.in_([row.household_id for row in rows if row.household_id])))}
    now = utcnow()
    return render(request, "callcenter_callbacks.html", using=pages, actor=actor, rows=rows, households=households,
                  overdue={row.id for row in rows if as_utc(row.due_at) < now})


@router.post("/callcenter/callbacks/{callback_id}/done")
def callback_done(session: DbSession, callback: ValidCallback, actor: Agent,
                  outcome: Annotated[str, Form(max_length=300)] = ""):
    complete_callback(session=session, actor=actor, callback=callback, outcome=outcome)
    session.commit()
    return RedirectResponse("/callcenter/callbacks", status_code=303)


@router.get("/callcenter/address-changes")
def address_change_queue(request: Request, session: DbSession, actor: AddressDecider):
    """New addresses residents gave by phone, for the municipality to confirm, oldest first."""
    rows = open_address_changes(session=session, actor=actor)
    households = {h.id: h for h in session.exec(select(Household).where(
        Household.id.in_([row.household_id for row in rows])))}
    record_audit(session=session, actor=actor, action="view", entity="address_change_queue",
                 municipality_id=actor.municipality_id, detail=f"{len(rows)} open")
    session.commit()
    return render(request, "callcenter_address_changes.html", using=pages, actor=actor, rows=rows,
                  households=households, resolutions=RESOLUTIONS_JA)


@router.post("/callcenter/address-changes/{change_id}/resolve")
def address_change_resolved(session: DbSession, change: ValidAddressChange, actor: AddressDecider,
                            resolution: Annotated[str, Form(max_length=20)],
                            note: Annotated[str, Form(max_length=300)] = ""):
    resolve_address_change(session=session, actor=actor, change=change, resolution=resolution, note=note)
    session.commit()
    return RedirectResponse("/callcenter/address-changes", status_code=303)


Supervisor = Annotated[Actor, require_roles(Role.supervisor, Role.admin)]


def _staffing(session, programme):
    staffing = staffing_plan(session, programme)
    roster = propose_roster(required=staffing.scheduled, dates=staffing.dates,
                            open_days=[is_business_day(day) for day in staffing.dates])
    return staffing, roster


@router.get("/programmes/{programme_id}/staffing")
def staffing_page(request: Request, session: DbSession, programme: ValidProgramme, actor: Supervisor):
    """Forecast against actual calls, required against rostered agents, and the roster's cost."""
    staffing, roster = _staffing(session, programme)
    labels = [day.strftime("%m/%d") for day in staffing.dates]
    actual = calls_per_day(session, programme, staffing.dates)
    charts = [line_chart({"forecast": staffing.calls.sum(axis=1).tolist(), "actual": actual}, labels,
                         title="calls per day: forecast and actual"),
              line_chart({"required (peak, after shrinkage)": staffing.scheduled.max(axis=1).tolist(),
                          "rostered (peak)": roster.rostered.max(axis=1).tolist(),
                          "contracted": roster.contracted}, labels, title="agents: required and rostered")]
    now = in_jst(utcnow())
    today = today_reforecast(session, programme, staffing, now.date(), now.hour * 2 + now.minute // 30 - OPEN_FROM)
    return render(request, "callcenter_staffing.html", using=pages, actor=actor, programme=programme,
                  staffing=staffing, roster=roster, charts=charts, today=today,
                  slots=[staffing.interval_label(i) for i in range(staffing.calls.shape[1])])


@router.get("/programmes/{programme_id}/staffing.{kind}")
def staffing_export(session: DbSession, programme: ValidProgramme, actor: Supervisor, kind: str):
    if kind not in ("csv", "xlsx"):
        raise NotFound(f"no export as {kind!r}; csv or xlsx")
    _, roster = _staffing(session, programme)
    data, media = ((roster.csv(), "text/csv; charset=utf-8") if kind == "csv" else
                   (roster.xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="roster-P{programme.id}.{kind}"'})
