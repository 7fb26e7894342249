"""Reminders (督促): a letter to every household that has not sent its form back as the deadline nears.

A reminder run is printed from `days_before` days before the programme's deadline up to the
deadline itself, for the applications still waiting on the resident: mailed (発送済み) and
returned for a fix (返戻済み). The letters come in postal-code order, as the bulk-mail discount
wants, in one PDF, and each household is reminded once per programme. The day the run goes to
the post office is recorded like a print run's, and the call center's forecast counts it as a
wave of calls.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session, select

from mailroom.printing.addressee import wareki
from mailroom.printing.mailing import PRINTERS, mark_mailed, run_in_view
from mailroom.printing.models import IssuedForm, ReminderLetter, ReminderRun
from mailroom.printing.runs import RenderJob, addressees_for, render_job
from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.clock import today_jst
from secretariat.core.errors import InvalidInput, NotFound
from secretariat.core.households.models import Household
from secretariat.core.programmes.models import Programme

LETTER = "reminder-letter"
WAITING_ON_RESIDENT = (Status.mailed, Status.returned)
DEFAULT_DAYS_BEFORE = 14


def awaiting_reminder(session: Session, programme: Programme) -> list[tuple[int, str]]:
    """(household id, its current form id) of each household still to be reminded, in postal-code order."""
    reminded = select(ReminderLetter.household_id).where(ReminderLetter.programme_id == programme.id)
    return list(session.exec(
        select(Household.id, IssuedForm.form_id)
        .join(Application, Application.household_id == Household.id)
        .join(IssuedForm, (IssuedForm.household_id == Household.id) & IssuedForm.voided_at.is_(None))
        .where(Application.programme_id == programme.id,
               Application.status.in_([status.value for status in WAITING_ON_RESIDENT]),
               Household.id.not_in(reminded))
        .order_by(Household.postal_code, Household.household_number)))


def in_reminder_window(session: Session, on: date, days_before: int = DEFAULT_DAYS_BEFORE) -> list[Programme]:
    """The programmes whose reminders may be printed `on` (from `days_before` days before the deadline
    to the deadline itself), of every municipality: what the daily reminder job goes through."""
    return list(session.exec(select(Programme).where(Programme.deadline_date >= on,
                                                     Programme.deadline_date <= on + timedelta(days=days_before))
                             .order_by(Programme.id)))


def print_reminders(*, session: Session, actor: Actor, programme: Programme, out_root: Path,
                    days_before: int = DEFAULT_DAYS_BEFORE, on: date | None = None) -> ReminderRun | None:
    """Print the reminder letters of every household not yet replied nor reminded; None when there is none."""
    actor.require(*PRINTERS)
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    on = on or today_jst()
    opens = programme.deadline_date - timedelta(days=days_before)
    if on < opens:
        raise InvalidInput(f"督促状は提出期限（{wareki(programme.deadline_date)}）の{days_before}日前、"
                           f"{wareki(opens)}から印刷できます")
    if on > programme.deadline_date:
        raise InvalidInput(f"提出期限（{wareki(programme.deadline_date)}）を過ぎています。"
                           f"督促ではなく期限切れの処理をしてください")
    waiting = awaiting_reminder(session, programme)
    if not waiting:
        return None
    run = ReminderRun(municipality_id=programme.municipality_id, programme_id=programme.id, directory="",
                      letter_count=len(waiting), printed_on=on, created_by=actor.username)
    session.add(run)
    session.flush()
    folder = out_root / f"reminders-{run.id:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    run.directory, run.letters_file = str(folder), "reminder-letters.pdf"
    households = [household_id for household_id, _ in waiting]
    session.add_all(ReminderLetter(reminder_run_id=run.id, municipality_id=programme.municipality_id,
                                   programme_id=programme.id, household_id=household_id, position=position)
                    for position, household_id in enumerate(households, start=1))
    render_job(RenderJob(target=str(folder / run.letters_file), title=f"{programme.name} 督促状 {run.id}",
                         pack=(LETTER,), forms=tuple((form_id, household_id) for household_id, form_id in waiting),
                         addressees=addressees_for(session, programme, households, None), manifest_part=False))
    session.add(run)
    record_audit(session=session, actor=actor, action="print_reminders", entity="reminder_run", entity_id=run.id,
                 municipality_id=programme.municipality_id, detail=f"{len(waiting)} letters")
    session.flush()
    return run


def record_reminder_mailing(*, session: Session, actor: Actor, run: ReminderRun, mailed_on: date) -> int:
    """The day a reminder run went to the post office; returns its letter count."""
    return mark_mailed(session=session, actor=actor, run=run, mailed_on=mailed_on, what="督促状",
                       action="mail_reminders", entity="reminder_run", today=today_jst())


def get_reminder_run(*, session: Session, actor: Actor, run_id: int) -> ReminderRun:
    return run_in_view(session=session, actor=actor, kind=ReminderRun, run_id=run_id, what="督促状")


def reminder_runs_of(*, session: Session, actor: Actor, programme: Programme) -> list[ReminderRun]:
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    return list(session.exec(select(ReminderRun).where(ReminderRun.programme_id == programme.id)
                             .order_by(ReminderRun.id)))
