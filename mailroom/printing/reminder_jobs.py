"""The daily reminder run (督促状の定期印刷) as a periodic job: the letters of every programme whose
reminder window is open, printed by a worker on the schedule (see `secretariat.background.job_schedule`).

Each programme's run commits on its own; `print_reminders` leaves out every household already
reminded, so a retry, a second day or a run started from the /print page never prints a
household's letter twice.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from mailroom.printing.reminders import DEFAULT_DAYS_BEFORE, in_reminder_window, print_reminders
from secretariat.core.auth.actor import Actor
from secretariat.core.clock import today_jst
from secretariat.core.jobs.registry import JobContext, JobKind
from secretariat.core.programmes.models import Programme

DAILY_REMINDERS = "mailroom.daily_reminders"
REMINDER_ACTOR = Actor.system("reminders")


def daily_reminders_job(context: JobContext, *, out_root: str, days_before: int = DEFAULT_DAYS_BEFORE) -> None:
    """Print today's reminder letters of each programme in its window; progress is programmes done."""
    on = today_jst()
    with Session(context.engine) as session:
        due = [programme.id for programme in in_reminder_window(session, on, days_before)]
    context.each(due, lambda session, programme_id: print_reminders(
        session=session, actor=REMINDER_ACTOR, programme=session.get(Programme, programme_id),
        out_root=Path(out_root), days_before=days_before, on=on))


JOBS = (JobKind(DAILY_REMINDERS, daily_reminders_job, "督促状の定期印刷"),)
