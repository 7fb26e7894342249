"""The push answer (支給のお知らせ) on the resident's phone, and the supervisor's page for a push programme.

The resident comes by the link in the SMS (`/a/<token>`), answers the second factor on the online
application's own page (`online/router.py`, the same throttle), and is sent on to `/a/<token>/apply`,
which sends a household of a push programme here (`/a/<token>/push`).
Routes parse, call the flow (`online/push.py`), render.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from mailroom.scanning.images import scan_limits
from online import flows, push
from online import router as online_pages
from online.catalogue import Said, render_page
from online.push_jobs import push_approval_of, start_push_approval
from online.push_letters import print_push_letters
from secretariat.core.auth.actor import Actor
from secretariat.core.errors import DomainError
from secretariat.core.jobs.models import ACTIVE_STATES
from secretariat.core.programmes.models import Programme
from secretariat.core.web.deps import AppSettings, DbSession, ValidProgramme, require_roles
from secretariat.core.web.security import client_address
from secretariat.core.web.templating import render

router = APIRouter(tags=["online"])
PREFIX = online_pages.PREFIX
pages = online_pages.pages
ACCOUNT_FIELDS = ("bank", "branch", "account_type", "account_number", "account_holder_kana", "phone")
Manager = Annotated[Actor, require_roles(*push.PUSH_MANAGERS)]


# --- the resident's pages ------------------------------------------------------------------------

def _resident(request: Request, session, token: str):
    """The household the signed-in link opens; a redirect when it is not a push household's."""
    household = online_pages._resident(request, session, token)
    if household is None:
        return None, online_pages.redirect(request, f"{PREFIX}{token}")
    if not push.push_household(session, household):
        return None, online_pages.redirect(request, f"{PREFIX}{token}/apply")
    return household, None


def _csrf_ok(request: Request, settings, supplied: str | None) -> bool:
    return online_pages._csrf_ok(request, settings, online_pages.RESIDENT_COOKIE, supplied)


def _render(request: Request, name: str, token: str, status_code: int = 200, **context) -> Response:
    return render_page(request, name, status_code, using=pages,
                       csrf_binding=request.cookies.get(online_pages.RESIDENT_COOKIE), token=token, **context)


def _answer_page(request: Request, session, token: str, household, *, message=None,
                 status_code: int = 200) -> Response:
    page = push.push_page(session=session, household=household)
    online = None
    if page.answer == push.ACCOUNT_CHANGED:
        online = flows.application_page(session=session, household=household)
    return _render(request, "push_answer.html", token, status_code, page=page, online=online, message=message,
                   number=flows.receipt_number(online.receipt) if online and online.receipt else "",
                   by_gift_code=_by_gift_code(request, session, household))


def _by_gift_code(request: Request, session, household) -> bool:
    """Whether the household is to be paid by a digital gift code, not a transfer. The exchange
    knows (its payout settings); the composition root lends its answer as
    `app.state.resident_gift_code`, since the residents' side never imports the exchange."""
    answer = getattr(request.app.state, "resident_gift_code", None)
    return bool(answer and answer(session, household))


@router.get("/a/{token}/push", include_in_schema=False)
def answer_page(token: str, request: Request, session: DbSession):
    household, elsewhere = _resident(request, session, token)
    return elsewhere or _answer_page(request, session, token, household)


def _still_open(request: Request, session, token: str):
    """(household, its push page) while it may still answer; otherwise (None, where to send it)."""
    household, elsewhere = _resident(request, session, token)
    if elsewhere:
        return None, elsewhere
    page = push.push_page(session=session, household=household)
    if not page.open:
        return None, _answer_page(request, session, token, household, message=page.closed_said,
                                  status_code=409)
    return household, page


@router.get("/a/{token}/push/decline", include_in_schema=False)
def confirm_decline(token: str, request: Request, session: DbSession):
    """Declining cannot be taken back on the web: first say what it means."""
    household, page = _still_open(request, session, token)
    return _render(request, "push_decline.html", token, page=page) if household else page


@router.post("/a/{token}/push/decline", include_in_schema=False)
def decline(token: str, request: Request, session: DbSession, settings: AppSettings,
            csrf_token: Annotated[str, Form()] = ""):
    household, elsewhere = _resident(request, session, token)
    if elsewhere:
        return elsewhere
    if not _csrf_ok(request, settings, csrf_token):
        return _answer_page(request, session, token, household, status_code=403,
                            message=Said("push.expired"))
    try:
        push.decline(session=session, household=household, address=client_address(request))
    except DomainError as error:
        session.rollback()
        return _answer_page(request, session, token, household, message=error, status_code=409)
    return online_pages.redirect(request, f"{PREFIX}{token}/push")


def _account_page(request: Request, session, token: str, household, *, typed: dict | None = None,
                  message=None, status_code: int = 200) -> Response:
    page = push.push_page(session=session, household=household)
    online = flows.application_page(session=session, household=household)
    return _render(request, "push_account.html", token, status_code, page=page, online=online,
                   answers=typed if typed is not None else (online.answers or {"phone": household.phone}),
                   message=message)


@router.get("/a/{token}/push/account", include_in_schema=False)
def account_form(token: str, request: Request, session: DbSession):
    household, page = _still_open(request, session, token)
    return _account_page(request, session, token, household) if household else page


@router.post("/a/{token}/push/account", include_in_schema=False)
async def change_account(token: str, request: Request, session: DbSession, settings: AppSettings):
    posted = await online_pages.read_posted(await request.form(), ACCOUNT_FIELDS)
    return await online_pages.off_the_loop(_account_changed, token, request, session, settings, posted)


def _account_changed(token: str, request: Request, session, settings, posted: online_pages.Posted) -> Response:
    household, elsewhere = _resident(request, session, token)
    if elsewhere:
        return elsewhere
    if not _csrf_ok(request, settings, posted.csrf_token):
        return _account_page(request, session, token, household, typed=posted.typed, status_code=403,
                             message=Said("apply.expired"))
    try:
        push.change_account(session=session, household=household, answers=posted.answers, photos=posted.photos,
                            data_dir=settings.data_dir, limits=scan_limits(settings),
                            address=client_address(request))
    except DomainError as error:
        session.rollback()
        if not push.push_page(session=session, household=household).open:
            return _answer_page(request, session, token, household, message=error, status_code=409)
        return _account_page(request, session, token, household, typed=posted.typed, message=error,
                             status_code=422)
    return online_pages.redirect(request, f"{PREFIX}{token}/push")


# --- the supervisor's page -----------------------------------------------------------------------

def _programme_page(request: Request, session, actor: Actor, programme: Programme, *, status_code: int = 200,
                    message: str = "", typed: dict | None = None, **context) -> Response:
    summary = push.push_summary(session=session, actor=actor, programme=programme)
    job = push_approval_of(session, programme)
    return render(request, "push_programme.html", status_code, using=pages, actor=actor, programme=programme,
                  summary=summary, job=job, job_active=job is not None and job.state in ACTIVE_STATES,
                  message=message, typed=typed or {}, **context)


@router.get("/programmes/{programme_id}/push")
def programme_page(request: Request, session: DbSession, programme: ValidProgramme, actor: Manager):
    """支給のお知らせ: the dates, the notices sent, the answers, and the approval after E."""
    return _programme_page(request, session, actor, programme)


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


@router.post("/programmes/{programme_id}/push/dates")
def save_dates(request: Request, session: DbSession, programme: ValidProgramme, actor: Manager,
               decline_by: Annotated[str, Form()] = "", pay_by: Annotated[str, Form()] = ""):
    typed = {"decline_by": decline_by, "pay_by": pay_by}
    decline_day, pay_day = _parse_date(decline_by), _parse_date(pay_by)
    if decline_day is None or pay_day is None:
        return _programme_page(request, session, actor, programme, status_code=422, typed=typed,
                               message="期限（E）と支給日（D）を日付で入力してください（例: 2027-01-15）。")
    try:
        push.set_push_dates(session=session, actor=actor, programme=programme, decline_by=decline_day,
                            pay_by=pay_day)
    except DomainError as error:
        session.rollback()
        return _programme_page(request, session, actor, programme, status_code=422, typed=typed,
                               message=error.message)
    session.commit()
    return RedirectResponse(f"/programmes/{programme.id}/push", status_code=303)


@router.post("/programmes/{programme_id}/push/notices")
def send_notices(request: Request, session: DbSession, settings: AppSettings, programme: ValidProgramme,
                 actor: Manager):
    try:
        sent = push.send_push_notices(session=session, actor=actor, programme=programme,
                                      base_url=settings.public_base_url)
    except DomainError as error:
        session.rollback()
        return _programme_page(request, session, actor, programme, status_code=409, message=error.message)
    session.commit()
    return _programme_page(request, session, actor, programme, sent=sent)


@router.post("/programmes/{programme_id}/push/letters")
def print_letters(request: Request, session: DbSession, settings: AppSettings, programme: ValidProgramme,
                  actor: Manager):
    """The notice letters of the by-letter households not yet printed (one page each: printed at once)."""
    try:
        run = print_push_letters(session=session, actor=actor, programme=programme,
                                 out_root=settings.data_dir / "print-runs", base_url=settings.public_base_url)
    except DomainError as error:
        session.rollback()
        return _programme_page(request, session, actor, programme, status_code=409, message=error.message)
    if run is None:
        return _programme_page(request, session, actor, programme, status_code=409,
                               message="印刷するお知らせの手紙はありません（書面で通知する世帯はすべて印刷済みです）。")
    session.commit()
    return _programme_page(request, session, actor, programme, letters=run)


@router.post("/programmes/{programme_id}/push/approve")
def approve(request: Request, session: DbSession, programme: ValidProgramme, actor: Manager):
    try:
        start_push_approval(session=session, actor=actor, programme=programme)
    except DomainError as error:
        session.rollback()
        return _programme_page(request, session, actor, programme, status_code=409, message=error.message)
    session.commit()
    return RedirectResponse(f"/programmes/{programme.id}/push", status_code=303)

