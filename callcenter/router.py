"""The call center's pages: the agent's screen (find the caller, see the timeline, log the inquiry
and act on it) and the escalation queue a municipality's liaison answers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NamedTuple
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlmodel import select
from twilio.rest import Client

from callcenter.agents.models import STATES
from callcenter.agents.routing import agent_became_available
from callcenter.agents.states import current_spell, profile_for
from callcenter.agents.token import softphone_token
from callcenter.agents.transfer import hold, transfer
from callcenter.agents.wallboard import agent_rows, get_staff_user, update_agent, wallboard
from callcenter.agents.wrapup import WRAP_UP_CODES, call_answered, call_ended, finish_wrap_up, set_own_state
from callcenter.flows import (ACTIONS, CONFIRM_FIRST, LIMITS, CallNote, check_call, decline_preview, reissue_preview,
                              take_call, undo_decline)
from callcenter.inquiries.answers import facts_of, filled, search_answers, suggestions_for
from callcenter.inquiries.lookup import find_callers, read_search, to_e164
from mailroom.checkin.receipt_numbers import receipt_lines
from callcenter.inquiries.models import LANGUAGES, AddressChange, Callback, Escalation
from callcenter.inquiries.queues import (ADDRESS_DECIDERS, RESOLUTIONS_JA, complete_callback, get_address_change,
                                         get_callback, open_address_changes, open_callbacks, resolve_address_change)
from callcenter.inquiries.service import (AGENTS, ANSWER_MAX, RESPONSE_DAYS, answer_escalation, categories_for, escalation_rows,
                                          get_escalation, inquiries_of, open_escalation_count, pause, resume)
from callcenter.forecast.channels import parse_online_percent, set_expected_online_share
from callcenter.staffing.page import staffing_and_roster, staffing_view
from callcenter.telephony.calls import active_calls, agent_joins
from callcenter.telephony.models import CallRecord, find_call
from callcenter.telephony.router import twilio_client
from secretariat.core.applications.service import application_for_household, timeline
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.assignments import UNASSIGNED_JA, programmes_served
from secretariat.core.auth.models import User
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import as_utc, in_jst, today_jst, utcnow
from secretariat.core.errors import DomainError, InvalidInput, NotFound
from secretariat.core.households.models import Household
from secretariat.core.households.service import households_by_id, read_household_record
from secretariat.core.messages import label
from secretariat.core.programmes.models import Programme
from secretariat.core.sms.service import requests_for
from secretariat.core.tenancy.models import Municipality
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
# what the record page says once the agent's step is recorded (?done=…)
DONE_JA = {"answered": "問い合わせを記録しました。", "escalate": "問い合わせを記録し、自治体へ照会しました。",
           "reissue": "問い合わせを記録し、様式を再発行しました（前の様式は無効になりました）。",
           "decline": "問い合わせを記録し、辞退を記録しました。", "callback": "問い合わせを記録し、折り返しを予約しました。",
           "address_change": "問い合わせを記録し、新しい住所を自治体へ連絡しました。",
           "undo_decline": "辞退を取り消しました。申請は辞退の前の状態に戻りました。"}
POSTED_MAX = 50_000  # a form field longer than this is not read at all; the flow's own limits are far below


class Refused(NamedTuple):
    """A queue row's form that came back: which row, why (in Japanese), and what was typed."""

    row_id: int
    message: str
    typed: str
    choice: str = ""


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
    terms = read_search(q)
    unassigned = actor.is_programme_bound and not programmes_served(session, actor.user_id)
    callers = find_callers(session=session, actor=actor, query=q) if terms and not unassigned else []
    session.commit()
    me = _my_state(session, actor)
    colleagues = [row for row in agent_rows(session) if row.user_id != actor.user_id]
    return render(request, "callcenter_search.html", using=pages, actor=actor, q=q, callers=callers,
                  hint=UNASSIGNED_JA if unassigned else terms.hint,
                  open_escalations=open_escalation_count(session=session, actor=actor),
                  calls=active_calls(session, actor), me=me, colleagues=colleagues, wrap_up_codes=WRAP_UP_CODES)


@router.get("/api/callcenter/calls/active")
def active_calls_json(session: DbSession, actor: Agent):
    """What the agent's screen polls: calls in progress and the record each caller's number matched."""
    return [{"call_sid": call.call_sid, "status": call.status, "language": call.language,
             "household_id": call.household_id, "conference": call.conference} for call in active_calls(session, actor)]


@router.get("/callcenter/households/{household_id}")
def caller_record(request: Request, session: DbSession, household: ValidHousehold, actor: Agent, done: str = "",
                  a: str = "", call: str = "", lang: str = ""):
    """The record; opened by the softphone's screen pop (?call=…&lang=…), its form carries the call."""
    note = None
    if call:
        programme = session.get(Programme, household.programme_id)
        note = CallNote(category=categories_for(programme)[0], channel="phone", call_sid=call[:64],
                        language=lang if lang in LANGUAGES else "ja")
    return _record_page(request, session, household, actor, done=DONE_JA.get(done, ""), a=a[:100], note=note)


def _record_page(request: Request, session: DbSession, household: Household, actor: Actor, status_code: int = 200,
                 done: str = "", a: str = "", note: CallNote | None = None, problems: dict[str, str] | None = None,
                 error: str = ""):
    """The caller's record: whose, where the application stands, what to say, and the form that logs
    the call (with what was typed and every problem, when it comes back refused)."""
    record = read_household_record(session=session, actor=actor, household_id=household.id)
    programme = session.get(Programme, household.programme_id)
    municipality = session.get(Municipality, household.municipality_id)
    session.commit()
    events = timeline(session=session, application_id=record.application.id) if record.application else []
    facts = facts_of(programme, record.application, events)
    suggested = [(category, text) for category, _, text in
                 suggestions_for(session, household, categories_for(programme), facts=facts)]
    return render(request, "callcenter_household.html", status_code=status_code, using=pages, actor=actor,
                  record=record, programme=programme, municipality=municipality, done=done, suggested=suggested, a=a,
                  found_answers=[(t, filled(t.body, facts)) for t in search_answers(session, a)] if a else [],
                  events=events, receipts=receipt_lines(session, household),
                  inquiries=inquiries_of(session=session, actor=actor, household=household),
                  texts=requests_for(session, household),
                  categories=categories_for(programme), languages=LANGUAGES, actions=ACTIONS, limits=LIMITS,
                  note=note or CallNote(category=categories_for(programme)[0]), problems=problems or {}, error=error)


@router.post("/callcenter/households/{household_id}/inquiries")
def log_call(request: Request, session: DbSession, settings: AppSettings, household: ValidHousehold, actor: Agent,
             category: Annotated[str, Form(max_length=40)] = "", action: Annotated[str, Form(max_length=20)] = "answered",
             text: Annotated[str, Form(max_length=POSTED_MAX)] = "", channel: Annotated[str, Form(max_length=10)] = "phone",
             language: Annotated[str, Form(max_length=5)] = "ja",
             question: Annotated[str, Form(max_length=POSTED_MAX)] = "",
             phone: Annotated[str, Form(max_length=POSTED_MAX)] = "",
             postal_code: Annotated[str, Form(max_length=POSTED_MAX)] = "",
             address: Annotated[str, Form(max_length=POSTED_MAX)] = "", confirm: Annotated[bool, Form()] = False,
             call_sid: Annotated[str, Form(max_length=64)] = ""):
    """Log the inquiry and do the chosen action in one transaction: all of it happens, or none.

    A form typed wrong comes back on the same page with what was typed and every problem named.
    A decline or a reissue cannot be taken back by the agent, so it is asked twice: the first post
    only shows what will happen (nothing is logged), the second, with confirm=1, does it."""
    note = CallNote(category=category, action=action, text=text, channel=channel, language=language,
                    question=question, phone=phone, postal_code=postal_code, address=address, call_sid=call_sid)
    programme = session.get(Programme, household.programme_id)
    problems = check_call(programme=programme, household=household, note=note)
    if problems:
        return _record_page(request, session, household, actor, status_code=422, note=note, problems=problems)
    try:
        if note.action in CONFIRM_FIRST and not confirm:
            preview = (decline_preview if note.action == "decline" else reissue_preview)(
                session=session, actor=actor, household=household)
            return render(request, "callcenter_confirm.html", using=pages, actor=actor, household=household,
                          action=note.action, preview=preview, posted=note.as_form())
        take_call(session=session, actor=actor, household=household, note=note,
                  reissue_dir=settings.data_dir / "reissues")
    except DomainError as refused:  # the step itself refused (not printed yet, a state past declining): nothing kept
        session.rollback()
        return _record_page(request, session, household, actor, status_code=refused.status_code, note=note,
                            error=refused.message)
    session.commit()
    return RedirectResponse(f"/callcenter/households/{household.id}?done={note.action}", status_code=303)


@router.post("/callcenter/households/{household_id}/decline/undo")
def undo_a_decline(session: DbSession, household: ValidHousehold, actor: Agent,
                   reason: Annotated[str, Form(max_length=500)] = ""):
    """A supervisor's undo of a decline recorded in error; the flow refuses anyone else."""
    application = application_for_household(session=session, household_id=household.id)
    if application is None:
        raise NotFound(f"世帯 {household.id} の申請が見つかりません")
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
              call_sid: Annotated[str, Form(max_length=64)], agent_number: Annotated[str, Form(max_length=30)] = ""):
    """The agent's phone is dialled into the caller's interpreter conference: the desk phone's
    number, or (left blank) the agent's softphone, told which call it is."""
    client = twilio_client(request)
    if client is None:
        raise InvalidInput("電話（Twilio）が設定されていません（SECRETARIAT_TWILIO_ACCOUNT_SID）。管理者に連絡してください")
    to = (to_e164(agent_number) if agent_number.strip() else
          f"client:{profile_for(session, user_id=actor.user_id).client_identity}?call_sid={quote(call_sid)}")
    record = agent_joins(session, call_sid=call_sid, agent=actor.username, agent_number=to, client=client,
                         our_number=settings.twilio_number)
    session.commit()
    return RedirectResponse(f"/callcenter/households/{record.household_id}" if record.household_id else "/callcenter",
                            status_code=303)


@router.get("/callcenter/escalations")
def escalation_queue(request: Request, session: DbSession, actor: Answerer, all: bool = False, answered: int = 0):
    return _escalation_page(request, session, actor, all=all, answered=answered)


@router.get("/api/callcenter/escalations/count")
def escalation_count_json(session: DbSession, actor: Answerer):
    """How many escalations wait for an answer, for a menu or a dashboard to show."""
    return {"open": open_escalation_count(session=session, actor=actor)}


def _escalation_page(request: Request, session: DbSession, actor: Actor, *, all: bool = False, answered: int = 0,
                     status_code: int = 200, refused: Refused | None = None):
    """The queue with each escalation's household, timeline link and due date; a refused answer comes
    back on its own row with what was typed."""
    today = today_jst()
    rows = escalation_rows(session=session, actor=actor, today=today, open_only=not all)
    session.commit()
    waiting = [row for row in rows if row.escalation.status != "answered"]
    return render(request, "callcenter_escalations.html", status_code=status_code, using=pages, actor=actor,
                  today=today, rows=rows, all=all, answered=answered, refused=refused, answer_max=ANSWER_MAX,
                  response_days=RESPONSE_DAYS,
                  open_count=len(waiting), overdue_count=sum(row.overdue for row in waiting))


@router.post("/callcenter/escalations/{escalation_id}/answer")
def answer(request: Request, session: DbSession, escalation: ValidEscalation, actor: Answerer,
           answer_text: Annotated[str, Form(alias="answer", max_length=POSTED_MAX)] = "",
           confirm: Annotated[bool, Form()] = False):
    try:
        if not confirm:
            raise InvalidInput("回答を送る前に「送った回答は修正できません」にチェックを入れてください。")
        answer_escalation(session=session, actor=actor, escalation=escalation, answer=answer_text)
    except DomainError as error:
        session.rollback()
        return _escalation_page(request, session, actor, status_code=error.status_code,
                                refused=Refused(escalation.id, error.message, answer_text))
    session.commit()
    return RedirectResponse(f"/callcenter/escalations?answered={escalation.id}", status_code=303)



@router.get("/callcenter/callbacks")
def callback_queue(request: Request, session: DbSession, actor: Agent):
    return _callback_page(request, session, actor)


def _callback_page(request: Request, session: DbSession, actor: Actor, status_code: int = 200,
                   refused: Refused | None = None):
    """The call-backs owed, oldest due first; an overdue one is marked."""
    rows = open_callbacks(session=session, actor=actor)
    households = households_by_id(session, (row.household_id for row in rows))
    now = utcnow()
    return render(request, "callcenter_callbacks.html", status_code=status_code, using=pages, actor=actor, rows=rows,
                  households=households, overdue={row.id for row in rows if as_utc(row.due_at) < now}, refused=refused)


@router.post("/callcenter/callbacks/{callback_id}/done")
def callback_done(request: Request, session: DbSession, callback: ValidCallback, actor: Agent,
                  outcome: Annotated[str, Form(max_length=POSTED_MAX)] = ""):
    try:
        complete_callback(session=session, actor=actor, callback=callback, outcome=outcome)
    except DomainError as error:
        session.rollback()
        return _callback_page(request, session, actor, status_code=error.status_code,
                              refused=Refused(callback.id, error.message, outcome))
    session.commit()
    return RedirectResponse("/callcenter/callbacks", status_code=303)


@router.get("/callcenter/address-changes")
def address_change_queue(request: Request, session: DbSession, actor: AddressDecider):
    return _address_change_page(request, session, actor)


def _address_change_page(request: Request, session: DbSession, actor: Actor, status_code: int = 200,
                         refused: Refused | None = None):
    """New addresses residents gave by phone, for the municipality to confirm, oldest first."""
    rows = open_address_changes(session=session, actor=actor)
    households = {h.id: h for h in session.exec(select(Household).where(
        Household.id.in_([row.household_id for row in rows])))}
    record_audit(session=session, actor=actor, action="view", entity="address_change_queue",
                 municipality_id=actor.municipality_id, detail=f"{len(rows)} open")
    session.commit()
    return render(request, "callcenter_address_changes.html", status_code=status_code, using=pages, actor=actor,
                  rows=rows, households=households, resolutions=RESOLUTIONS_JA, refused=refused)


@router.post("/callcenter/address-changes/{change_id}/resolve")
def address_change_resolved(request: Request, session: DbSession, change: ValidAddressChange, actor: AddressDecider,
                            resolution: Annotated[str, Form(max_length=20)] = "",
                            note: Annotated[str, Form(max_length=POSTED_MAX)] = "",
                            confirm: Annotated[bool, Form()] = False):
    try:
        if not confirm:
            raise InvalidInput("処理する前に「処理は取り消せません」にチェックを入れてください。")
        resolve_address_change(session=session, actor=actor, change=change, resolution=resolution, note=note)
    except DomainError as error:
        session.rollback()
        return _address_change_page(request, session, actor, status_code=error.status_code,
                                    refused=Refused(change.id, error.message, note, resolution))
    session.commit()
    return RedirectResponse("/callcenter/address-changes", status_code=303)


Supervisor = Annotated[Actor, require_roles(Role.supervisor, Role.admin)]


@router.get("/programmes/{programme_id}/staffing")
def staffing_page(request: Request, session: DbSession, programme: ValidProgramme, actor: Supervisor,
                  saved: int = 0):
    """Forecast against actual calls, required against rostered agents, and the roster's cost."""
    return _staffing_page(request, session, programme, actor, saved=saved)


def _staffing_page(request: Request, session: DbSession, programme: Programme, actor: Actor, *, saved: int = 0,
                   status_code: int = 200, refused: Refused | None = None):
    view = staffing_view(session, programme, in_jst(utcnow()))
    return render(request, "callcenter_staffing.html", status_code=status_code, using=pages, actor=actor,
                  programme=programme, view=view, saved=saved, refused=refused)


@router.post("/programmes/{programme_id}/staffing/online-share")
def staffing_online_share(request: Request, session: DbSession, programme: ValidProgramme, actor: Supervisor,
                          online_percent: Annotated[str, Form(max_length=POSTED_MAX)] = ""):
    """The supervisor's expected online share (％) for the forecast, until the answers measure it."""
    try:
        set_expected_online_share(session=session, actor=actor, programme=programme,
                                  share=parse_online_percent(online_percent))
    except DomainError as error:
        session.rollback()
        return _staffing_page(request, session, programme, actor, status_code=error.status_code,
                              refused=Refused(programme.id, error.message, online_percent))
    session.commit()
    return RedirectResponse(f"/programmes/{programme.id}/staffing?saved=1", status_code=303)


@router.get("/callcenter/staffing.css")
def staffing_style(actor: Supervisor):
    return FileResponse(Path(__file__).parent / "templates" / "staffing.css", media_type="text/css")


@router.get("/programmes/{programme_id}/staffing.{kind}")
def staffing_export(session: DbSession, programme: ValidProgramme, actor: Supervisor, kind: str):
    if kind not in ("csv", "xlsx"):
        raise NotFound(f"書き出し形式 {kind!r} はありません（csv または xlsx）")
    _, roster = staffing_and_roster(session, programme)
    data, media = ((roster.csv(), "text/csv; charset=utf-8") if kind == "csv" else
                   (roster.xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="roster-P{programme.id}.{kind}"'})


# --- the softphone (Twilio's Voice JavaScript SDK), wrap-up, agents and the wallboard -----------------

STATIC = Path(__file__).parent / "static"


def _script(name: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type="text/javascript", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/callcenter/static/twilio.min.js")
def twilio_sdk_script(actor: Agent):
    """Twilio's Voice JavaScript SDK, vendored (see static/README.md): from our server, no CDN at run time."""
    return _script("twilio.min.js")


@router.get("/callcenter/static/softphone.js")
def softphone_script(actor: Agent):
    return _script("softphone.js")


@router.get("/callcenter/static/wallboard.js")
def wallboard_script(actor: Supervisor):
    return _script("wallboard.js")


@router.post("/api/callcenter/token")
def softphone_token_json(session: DbSession, settings: AppSettings, actor: Agent):
    """A short-lived Voice access token for the logged-in agent's softphone."""
    made = softphone_token(session, actor=actor, settings=settings)
    session.commit()
    return {"token": made.token, "identity": made.identity, "expires_in": made.expires_in}


@router.get("/api/callcenter/me")
def my_state_json(session: DbSession, actor: Agent):
    """The agent's state now and since when (for the timer), and the call a wrap-up is open for."""
    return _my_state(session, actor)


def _my_state(session: DbSession, actor: Actor) -> dict:
    spell = current_spell(session, user_id=actor.user_id)
    state = spell.state if spell is not None else "offline"
    record = find_call(session, spell.call_sid) if spell is not None else None
    return {"state": state, "label": label("agent_state", state),
            "since": as_utc(spell.started_at).isoformat() if spell is not None else None,
            "call": _call_json(record) if record is not None else None}


def _call_json(record: CallRecord) -> dict:
    """A call as the softphone needs it, with the screen pop's address (the matched record, its
    inquiry form prefilled with the channel, the language and the call)."""
    pop = (f"/callcenter/households/{record.household_id}?call={quote(record.call_sid)}&lang={record.language}"
           if record.household_id else None)
    return {"call_sid": record.call_sid, "language": record.language, "language_label": label("language", record.language),
            "household_id": record.household_id, "conference": record.conference, "screen_pop": pop}


def _became_available(request: Request, session: DbSession, settings: AppSettings, actor: Actor) -> None:
    """Route the next waiting caller to this agent, now that they are free."""
    session.commit()  # the agent's availability is kept whatever the routing does
    agent_became_available(session, user_id=actor.user_id, client=twilio_client(request),
                           base_url=settings.public_base_url)
    session.commit()


@router.post("/api/callcenter/state")
def set_my_state(request: Request, session: DbSession, settings: AppSettings, actor: Agent,
                 state: Annotated[str, Form(max_length=20)]):
    """The agent's state button (受付可 / 休憩 / 離席); 受付可 routes the next waiting caller here."""
    set_own_state(session, actor=actor, state=state)
    if state == "available":
        _became_available(request, session, settings, actor)
    session.commit()
    return _my_state(session, actor)


@router.post("/api/callcenter/calls/answered")
def softphone_answered(session: DbSession, actor: Agent, call_sid: Annotated[str, Form(max_length=64)]):
    """The agent answered: they are on the call, and the screen pops the caller's record."""
    call_answered(session, actor=actor, call_sid=call_sid)
    session.commit()
    return _my_state(session, actor)


@router.post("/api/callcenter/calls/ended")
def softphone_ended(session: DbSession, actor: Agent, call_sid: Annotated[str, Form(max_length=64)]):
    call_ended(session, actor=actor, call_sid=call_sid)
    session.commit()
    return _my_state(session, actor)


@router.post("/api/callcenter/wrap-up")
def wrap_up_done(request: Request, session: DbSession, settings: AppSettings, actor: Agent,
                 call_sid: Annotated[str, Form(max_length=64)], code: Annotated[str, Form(max_length=30)] = ""):
    """後処理を完了: the code is kept on the call and the agent is available (and routed to) again."""
    finish_wrap_up(session, actor=actor, call_sid=call_sid, code=code)
    _became_available(request, session, settings, actor)
    return _my_state(session, actor)


def _rest(request: Request) -> Client:
    client = twilio_client(request)
    if client is None:
        raise InvalidInput("電話の設定がありません。管理者に連絡してください。")
    return client


@router.post("/api/callcenter/calls/hold")
def softphone_hold(request: Request, session: DbSession, actor: Agent, call_sid: Annotated[str, Form(max_length=64)],
                   on: Annotated[bool, Form()] = True):
    hold(session, actor=actor, call_sid=call_sid, client=_rest(request), on=on,
         base_url=request.app.state.settings.public_base_url)
    session.commit()
    return {"call_sid": call_sid, "held": on}


@router.post("/api/callcenter/calls/transfer")
def softphone_transfer(request: Request, session: DbSession, settings: AppSettings, actor: Agent,
                       call_sid: Annotated[str, Form(max_length=64)], to: Annotated[str, Form(max_length=20)] = ""):
    transfer(session, actor=actor, call_sid=call_sid, to=to, client=_rest(request),
             escalation_number=settings.escalation_number, base_url=settings.public_base_url)
    session.commit()
    return _my_state(session, actor)


@router.get("/callcenter/agents")
def agents_page(request: Request, session: DbSession, actor: Supervisor, saved: int = 0):
    return _agents_page(request, session, actor, saved=saved)


def _agents_page(request: Request, session: DbSession, actor: Actor, *, saved: int = 0, status_code: int = 200,
                 refused: Refused | None = None):
    """Every agent's languages and skills (editable) and their state now, since when."""
    rows = agent_rows(session)
    session.commit()
    return render(request, "callcenter_agents.html", status_code=status_code, using=pages, actor=actor, rows=rows,
                  saved=saved, refused=refused, languages=LANGUAGES)


def valid_staff_user(user_id: int, session: DbSession, actor: CurrentActor) -> User:
    return get_staff_user(session, actor=actor, user_id=user_id)


@router.post("/callcenter/agents/{user_id}")
def agent_profile_saved(request: Request, session: DbSession, user: Annotated[User, Depends(valid_staff_user)],
                        actor: Supervisor, languages: Annotated[list[str], Form()] = [],  # noqa: B006 (never mutated)
                        skills: Annotated[str, Form(max_length=POSTED_MAX)] = ""):
    try:
        update_agent(session, actor=actor, user=user, languages=languages, skills=skills)
    except DomainError as error:
        session.rollback()
        return _agents_page(request, session, actor, status_code=error.status_code,
                            refused=Refused(user.id, error.message, skills, ",".join(languages)))
    session.commit()
    return RedirectResponse(f"/callcenter/agents?saved={user.id}", status_code=303)


@router.get("/callcenter/wallboard")
def wallboard_page(request: Request, session: DbSession, actor: Supervisor):
    board = wallboard(session)
    session.commit()
    return render(request, "callcenter_wallboard.html", using=pages, actor=actor, board=board, states=STATES)


@router.get("/api/callcenter/wallboard")
def wallboard_json(session: DbSession, actor: Supervisor):
    """The wallboard's figures, polled by the page every few seconds."""
    board = wallboard(session)
    session.commit()
    return board.as_dict()
