"""Dependencies that routes declare instead of repeating logic: the database session, the
logged-in actor, role checks, and loaders that fetch a tenant-scoped object or answer 404."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from secretariat.core.applications.models import Application
from secretariat.core.applications.service import get_application
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.models import User
from secretariat.core.auth.roles import Role
from secretariat.core.auth.service import actor_for, get_user, user_for_api_token, user_for_session
from secretariat.core.config import Settings
from secretariat.core.errors import DomainError, PermissionDenied
from secretariat.core.households.models import Household
from secretariat.core.households.service import get_household
from secretariat.core.programmes.models import Programme
from secretariat.core.programmes.service import get_programme
from secretariat.core.tenancy.models import Municipality
from secretariat.core.tenancy.service import get_municipality_by_code
from secretariat.core.web.security import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, client_address, csrf_binding, \
    csrf_matches

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class NotAuthenticated(DomainError):
    status_code = 401

    def __init__(self):
        super().__init__("ログインしてください")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


DbSession = Annotated[Session, Depends(get_db, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]


async def csrf_protect(request: Request, settings: AppSettings) -> None:
    """Applied to every route: an unsafe method from a browser must carry the page's CSRF token.

    Requests authenticated by an API token carry no cookie a forged page could ride on, so
    they need none; nor do webhooks under a prefix the app lists in `state.csrf_exempt_prefixes`
    (they read no session and are verified by their own signature).
    """
    if request.method in SAFE_METHODS or _bearer(request):
        return
    if request.url.path.startswith(tuple(getattr(request.app.state, "csrf_exempt_prefixes", ()))):
        return
    supplied = request.headers.get(CSRF_HEADER)
    if supplied is None and "form" in request.headers.get("content-type", ""):
        supplied = (await request.form()).get(CSRF_FIELD)
    if not csrf_matches(settings.secret_key, csrf_binding(request), supplied):
        raise PermissionDenied("このフォームは有効期限が切れたか、このサイトから送信されたものではありません"
                               "（CSRF検査）。ページを読み込み直してから、もう一度送信してください。")


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_user(request: Request, session: DbSession) -> User:
    token = _bearer(request)
    user = user_for_api_token(session=session, token=token) if token else None
    if user is None and not token and (cookie := request.cookies.get(SESSION_COOKIE)):
        user = user_for_session(session=session, token=cookie)
    if user is None:
        raise NotAuthenticated()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def current_actor(request: Request, user: CurrentUser) -> Actor:
    return actor_for(user, client_address(request))


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require_roles(*roles: Role):
    def check(actor: CurrentActor) -> Actor:
        actor.require(*roles)
        return actor
    return Depends(check)


def valid_user(user_id: int, session: DbSession, actor: CurrentActor) -> User:
    return get_user(session=session, actor=actor, user_id=user_id)


def valid_municipality(municipality_code: str, session: DbSession, actor: CurrentActor) -> Municipality:
    return get_municipality_by_code(session=session, actor=actor, code=municipality_code)


def valid_programme(programme_id: int, session: DbSession, actor: CurrentActor) -> Programme:
    return get_programme(session=session, actor=actor, programme_id=programme_id)


def valid_household(household_id: int, session: DbSession, actor: CurrentActor) -> Household:
    return get_household(session=session, actor=actor, household_id=household_id)


def valid_application(application_id: int, session: DbSession, actor: CurrentActor) -> Application:
    return get_application(session=session, actor=actor, application_id=application_id)


ValidUser = Annotated[User, Depends(valid_user)]
ValidMunicipality = Annotated[Municipality, Depends(valid_municipality)]
ValidProgramme = Annotated[Programme, Depends(valid_programme)]
ValidHousehold = Annotated[Household, Depends(valid_household)]
ValidApplication = Annotated[Application, Depends(valid_application)]

# The path parameters that name a tenant's objects. Every route taking one of these must
# load it through the matching `valid_*` dependency; the tenancy test enumerates the app's
# routes against this list, so a route with a new kind of identifier fails until it is added.
TENANT_PATH_PARAMETERS = ("municipality_code", "programme_id", "household_id", "application_id", "user_id")
