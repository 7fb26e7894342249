"""Gift-code letters are a print-room letter run, so their mailing date is recorded like every other mailing's."""

from __future__ import annotations

from sqlmodel import select

from mailroom.printing.letters import GIFTCODE, letters_path
from mailroom.printing.models import Letter, LetterRun

from .test_delivery import deliver, letters_in_postal_order


def test_delivering_by_letter_records_a_giftcode_letter_run_of_its_letters_in_postal_order(
        factory, giftcode_tenant, frozen, tmp_path):
    delivered = deliver(factory, giftcode_tenant, tmp_path / "letters")
    with factory.session() as session:
        run = session.get(LetterRun, delivered.letter_run_id)
        lettered = session.exec(select(Letter.household_id).where(Letter.letter_run_id == run.id)
                                .order_by(Letter.position)).all()
    assert (run.kind, run.programme_id, run.letter_count, run.mailed_date) == (
        GIFTCODE, giftcode_tenant.programme.id, 3, None)
    assert letters_path(run) == delivered.letters and delivered.letters.exists()
    assert lettered == [household.id for _, household in letters_in_postal_order(factory)]


def test_delivering_again_with_nothing_left_records_no_letter_run(factory, giftcode_tenant, frozen, tmp_path):
    deliver(factory, giftcode_tenant, tmp_path / "letters")
    again = deliver(factory, giftcode_tenant, tmp_path / "letters")
    with factory.session() as session:
        runs = session.exec(select(LetterRun)).all()
    assert again.letter_run_id is None and len(runs) == 1
