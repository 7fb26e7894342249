"""Login and logout pages."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from secretariat.core.auth.service import authenticate, end_session, start_session
from secretariat.core.errors import PermissionDenied, TooManyAttempts
from secretariat.core.web.deps import AppSettings, DbSession
from secretariat.core.web.security import LOGIN_PATH, PRESESSION_COOKIE, SESSION_COOKIE, client_address, \
    new_presession, set_cookie
from secretariat.core.web.templating import render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only redirect within this site, so the login form cannot be used to bounce users elsewhere."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get(LOGIN_PATH)
def login_page(request: Request, next: str = "/"):
    binding = request.cookies.get(PRESESSION_COOKIE) or new_presession()
    response = render(request, "login.html", csrf_binding=binding, next=_safe_next(next), error=None)
    set_cookie(request, response, PRESESSION_COOKIE, binding)
    return response


@router.post(LOGIN_PATH)
def login(request: Request, session: DbSession, settings: AppSettings,
          username: Annotated[str, Form(max_length=64)], password: Annotated[str, Form(max_length=200)],
          next: Annotated[str, Form()] = "/"):
    address = client_address(request)
    try:
        user = authenticate(session=session, username=username, password=password, address=address,
                            max_failures=settings.login_max_failures,
                            lockout_minutes=settings.login_lockout_minutes)
    except (PermissionDenied, TooManyAttempts) as error:
        session.commit()  # the failed attempt is kept for the security review
        return render(request, "login.html", status_code=error.status_code, next=_safe_next(next),
                      error=error.message)
    token = start_session(session=session, user=user, address=address, hours=settings.session_hours)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_cookie(request, response, SESSION_COOKIE, token, max_age=settings.session_hours * 3600)
    response.delete_cookie(PRESESSION_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession):
    if cookie := request.cookies.get(SESSION_COOKIE):
        end_session(session=session, token=cookie)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
