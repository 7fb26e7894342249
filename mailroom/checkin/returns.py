"""Returns (返戻): deficient forms go back to the resident with a letter saying what to fix.

Letters print in batches like a print run: one PDF of return letters (each listing its
deficiencies and how to fix them), one PDF of fresh return-envelope faces (料金受取人払) in
the same order, and the applications move deficient → returned. When the corrected form
comes back it is checked in like any other and checked again.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
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
from secretariat.core.households.models import Household
from secretariat.core.programmes.models import Programme

LETTER = "return-letter"
ENVELOPE = "reply-envelope"


def awaiting_return(session: Session, programme: Programme, *, through: int | None = None,
                    limit: int | None = None) -> list[Receipt]:
    """Deficient receipts whose application is still deficient and that have no letter yet, oldest
    first; `through` keeps those checked in up to that receipt (what a person saw and confirmed).

    Only a household's newest receipt counts: one whose resident sent it again, still deficient
    (an online application fixed on the screen but not wholly), has one letter, about the last."""
    lettered = select(ReturnLetter.receipt_id)
    newest = (select(func.max(Receipt.id)).where(Receipt.programme_id == programme.id, Receipt.counted.is_(True))
              .group_by(Receipt.household_id))
    query = (select(Receipt).join(Application, Application.household_id == Receipt.household_id)
             .where(Receipt.programme_id == programme.id, Receipt.outcome == "deficient", Receipt.counted.is_(True),
                    Application.status == Status.deficient.value, Receipt.id.not_in(lettered),
                    Receipt.id.in_(newest))
             .order_by(Receipt.id))
    if through is not None:
        query = query.where(Receipt.id <= through)
    return list(session.exec(query.limit(limit)))


@dataclass(frozen=True)
class WaitingReturn:
    """A deficient form waiting for its return letter, as the returns page lists it."""

    receipt: Receipt
    household_number: str
    deficiency_codes: tuple[str, ...]


def waiting_returns(*, session: Session, actor: Actor, programme: Programme,
                    limit: int | None = None) -> list[WaitingReturn]:
    """The oldest `limit` (or every) form waiting for its return letter, with what it lacks."""
    require_return_printer(actor, programme)
    receipts = awaiting_return(session, programme, limit=limit)
    numbers = dict(session.exec(select(Household.id, Household.household_number)
                                .where(Household.id.in_([r.household_id for r in receipts]))).all())
    deficiencies = deficiencies_of(session, receipts)
    return [WaitingReturn(receipt, numbers[receipt.household_id], tuple(d.code for d in deficiencies[receipt.id]))
            for receipt in receipts]


def deficiencies_of(session: Session, receipts: list[Receipt]) -> dict[int, list[DeficiencyRecord]]:
    """Each receipt's deficiencies in the order the check found them, by receipt id."""
    found: dict[int, list[DeficiencyRecord]] = {receipt.id: [] for receipt in receipts}
    ids = list(found)
    for start in range(0, len(ids), 1000):  # a bounded IN list: a whole programme's waiting forms can be many
        for record in session.exec(select(DeficiencyRecord).where(DeficiencyRecord.receipt_id.in_(
                ids[start:start + 1000])).order_by(DeficiencyRecord.id)):
            found[record.receipt_id].append(record)
    return found


def return_batches_of(*, session: Session, actor: Actor, programme: Programme) -> list[ReturnBatch]:
    """The programme's printed batches of return letters, newest first."""
    require_return_printer(actor, programme)
    return list(session.exec(select(ReturnBatch).where(ReturnBatch.programme_id == programme.id)
                             .order_by(ReturnBatch.id.desc())))


def get_return_batch(*, session: Session, actor: Actor, programme: Programme, batch_id: int) -> ReturnBatch:
    require_return_printer(actor, programme)
    batch = session.get(ReturnBatch, batch_id)
    if batch is None or batch.programme_id != programme.id:
        raise NotFound(f"返戻通知の印刷 {batch_id} は見つかりません")
    return batch


def return_batch_file(batch: ReturnBatch, part: str) -> Path:
    """The batch's letters (`letters`) or envelope faces (`envelopes`) PDF."""
    names = {"letters": batch.letters_file, "envelopes": batch.envelopes_file}
    path = Path(batch.directory) / names[part]
    if not path.is_file():
        raise NotFound(f"返戻通知の印刷 {batch.id} のファイルが見つかりません")
    return path


def require_return_printer(actor: Actor, programme: Programme) -> None:
    """Who prints return letters: the mailroom's staff, for a programme they see."""
    actor.require(Role.admin, Role.supervisor, Role.operator, Role.system)
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)


@owns((Status.deficient, Status.returned))
def return_to_resident(*, session: Session, actor: Actor, application: Application, reason: str) -> None:
    """返戻: a deficient application goes back to the resident to fix, by a printed return letter
    (`print_return_letters`) or on the resident's own screen (the `online` package, when a resident
    who applied on the web corrects the application). The one step deficient → returned."""
    actor.require(Role.admin, Role.supervisor, Role.operator, Role.system)
    transition(session=session, application=application, to=Status.returned, actor=actor, reason=reason)


def print_return_letters(*, session: Session, actor: Actor, programme: Programme, out_root: Path,
                         through: int | None = None, limit: int | None = None) -> ReturnBatch | None:
    """Print the programme's waiting return letters as one batch (every one, or the oldest `limit`
    of those up to receipt `through`); None when there is none. Nothing is final until the caller
    commits: the letters, the batch and the applications' step commit together, so a batch whose
    commit never came is printed again whole (its files are written again) and never half."""
    require_return_printer(actor, programme)
    receipts = awaiting_return(session, programme, through=through, limit=limit)
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
    deficiencies = deficiencies_of(session, receipts)
    for receipt in receipts:
        found = deficiencies[receipt.id]
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
