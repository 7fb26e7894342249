"""Letter runs: letters that are mailings of their own, printed for other sides of the product.

A push programme's notice by letter (支給のお知らせ, `online.push_letters`) and the gift-code letters
(`exchange.giftcodes.delivery`) are drawn by the print room's renderer, and the print room keeps the
record of each run as it does for packs and reminders: the file, the letters in it (one per
household, in postal-code order), the day it was printed and the day it went to the post office
(発送日, recorded once, not before printing, audited). The side that prints decides who gets a
letter; this module only records and lists.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from mailroom.printing.models import Letter, LetterRun
from mailroom.printing.mailing import PRINTERS, mark_mailed, run_in_view
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.clock import today_jst
from secretariat.core.errors import InvalidInput, NotFound
from secretariat.core.programmes.models import Programme

PUSH_NOTICE = "push_notice"  # 支給のお知らせ（書面）
GIFTCODE = "giftcode"  # デジタルギフトのお知らせ
KINDS = (PUSH_NOTICE, GIFTCODE)
FILE_STEMS = {PUSH_NOTICE: "push-notice-letters", GIFTCODE: "giftcode-letters"}


def open_letter_run(*, session: Session, actor: Actor, programme: Programme, kind: str, out_root: Path,
                    household_ids: list[int], on: date | None = None) -> LetterRun:
    """A new run of `kind` letters for these households (in file order), in its own folder under
    `out_root`; the caller draws the file at `letters_path(run)` in the same transaction."""
    actor.require(*PRINTERS)
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    if kind not in KINDS:
        raise InvalidInput(f"手紙の種類 {kind!r} はありません（{', '.join(KINDS)}）")
    run = LetterRun(municipality_id=programme.municipality_id, programme_id=programme.id, kind=kind, directory="",
                    letter_count=len(household_ids), printed_on=on or today_jst(), created_by=actor.username)
    session.add(run)
    session.flush()
    folder = out_root / f"letters-{run.id:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    run.directory, run.letters_file = str(folder), f"{FILE_STEMS[kind]}-{run.id:04d}.pdf"
    session.add(run)
    session.add_all(Letter(letter_run_id=run.id, municipality_id=programme.municipality_id, household_id=household_id,
                           position=position) for position, household_id in enumerate(household_ids, start=1))
    record_audit(session=session, actor=actor, action="print_letters", entity="letter_run", entity_id=run.id,
                 municipality_id=programme.municipality_id, detail=f"kind={kind} {len(household_ids)} letters")
    session.flush()
    return run


def letters_path(run: LetterRun) -> Path:
    return Path(run.directory) / run.letters_file


def lettered_households(session: Session, programme: Programme, kind: str) -> set[int]:
    """The households of the programme that a `kind` letter has been printed for."""
    return set(session.exec(select(Letter.household_id).join(LetterRun, LetterRun.id == Letter.letter_run_id)
                            .where(LetterRun.programme_id == programme.id, LetterRun.kind == kind)))


def record_letter_mailing(*, session: Session, actor: Actor, run: LetterRun, mailed_on: date) -> int:
    """The day a letter run went to the post office; returns its letter count."""
    return mark_mailed(session=session, actor=actor, run=run, mailed_on=mailed_on, what="手紙の印刷",
                       action="mail_letters", entity="letter_run")


def get_letter_run(*, session: Session, actor: Actor, run_id: int) -> LetterRun:
    return run_in_view(session=session, actor=actor, kind=LetterRun, run_id=run_id, what="手紙の印刷")


def letter_runs_of(*, session: Session, actor: Actor, programme: Programme) -> list[LetterRun]:
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    return list(session.exec(select(LetterRun).where(LetterRun.programme_id == programme.id).order_by(LetterRun.id)))
