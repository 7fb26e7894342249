"""Login and logout pages, and the admin's staff pages (スタッフ管理)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from sqlmodel import Session

from secretariat.core.auth.actor import Actor
from secretariat.core.auth.assignments import assign_programmes, programmes_served
from secretariat.core.auth.models import User
from secretariat.core.auth.roles import LOGIN_ROLES, Role
from secretariat.core.auth.service import (authenticate, change_role, create_user, end_session, list_users,
                                           reset_password, set_user_active, start_session)
from secretariat.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooManyAttempts
from secretariat.core.programmes.service import list_programmes
from secretariat.core.tenancy.models import Municipality
from secretariat.core.tenancy.service import get_municipality_by_code, list_municipalities
from secretariat.core.web.deps import AppSettings, CurrentActor, DbSession, ValidUser, require_roles
from secretariat.core.web.security import LOGIN_PATH, PRESESSION_COOKIE, SESSION_COOKIE, client_address, \
    new_presession, set_cookie
from secretariat.core.web.templating import render

router = APIRouter()
MAX_USERNAME, MAX_PASSWORD = 64, 200
AdminActor = Annotated[Actor, require_roles(Role.admin)]
# routes naming a user take CurrentActor: `ValidUser` answers 404 for another municipality's liaison, then
# requires an admin (so a liaison cannot probe for user ids)


def _safe_next(target: str | None) -> str:
    """Only redirect within this site, so the login form cannot be used to bounce users elsewhere."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get(LOGIN_PATH)
def login_page(request: Request, next: str = "/"):
    binding = request.cookies.get(PRESESSION_COOKIE) or new_presession()
    response = render(request, "login.html", csrf_binding=binding, next=_safe_next(next), error=None)
    set_cookie(request, response, PRESESSION_COOKIE, binding)
    return response


def _login_problem(username: str, password: str) -> str | None:
    """What is wrong with the form before it reaches the accounts, in words; None when it may be checked."""
    if not username.strip():
        return "ユーザー名を入力してください。"
    if not password:
        return "パスワードを入力してください。"
    if len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD:
        return "ユーザー名またはパスワードが長すぎます。"
    return None


@router.post(LOGIN_PATH)
def login(request: Request, session: DbSession, settings: AppSettings,
          username: Annotated[str, Form(max_length=10_000)] = "", password: Annotated[str, Form(max_length=10_000)] = "",
          next: Annotated[str, Form()] = "/"):
    address = client_address(request)
    # a bad form stays on the login page with a Japanese line and the name as typed (never an error page)
    if problem := _login_problem(username, password):
        return render(request, "login.html", status_code=422, next=_safe_next(next), error=problem,
                      username=username[:MAX_USERNAME], csrf_binding=request.cookies.get(PRESESSION_COOKIE))
    try:
        user = authenticate(session=session, username=username, password=password, address=address,
                            max_failures=settings.login_max_failures,
                            lockout_minutes=settings.login_lockout_minutes)
    except (PermissionDenied, TooManyAttempts) as error:
        session.commit()  # the failed attempt is kept for the security review
        return render(request, "login.html", status_code=error.status_code, next=_safe_next(next),
                      error=error.message, username=username, csrf_binding=request.cookies.get(PRESESSION_COOKIE))
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


# --- staff management (スタッフ管理), admin only ---------------------------------------------

def _staff_page(request: Request, session: Session, actor, *, status_code: int = 200, error: str | None = None,
                typed: dict | None = None):
    return render(request, "staff.html", status_code=status_code, actor=actor,
                  users=list_users(session=session, actor=actor),
                  municipalities={m.id: m for m in list_municipalities(session=session, actor=actor)},
                  roles=LOGIN_ROLES, error=error, typed=typed or {})


def _user_page(request: Request, session: Session, actor, user: User, *, status_code: int = 200,
               error: str | None = None, done: str = "", checked: set[str] | None = None):
    """`checked`: the programme boxes as the admin left them, when their form comes back refused."""
    served = {str(programme_id) for programme_id in programmes_served(session, user.id)}
    return render(request, "staff_user.html", status_code=status_code, actor=actor, user=user,
                  municipalities=list_municipalities(session=session, actor=actor), roles=LOGIN_ROLES,
                  programmes=list_programmes(session=session, actor=actor), served=served,
                  checked=served if checked is None else checked, error=error, done=done)


def _municipality(session: Session, actor, code: str) -> Municipality | None:
    return get_municipality_by_code(session=session, actor=actor, code=code) if code.strip() else None


@router.get("/staff")
def staff_page(request: Request, session: DbSession, actor: AdminActor):
    return _staff_page(request, session, actor)


@router.post("/staff")
def add_staff(request: Request, session: DbSession, actor: AdminActor,
              username: Annotated[str, Form(max_length=200)] = "", display_name: Annotated[str, Form(max_length=200)] = "",
              role: Annotated[str, Form(max_length=20)] = "", municipality_code: Annotated[str, Form(max_length=20)] = "",
              password: Annotated[str, Form(max_length=MAX_PASSWORD)] = ""):
    typed = dict(username=username, display_name=display_name, role=role, municipality_code=municipality_code)
    try:
        if len(display_name) > 100:
            raise InvalidInput("表示名は100文字以内にしてください")
        with session.begin_nested():
            user = create_user(session=session, actor=actor, username=username, password=password, role=role,
                               display_name=display_name,
                               municipality=_municipality(session, actor, municipality_code))
    except (InvalidInput, Conflict, NotFound) as error:
        return _staff_page(request, session, actor, status_code=error.status_code, error=error.message, typed=typed)
    return RedirectResponse(f"/staff/{user.id}?done=added", status_code=303)


@router.get("/staff/{user_id}")
def staff_user_page(request: Request, session: DbSession, actor: CurrentActor, user: ValidUser, done: str = ""):
    return _user_page(request, session, actor, user, done=done)


@router.post("/staff/{user_id}/role")
def change_staff_role(request: Request, session: DbSession, actor: CurrentActor, user: ValidUser,
                      role: Annotated[str, Form(max_length=20)] = "",
                      municipality_code: Annotated[str, Form(max_length=20)] = ""):
    try:
        with session.begin_nested():
            change_role(session=session, actor=actor, user=user, role=role,
                        municipality=_municipality(session, actor, municipality_code) if role == "liaison" else None)
    except (InvalidInput, Conflict, NotFound) as error:
        session.refresh(user)
        return _user_page(request, session, actor, user, status_code=error.status_code, error=error.message)
    return RedirectResponse(f"/staff/{user.id}?done=role", status_code=303)


@router.post("/staff/{user_id}/programmes")
def assign_staff_programmes(request: Request, session: DbSession, actor: CurrentActor, user: ValidUser,
                            programme: Annotated[list[str], Form()] = []):
    """The programmes an agent serves (担当事業): the boxes ticked replace the last set."""
    try:
        if not all(value.isdigit() for value in programme):
            raise InvalidInput("事業の指定が正しくありません。一覧から選び直してください。")
        with session.begin_nested():
            assign_programmes(session, actor=actor, user_id=user.id, programme_ids=[int(value) for value in programme])
    except (InvalidInput, NotFound) as error:
        return _user_page(request, session, actor, user, status_code=error.status_code, error=error.message,
                          checked=set(programme))
    return RedirectResponse(f"/staff/{user.id}?done=programmes", status_code=303)


@router.get("/staff/{user_id}/disable")
def confirm_disable(request: Request, actor: CurrentActor, user: ValidUser):
    """What disabling does, before it is done."""
    return render(request, "staff_confirm.html", actor=actor, user=user, action="disable",
                  error="自分自身は無効化できません。" if user.id == actor.user_id else None)


@router.post("/staff/{user_id}/disable")
def disable_staff(request: Request, session: DbSession, actor: CurrentActor, user: ValidUser):
    try:
        set_user_active(session=session, actor=actor, user=user, active=False)
    except Conflict as error:
        return render(request, "staff_confirm.html", status_code=error.status_code, actor=actor, user=user,
                      action="disable", error=error.message)
    return RedirectResponse(f"/staff/{user.id}?done=disabled", status_code=303)


@router.post("/staff/{user_id}/enable")
def enable_staff(session: DbSession, actor: CurrentActor, user: ValidUser):
    set_user_active(session=session, actor=actor, user=user, active=True)
    return RedirectResponse(f"/staff/{user.id}?done=enabled", status_code=303)


@router.get("/staff/{user_id}/password")
def confirm_password_reset(request: Request, actor: CurrentActor, user: ValidUser):
    """The reset page says what will happen (their sessions end) and takes the new password twice."""
    return render(request, "staff_confirm.html", actor=actor, user=user, action="password", error=None)


@router.post("/staff/{user_id}/password")
def reset_staff_password(request: Request, session: DbSession, actor: CurrentActor, user: ValidUser,
                         password: Annotated[str, Form(max_length=MAX_PASSWORD)] = "",
                         again: Annotated[str, Form(max_length=MAX_PASSWORD)] = ""):
    try:
        if password != again:
            raise InvalidInput("確認のために入力したパスワードが一致しません。")
        reset_password(session=session, actor=actor, user=user, password=password)
    except InvalidInput as error:
        return render(request, "staff_confirm.html", status_code=error.status_code, actor=actor, user=user,
                      action="password", error=error.message)
    return RedirectResponse(f"/staff/{user.id}?done=password", status_code=303)
