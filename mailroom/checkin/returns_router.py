"""The returns pages (返戻通知): the forms waiting for a return letter, printing them as a job after
a page that says how many will print, the job's progress, and the printed batches' PDFs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse
from sqlmodel import Session

from mailroom.checkin.return_jobs import returns_job_of, start_return_letters
from mailroom.checkin.returns import (awaiting_return, get_return_batch, return_batch_file, return_batches_of,
                                      waiting_returns)
from mailroom.checkin.router import Checker, pages
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.jobs.models import ACTIVE_STATES
from secretariat.core.programmes.models import Programme
from secretariat.core.programmes.service import list_programmes
from secretariat.core.web.deps import AppSettings, DbSession, ValidProgramme
from secretariat.core.web.templating import render

router = APIRouter()
SHOWN = 200  # forms listed on the page; the count and the printing take them all
NOTHING_TO_PRINT = "返戻通知を印刷する様式はありません（不備の様式はすべて返戻通知を印刷済みです）。"


@router.get("/mailroom/returns")
def returns_index(request: Request, session: DbSession, actor: Checker):
    """Each programme with how many forms wait for a return letter, and its printing if one runs."""
    rows = [(programme, municipality, len(awaiting_return(session, programme)),
             returns_job_of(session=session, actor=actor, programme=programme))
            for programme, municipality in list_programmes(session=session, actor=actor)]
    return render(request, "checkin_returns.html", using=pages, actor=actor, rows=rows)


@router.get("/programmes/{programme_id}/returns")
def returns_page(request: Request, session: DbSession, programme: ValidProgramme, actor: Checker):
    return _returns_page(request, session, actor, programme)


def _returns_page(request: Request, session: Session, actor: Actor, programme: Programme, status_code: int = 200,
                  **context):
    running = returns_job_of(session=session, actor=actor, programme=programme)
    return render(request, "checkin_returns_programme.html", status_code, using=pages, actor=actor,
                  programme=programme, waiting_count=len(awaiting_return(session, programme)),
                  waiting=waiting_returns(session=session, actor=actor, programme=programme, limit=SHOWN),
                  running=running, active=running is not None and running.job.state in ACTIVE_STATES,
                  batches=return_batches_of(session=session, actor=actor, programme=programme), **context)


@router.get("/programmes/{programme_id}/returns/print")
def confirm_returns(request: Request, session: DbSession, programme: ValidProgramme, actor: Checker):
    """Printing cannot be undone: first say how many letters will print, for which forms."""
    waiting = awaiting_return(session, programme)
    return render(request, "checkin_returns_confirm.html", using=pages, actor=actor, programme=programme,
                  waiting_count=len(waiting), through=waiting[-1].id if waiting else None)


@router.post("/programmes/{programme_id}/returns/print")
def print_returns(request: Request, session: DbSession, settings: AppSettings, programme: ValidProgramme,
                  actor: Checker, through: Annotated[int | None, Form(ge=1)] = None):
    """Queue the confirmed letters for a worker (a second click joins the job already queued or printing)."""
    job = start_return_letters(session=session, actor=actor, programme=programme,
                               out_root=settings.data_dir / "returns", through=through)
    if job is None:
        return _returns_page(request, session, actor, programme, status_code=409, problem=NOTHING_TO_PRINT)
    session.commit()
    return RedirectResponse(f"/programmes/{programme.id}/returns", status_code=303)


@router.get("/programmes/{programme_id}/returns/letters.pdf")
def return_letters_file(session: DbSession, programme: ValidProgramme, actor: Checker,
                        batch: Annotated[int, Query(ge=1)]):
    return _batch_file(session, actor, programme, batch, "letters")


@router.get("/programmes/{programme_id}/returns/envelopes.pdf")
def return_envelopes_file(session: DbSession, programme: ValidProgramme, actor: Checker,
                          batch: Annotated[int, Query(ge=1)]):
    return _batch_file(session, actor, programme, batch, "envelopes")


def _batch_file(session: Session, actor: Actor, programme: Programme, batch_id: int, part: str) -> FileResponse:
    """A batch's PDF (residents' names and addresses): every download is audited."""
    batch = get_return_batch(session=session, actor=actor, programme=programme, batch_id=batch_id)
    path = return_batch_file(batch, part)
    record_audit(session=session, actor=actor, action="download", entity="return_batch", entity_id=batch.id,
                 municipality_id=batch.municipality_id, detail=path.name)
    session.commit()
    return FileResponse(path, media_type="application/pdf", filename=f"return-{part}-{batch.id}.pdf")
