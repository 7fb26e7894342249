"""Returns (返戻): deficient forms go back to the resident with a letter saying what to fix.

Letters print in batches like a print run: one PDF of return letters (each listing its
deficiencies and how to fix them), one PDF of fresh return-envelope faces (料金受取人払) in
the same order, and the applications move deficient → returned. When the corrected form
comes back it is checked in like any other and checked again.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlmodel import Session, select

from mailroom.checkin.models import DeficiencyRecord, Receipt, ReturnBatch, ReturnLetter
from mailroom.printing.runs import RenderJob, addressees_for, render_job
from secretariat.core.applications.models import Application
from secretariat.core.applications.ownership import owns
from secretariat.core.applications.service import transition
from secretariat.core.applications.states import Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.errors import NotFound
from secretariat.core.programmes.models import Programme

LETTER = "return-letter"
ENVELOPE = "reply-envelope"


def awaiting_return(session: Session, programme: Programme) -> list[Receipt]:
    """Deficient receipts whose application is still deficient and that have no letter yet."""
    lettered = select(ReturnLetter.receipt_id)
    query = (select(Receipt).join(Application, Application.household_id == Receipt.household_id)
             .where(Receipt.programme_id == programme.id, Receipt.outcome == "deficient", Receipt.counted.is_(True),
                    Application.status == Status.deficient.value, Receipt.id.not_in(lettered))
             .order_by(Receipt.id))
    return list(session.exec(query))


@owns((Status.deficient, Status.returned))
def return_to_resident(*, session: Session, actor: Actor, application: Application, reason: str) -> None:
    """返戻: a deficient application goes back to the resident to fix, by a printed return letter
    (`print_return_letters`) or on the resident's own screen (the `online` package, when a resident
    who applied on the web corrects the application). The one step deficient → returned."""
    actor.require(Role.admin, Role.supervisor, Role.operator, Role.system)
    transition(session=session, application=application, to=Status.returned, actor=actor, reason=reason)


def print_return_letters(*, session: Session, actor: Actor, programme: Programme, out_root: Path) -> ReturnBatch | None:
    """Print every waiting return letter of the programme; None when there is none."""
    actor.require(Role.admin, Role.supervisor, Role.operator, Role.system)
    if not actor.can_see(programme.municipality_id):
        raise NotFound(f"no programme {programme.id}")
    receipts = awaiting_return(session, programme)
    if not receipts:
        return None
    batch = ReturnBatch(municipality_id=programme.municipality_id, programme_id=programme.id, directory="",
                        letters_file="", envelopes_file="", letter_count=len(receipts), created_by=actor.username)
    session.add(batch)
    session.flush()
    folder = out_root / f"returns-{batch.id:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    batch.directory = str(folder)
    batch.letters_file, batch.envelopes_file = "return-letters.pdf", "return-envelopes.pdf"
    addressees = addressees_for(session, programme, [r.household_id for r in receipts], None)
    letters = {}
    for receipt in receipts:
        found = list(session.exec(select(DeficiencyRecord).where(DeficiencyRecord.receipt_id == receipt.id)
                                  .order_by(DeficiencyRecord.id)))
        letters[receipt.household_id] = dataclasses.replace(
            addressees[receipt.household_id], deficiencies=tuple(d.message + d.fix for d in found))
        session.add(ReturnLetter(return_batch_id=batch.id, receipt_id=receipt.id,
                                 municipality_id=receipt.municipality_id, household_id=receipt.household_id,
                                 deficiency_codes=[d.code for d in found]))
    forms = tuple((receipt.form_id, receipt.household_id) for receipt in receipts)
    title = f"{programme.name} 返戻通知 {batch.id}"
    render_job(RenderJob(target=str(folder / batch.letters_file), title=title, pack=(LETTER,), forms=forms,
                         addressees=letters, manifest_part=False))
    render_job(RenderJob(target=str(folder / batch.envelopes_file), title=f"{title} 返信用封筒", pack=(ENVELOPE,),
                         forms=forms, addressees=letters, manifest_part=False))
    for receipt in receipts:
        application = session.exec(select(Application).where(Application.household_id == receipt.household_id)).one()
        return_to_resident(session=session, actor=actor, application=application, reason=f"返戻通知 {batch.id}")
    session.add(batch)
    record_audit(session=session, actor=actor, action="print_returns", entity="return_batch", entity_id=batch.id,
                 municipality_id=programme.municipality_id, detail=f"{len(receipts)} letters")
    session.flush()
    return batch
