"""The residents' pages (ファストパス): the link from the notice, the second factor, the application,
and its receipt. No staff login here: the household's link and the second factor open a short
session bound to that household (`access.py`); routes parse, call the flow, render.

CSRF: these pages are exempt from the staff check (whose token is bound to the staff session) and
carry their own: the second factor's form is bound to a pre-session cookie, the application's to
the resident's session cookie.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.datastructures import UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from mailroom.scanning.images import scan_limits
from online import access, flows, push
from online.catalogue import Said, remember_language, render_page
from secretariat.core.errors import DomainError
from secretariat.core.web.deps import AppSettings, DbSession
from secretariat.core.web.security import client_address, csrf_matches, new_presession, set_cookie
from secretariat.core.web.templating import make_templates

PREFIX = "/a/"  # the short link printed on the notice: /a/<token>
RESIDENT_COOKIE = "secretariat_resident"
PRESESSION_COOKIE = "secretariat_resident_pre"
STYLESHEET = Path(__file__).parent / "templates" / "resident.css"
ERAS = {"showa": 1925, "heisei": 1988, "reiwa": 2018, "taisho": 1911, "seireki": 0}
# The path parameter that names a household here: checked by `access.household_for` (the session
# must be bound to the link's household) instead of a staff `valid_*` dependency.
RESIDENT_PATH_PARAMETERS = ("token",)

router = APIRouter(tags=["online"])
pages = make_templates(Path(__file__).parent / "templates")


def redirect(request: Request, path: str) -> Response:
    """A redirect between the resident's pages that keeps a language picked in the link (?lang=),
    so a link opened in English is still English after the second factor."""
    return remember_language(request, RedirectResponse(path, status_code=303))


@router.get("/a/static/resident.css", include_in_schema=False)
def stylesheet():
    return FileResponse(STYLESHEET, media_type="text/css")


def _csrf_ok(request: Request, settings, cookie_name: str, supplied: str | None) -> bool:
    return csrf_matches(settings.secret_key, request.cookies.get(cookie_name), supplied)


def _factor_page(request: Request, token: str, *, message: Said | None = None, typed: dict | None = None,
                 status_code: int = 200, presession: str | None = None) -> Response:
    presession = presession or request.cookies.get(PRESESSION_COOKIE) or new_presession()
    response = render_page(request, "online_factor.html", status_code, using=pages, csrf_binding=presession,
                           token=token, message=message, typed=typed or {}, eras=tuple(ERAS))
    if request.cookies.get(PRESESSION_COOKIE) != presession:
        set_cookie(request, response, PRESESSION_COOKIE, presession)
    return response


@router.get("/a/{token}", include_in_schema=False)
def open_link(token: str, request: Request, session: DbSession):
    """The link from the notice: the second factor's page (the same page for any link, known or not)."""
    if access.household_for(session=session, token=token, cookie=request.cookies.get(RESIDENT_COOKIE)):
        return redirect(request, f"{PREFIX}{token}/apply")
    return _factor_page(request, token)


def parse_birth_date(era: str, year: str, month: str, day: str) -> date | None:
    try:
        number = int(year.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789")))
        return date(ERAS[era] + number, int(month), int(day))
    except (KeyError, ValueError):
        return None


@router.post("/a/{token}", include_in_schema=False)
def answer_factor(token: str, request: Request, session: DbSession, settings: AppSettings,
                  era: Annotated[str, Form()] = "", year: Annotated[str, Form()] = "",
                  month: Annotated[str, Form()] = "", day: Annotated[str, Form()] = "",
                  csrf_token: Annotated[str, Form()] = ""):
    typed = {"era": era, "year": year, "month": month, "day": day}
    if not _csrf_ok(request, settings, PRESESSION_COOKIE, csrf_token):
        return _factor_page(request, token, typed=typed, status_code=403,
                            message=Said("factor.expired"))
    born = parse_birth_date(era, year, month, day)
    if born is None:
        return _factor_page(request, token, typed=typed, status_code=422,
                            message=Said("factor.bad_date"))
    result = access.verify_birth_date(session=session, token=token, birth_date=born,
                                      address=client_address(request))
    if result.answer == access.Answer.OK:
        response = RedirectResponse(f"{PREFIX}{token}/apply", status_code=303)
        set_cookie(request, response, RESIDENT_COOKIE, result.session_token,
                   max_age=int(access.SESSION_LIFE.total_seconds()))
        return response
    session.commit()  # the failure counts even though the answer is an error page
    message = Said("factor.locked" if result.answer == access.Answer.LOCKED else "factor.wrong")
    return _factor_page(request, token, typed=typed, message=message, status_code=200)


def _resident(request: Request, session, token: str):
    return access.household_for(session=session, token=token, cookie=request.cookies.get(RESIDENT_COOKIE))


def _application_page(request: Request, session, token: str, household, *, message=None,
                      typed: dict | None = None, status_code: int = 200, photos_again: bool = False) -> Response:
    """`photos_again`: photos were sent with a refused submission; a browser never fills a file
    field in again, so the page says to choose them once more."""
    page = flows.application_page(session=session, household=household)
    answers = typed if typed is not None else page.answers
    return render_page(request, "online_apply.html", status_code, using=pages,
                       csrf_binding=request.cookies.get(RESIDENT_COOKIE), token=token, page=page, message=message,
                       answers=answers or {}, photos_again=photos_again)


@router.get("/a/{token}/apply", include_in_schema=False)
def application(token: str, request: Request, session: DbSession):
    household = _resident(request, session, token)
    if household is None:
        return redirect(request, f"{PREFIX}{token}")
    if push.push_household(session, household):  # a push household answers its notice instead (online/push.py)
        return redirect(request, f"{PREFIX}{token}/push")
    page = flows.application_page(session=session, household=household)
    if not page.may_apply:
        return redirect(request, f"{PREFIX}{token}/done")
    return _application_page(request, session, token, household)


@router.post("/a/{token}/apply", include_in_schema=False)
async def submit_application(token: str, request: Request, session: DbSession, settings: AppSettings):
    posted = await read_posted(await request.form(), ("choice", "account_choice", "bank", "branch", "account_type",
                                                      "account_number", "account_holder_kana", "phone"))
    return await off_the_loop(_submitted, token, request, session, settings, posted)


def _submitted(token: str, request: Request, session, settings, posted: "Posted") -> Response:
    household = _resident(request, session, token)
    if household is None:
        return redirect(request, f"{PREFIX}{token}")
    if not _csrf_ok(request, settings, RESIDENT_COOKIE, posted.csrf_token):
        return _application_page(request, session, token, household, typed=posted.typed, status_code=403,
                                 message=Said("apply.expired"))
    try:
        flows.submit(session=session, household=household, answers=posted.answers, photos=posted.photos,
                     data_dir=settings.data_dir, limits=scan_limits(settings), address=client_address(request))
    except DomainError as error:
        session.rollback()
        return _application_page(request, session, token, household, typed=posted.typed, message=error,
                                 status_code=422, photos_again=bool(posted.photos))
    return redirect(request, f"{PREFIX}{token}/done")


async def off_the_loop(handler, *arguments):
    """Run the rest of a resident's post in a worker thread, as FastAPI runs a sync route.

    The routes that take photos are async only to read the posted form. Database work on the
    event loop stops every request while it waits (for a row lock, or a pooled connection), among
    them the requests that would free it, whose commits wait for the loop: twenty tabs posting
    the same application at once froze the web process."""
    return await run_in_threadpool(handler, *arguments)


@dataclass(frozen=True)
class Posted:
    """A resident's posted form: the answers, the photos (read up to one byte over the limit, so an
    oversized one is refused by name), what was typed (shown again on an error) and the CSRF token."""

    answers: flows.Answers
    photos: dict[str, bytes]
    typed: dict
    csrf_token: str | None


async def read_posted(form, fields: tuple[str, ...]) -> Posted:
    """What the online application and the push answer's account change both read from their form."""
    text = {key: value for key, value in form.items() if isinstance(value, str)}
    confirmations = [str(value) for value in form.getlist("confirmations")]
    photos = {}
    for key, value in form.items():
        if key.startswith("photo_") and isinstance(value, UploadFile) and value.filename:
            photos[key.removeprefix("photo_")] = await value.read(flows.PHOTO_MAX_BYTES + 1)
    return Posted(answers=flows.Answers(confirmations=confirmations,
                                        **{name: text.get(name, "").strip()[:100] for name in fields}),
                  photos=photos, typed={**text, "confirmations": form.getlist("confirmations")},
                  csrf_token=text.get("csrf_token"))


@router.get("/a/{token}/done", include_in_schema=False)
def receipt_page(token: str, request: Request, session: DbSession):
    """受付: the receipt number, the verdict, and what happens next (or what to fix)."""
    household = _resident(request, session, token)
    if household is None:
        return redirect(request, f"{PREFIX}{token}")
    page = flows.application_page(session=session, household=household)
    number = flows.receipt_number(page.receipt) if page.receipt else ""
    return render_page(request, "online_done.html", using=pages, csrf_binding=request.cookies.get(RESIDENT_COOKIE),
                       token=token, page=page, number=number)
