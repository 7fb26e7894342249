"""Recording the day a run of letters went to the post office (発送日): reminder runs and letter runs
follow the same rules, and the call forecast counts each as a wave of calls."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from mailroom.printing.models import MailedLetters
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import today_jst
from secretariat.core.errors import Conflict, InvalidInput, NotFound

PRINTERS = (Role.admin, Role.supervisor, Role.operator, Role.system)


def run_in_view(*, session: Session, actor: Actor, kind: type[MailedLetters], run_id: int, what: str):
    """The run of `kind` with this id, if the actor's municipality may see it; `what` names it in the
    one NotFound wording for missing and not-yours."""
    run = session.get(kind, run_id)
    if run is None or not actor.can_see(run.municipality_id):
        raise NotFound.of(what, run_id)
    return run


def mark_mailed(*, session: Session, actor: Actor, run: MailedLetters, mailed_on: date, what: str, action: str,
                entity: str, today: date | None = None) -> int:
    """The day a run of letters went to the post office (not after `today`, not before it was
    printed, once), audited; returns its letter count. `what` names the kind of run in the messages."""
    actor.require(*PRINTERS)
    if not actor.can_see(run.municipality_id):
        raise NotFound.of(what, run.id)
    name = f"{what} {run.id}"
    if mailed_on > (today or today_jst()):
        raise InvalidInput(f"発送日 {mailed_on} が未来の日付です")
    if mailed_on < run.printed_on:
        raise InvalidInput(f"発送日 {mailed_on} が印刷日 {run.printed_on} より前です")
    if run.mailed_date is not None:
        raise Conflict(f"{name} は {run.mailed_date} に発送済みとして記録されています")
    run.mailed_date, run.mailed_count = mailed_on, run.letter_count
    session.add(run)
    record_audit(session=session, actor=actor, action=action, entity=entity, entity_id=run.id,
                 municipality_id=run.municipality_id, detail=f"{run.letter_count} letters mailed on {mailed_on}")
    session.flush()
    return run.letter_count
