"""The print room's pages: template previews, starting a print run, and following it."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from mailroom.printing.jobs import job_of, start_print_run
from mailroom.printing.letters import get_letter_run, letter_runs_of, letters_path, record_letter_mailing
from mailroom.printing.models import LetterRun, PrintRun, ReminderRun
from mailroom.printing.reminders import (DEFAULT_DAYS_BEFORE, get_reminder_run, print_reminders, record_reminder_mailing,
                                         reminder_runs_of)
from mailroom.printing.runs import get_run, record_mailing, run_file, run_progress, runs_of
from mailroom.printing.samples import write_sample
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.errors import Conflict, NotFound
from secretariat.core.programmes.service import get_programme, list_programmes, parse_date
from secretariat.core.web.deps import AppSettings, CurrentActor, DbSession, ValidProgramme, require_roles
from secretariat.core.web.templating import make_templates, render
from templates.layout import summary
from templates.loader import default_templates

router = APIRouter()
pages = make_templates(Path(__file__).parent / "templates")
PRINT_ROLES = (Role.admin, Role.supervisor, Role.operator)
Printer = Annotated[Actor, require_roles(*PRINT_ROLES)]

# Path parameters of this router that name a tenant's objects (see core.web.deps). Routes load
# them before checking the role, so another tenant's identifier is a 404, never a 403.
TENANT_PATH_PARAMETERS = ("run_id", "reminder_id", "letter_id")


def valid_print_run(run_id: int, session: DbSession, actor: CurrentActor) -> PrintRun:
    return get_run(session=session, actor=actor, run_id=run_id)


ValidPrintRun = Annotated[PrintRun, Depends(valid_print_run)]


def valid_reminder_run(reminder_id: int, session: DbSession, actor: CurrentActor) -> ReminderRun:
    return get_reminder_run(session=session, actor=actor, run_id=reminder_id)


ValidReminderRun = Annotated[ReminderRun, Depends(valid_reminder_run)]


def valid_letter_run(letter_id: int, session: DbSession, actor: CurrentActor) -> LetterRun:
    return get_letter_run(session=session, actor=actor, run_id=letter_id)


ValidLetterRun = Annotated[LetterRun, Depends(valid_letter_run)]


@router.get("/print")
def print_room(request: Request, session: DbSession, actor: Printer):
    programmes = [(programme, municipality, runs_of(session=session, actor=actor, programme=programme),
                   reminder_runs_of(session=session, actor=actor, programme=programme),
                   letter_runs_of(session=session, actor=actor, programme=programme))
                  for programme, municipality in list_programmes(session=session, actor=actor)]
    return render(request, "print_room.html", using=pages, actor=actor, programmes=programmes,
                  templates=[summary(t) for t in default_templates().values()], today=date.today().isoformat(),
                  days_before=DEFAULT_DAYS_BEFORE)


@router.get("/print/templates/{template_name}/preview.pdf")
def preview(template_name: str, actor: Printer):
    """The template drawn for two synthetic households: no resident's data is involved."""
    template = default_templates().get(template_name)
    if template is None:
        raise NotFound.of("様式", template_name)
    buffer = BytesIO()
    write_sample(template, 2, buffer)
    return Response(buffer.getvalue(), media_type="application/pdf",
                    headers={"content-disposition": f'inline; filename="{template_name}-preview.pdf"'})


@router.post("/programmes/{programme_id}/print-runs")
def start_print_run_page(request: Request, session: DbSession, settings: AppSettings, programme: ValidProgramme,
                         actor: Printer, wave: Annotated[int, Form(ge=1, le=99)] = 1):
    """Queue the run's printing for a worker (a second click joins the job already queued or printing)."""
    started = start_print_run(session=session, actor=actor, programme=programme,
                              out_root=settings.data_dir / "print-runs", wave=wave)
    if started is None:
        return render(request, "error.html", using=pages, status_code=409, status=409, actor=actor,
                      message="印刷する世帯はありません (every household of this programme has been printed)")
    session.commit()
    return RedirectResponse(f"/print/runs/{started.run.id}", status_code=303)


@router.get("/print/runs/{run_id}")
def print_run_page(request: Request, session: DbSession, run: ValidPrintRun, actor: Printer):
    programme = get_programme(session=session, actor=actor, programme_id=run.programme_id)
    return render(request, "print_run.html", using=pages, actor=actor, run=run, programme=programme,
                  progress=run_progress(session=session, run=run), job=job_of(session=session, run=run),
                  today=date.today().isoformat())


@router.get("/print/runs/{run_id}/files/{file_name}")
def print_run_file(run: ValidPrintRun, actor: Printer, file_name: str):
    path = run_file(run=run, file_name=file_name)
    media = "application/pdf" if path.suffix == ".pdf" else "text/csv"
    return FileResponse(path, media_type=media, filename=path.name)


@router.post("/print/runs/{run_id}/mailed")
def print_run_mailed(session: DbSession, run: ValidPrintRun, actor: Printer,
                     mailed_on: Annotated[str, Form(max_length=10)]):
    record_mailing(session=session, actor=actor, run=run, mailed_on=parse_date(mailed_on, "発送日"))
    return RedirectResponse(f"/print/runs/{run.id}", status_code=303)


@router.post("/programmes/{programme_id}/reminders")
def start_reminders(session: DbSession, settings: AppSettings, programme: ValidProgramme, actor: Printer,
                    days_before: Annotated[int, Form(ge=1, le=90)] = DEFAULT_DAYS_BEFORE):
    """The reminder letters of every household that has not replied (one page each: printed at once)."""
    run = print_reminders(session=session, actor=actor, programme=programme, days_before=days_before,
                          out_root=settings.data_dir / "print-runs")
    if run is None:
        raise Conflict("督促状を送る世帯はありません（全世帯が返送済みか、督促済みです）")
    session.commit()
    return RedirectResponse(f"/print#reminders-{programme.id}", status_code=303)


@router.get("/print/reminders/{reminder_id}/letters.pdf")
def reminder_letters(run: ValidReminderRun, actor: Printer):
    return FileResponse(Path(run.directory) / run.letters_file, media_type="application/pdf",
                        filename=f"reminder-letters-{run.id}.pdf")


@router.post("/print/reminders/{reminder_id}/mailed")
def reminders_mailed(session: DbSession, run: ValidReminderRun, actor: Printer,
                     mailed_on: Annotated[str, Form(max_length=10)]):
    record_reminder_mailing(session=session, actor=actor, run=run, mailed_on=parse_date(mailed_on, "発送日"))
    return RedirectResponse(f"/print#reminders-{run.programme_id}", status_code=303)


@router.get("/print/letters/{letter_id}/letters.pdf")
def letter_run_letters(run: ValidLetterRun, actor: Printer):
    return FileResponse(letters_path(run), media_type="application/pdf", filename=run.letters_file)


@router.post("/print/letters/{letter_id}/mailed")
def letters_mailed(session: DbSession, run: ValidLetterRun, actor: Printer,
                   mailed_on: Annotated[str, Form(max_length=10)]):
    record_letter_mailing(session=session, actor=actor, run=run, mailed_on=parse_date(mailed_on, "発送日"))
    return RedirectResponse(f"/print#letters-{run.programme_id}", status_code=303)
