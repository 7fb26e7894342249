"""The dashboard and each programme's progress page, plus their JSON twins."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from secretariat.core.applications.states import Status, parse_status
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import today_jst
from secretariat.core.programmes.expiry import count_unanswered, expire_unanswered, first_day_of_expiry
from secretariat.core.households.service import search_households
from secretariat.core.programmes.progress import programme_progress
from secretariat.core.programmes.service import list_programmes
from secretariat.core.web.deps import CurrentActor, DbSession, ValidProgramme, require_roles
from secretariat.core.web.templating import render

router = APIRouter()


@dataclass
class ProgrammeSection:
    """A domain's own table on the programme page (the core cannot import the domains): the
    composition root lists the functions that make them in `app.state.programme_sections`."""

    heading: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""
    testid: str = ""


SectionMaker = Callable[..., "ProgrammeSection | None"]  # (*, session, actor, programme)


def _sections(request: Request, session, actor: Actor, programme) -> list[ProgrammeSection]:
    makers: tuple[SectionMaker, ...] = getattr(request.app.state, "programme_sections", ())
    return [made for make in makers if (made := make(session=session, actor=actor, programme=programme))]


@router.get("/")
def dashboard(request: Request, session: DbSession, actor: CurrentActor):
    rows = [(programme, municipality, programme_progress(session=session, programme=programme))
            for programme, municipality in list_programmes(session=session, actor=actor)]
    return render(request, "dashboard.html", actor=actor, rows=rows, Role=Role, Status=Status)


@router.get("/programmes/{programme_id}")
def programme_page(request: Request, session: DbSession, actor: CurrentActor, programme: ValidProgramme,
                   q: str = "", status: str = "", page: int = 1):
    chosen = parse_status(status) if status else None
    page = max(page, 1)
    households = search_households(session=session, actor=actor, programme=programme, query=q[:100],
                                   status=chosen, limit=50, offset=(page - 1) * 50)
    return render(request, "programme.html", actor=actor, programme=programme, q=q, status=status, page=page,
                  progress=programme_progress(session=session, programme=programme, days=30),
                  households=households, Status=Status,
                  sections=_sections(request, session, actor, programme))


@router.get("/api/programmes")
def programmes_json(session: DbSession, actor: CurrentActor):
    return [{"id": programme.id, "name": programme.name, "municipality_code": municipality.code,
             "deadline_date": programme.deadline_date.isoformat()}
            for programme, municipality in list_programmes(session=session, actor=actor)]


@router.get("/api/programmes/{programme_id}/progress")
def progress_json(session: DbSession, actor: CurrentActor, programme: ValidProgramme):
    progress = programme_progress(session=session, programme=programme)
    return {"programme_id": programme.id, "total": progress.total,
            "by_status": {status.value: count for status, count in progress.by_status.items()},
            "received_per_day": [[day.isoformat(), count] for day, count in progress.received_per_day],
            "deficiency_rate": progress.deficiency_rate}


@router.post("/programmes/{programme_id}/expire")
def expire_programme(request: Request, session: DbSession, programme: ValidProgramme,
                     actor: Annotated[Actor, require_roles(Role.admin, Role.supervisor)],
                     grace_days: Annotated[int, Form(ge=0, le=30)] = 7, confirm: Annotated[str, Form(max_length=1)] = ""):
    """First a page saying what will happen; only its confirmation expires the applications."""
    if confirm != "1":
        return render(request, "expire_confirm.html", actor=actor, programme=programme, grace_days=grace_days,
                      waiting=count_unanswered(session, programme), today=today_jst(),
                      first_day=first_day_of_expiry(programme, grace_days))
    expire_unanswered(session=session, actor=actor, programme=programme, grace_days=grace_days)
    session.commit()
    return RedirectResponse(f"/programmes/{programme.id}?status=expired", status_code=303)
