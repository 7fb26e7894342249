import numpy
from sqlmodel import select

from mailroom.checkin.ingest import exceptions, ingest_folder
from mailroom.checkin.models import DeficiencyRecord, FieldReading, Receipt, ReturnLetter, ScannedPage
from mailroom.checkin.returns import print_return_letters
from mailroom.checkin.service import confirm_field, deficiencies_by_day, override_counts
from mailroom.scanning import simulate
from secretariat.core.programmes.models import Programme
from tests.factories import SYSTEM

from .conftest import ARRIVED_ON
from .test_check_in import status_of

UPSIDE_DOWN = simulate.Feed(angle=2.5, scale=0.98, shift_mm=(2, -3), upside_down=True, blur=0.6, noise=3, fade=0.9)


def ingest(factory, folder, tmp_path):
    with factory.session() as session:
        batch = ingest_folder(session=session, actor=SYSTEM, folder=folder, store_root=tmp_path / "store",
                              arrived_on=ARRIVED_ON)
        session.commit()
        return batch


def receipt_for(factory, mailed, number):
    with factory.session() as session:
        return session.exec(select(Receipt).where(Receipt.form_id == mailed.form_id(number))
                            .order_by(Receipt.id.desc())).first()


def deficiency_codes(factory, receipt):
    with factory.session() as session:
        return sorted(d.code for d in session.exec(select(DeficiencyRecord)
                                                   .where(DeficiencyRecord.receipt_id == receipt.id)))


def print_returns(factory, mailed, tmp_path):
    with factory.session() as session:
        batch = print_return_letters(session=session, actor=SYSTEM, programme=session.get(Programme, mailed.tenant.programme.id),
                                     out_root=tmp_path / "returns")
        session.commit()
        return batch


def test_a_printed_form_filled_and_fed_upside_down_is_identified_checked_and_accepted(factory, mailed, scanner,
                                                                                      plan, tmp_path):
    m = mailed(2)
    folder = scanner(m, 0, plan, feed=UPSIDE_DOWN, attachments=1)
    batch = ingest(factory, folder, tmp_path)
    assert (batch.page_count, batch.form_count, batch.exception_count) == (3, 1, 0)
    receipt = receipt_for(factory, m, 0)
    assert (receipt.outcome, receipt.page_count, receipt.attachment_pages) == ("complete", 2, 1)
    assert status_of(factory, m, 0) == "complete"


def test_a_form_with_a_blank_signature_is_returned_with_a_letter_and_checked_again_when_corrected(
        factory, mailed, scanner, plan, tmp_path):
    m = mailed(1)
    ingest(factory, scanner(m, 0, simulate.damage(plan, "signature"), feed=UPSIDE_DOWN, attachments=1), tmp_path)
    receipt = receipt_for(factory, m, 0)
    assert receipt.outcome == "deficient" and deficiency_codes(factory, receipt) == ["blank:signature"]
    assert status_of(factory, m, 0) == "deficient"

    batch = print_returns(factory, m, tmp_path)
    assert batch.letter_count == 1 and status_of(factory, m, 0) == "returned"
    from pypdf import PdfReader

    letter = PdfReader(f"{batch.directory}/{batch.letters_file}").pages[0].extract_text()
    assert "署名" in letter and "記入されていません" in letter
    assert print_returns(factory, m, tmp_path) is None  # nothing printed twice

    for old in (tmp_path / "scanner").iterdir():
        old.unlink()
    ingest(factory, scanner(m, 0, plan, attachments=1, seed=5), tmp_path)
    assert receipt_for(factory, m, 0).outcome == "complete" and status_of(factory, m, 0) == "complete"


def test_a_new_account_without_the_bank_book_copy_is_deficient_for_the_attachment(factory, mailed, scanner, tmp_path):
    m = mailed(1)
    plan = simulate.complete_plan(numpy.random.default_rng(0), new_account=True)
    ingest(factory, scanner(m, 0, plan, attachments=1), tmp_path)
    assert deficiency_codes(factory, receipt_for(factory, m, 0)) == ["attachment:bank_book_copy"]


def test_a_missing_second_page_is_its_own_deficiency(factory, mailed, scanner, plan, tmp_path):
    m = mailed(1)
    ingest(factory, scanner(m, 0, plan, pages=(1,), attachments=1), tmp_path)
    assert "page_missing:2" in deficiency_codes(factory, receipt_for(factory, m, 0))


def test_bad_images_each_get_their_own_error_and_the_rest_of_the_batch_goes_in(factory, mailed, scanner, plan,
                                                                                tmp_path):
    m = mailed(2)
    folder = scanner(m, 0, plan, attachments=1)
    good = sorted(folder.iterdir())[0].read_bytes()
    (folder / "a-corrupt.jpg").write_bytes(good[:20] + b"\x00" * 5000 + good[-2:])
    (folder / "b-truncated.jpg").write_bytes(good[: len(good) // 2])
    (folder / "c-blank.jpg").write_bytes(simulate.to_jpeg(numpy.full((2000, 1400), 246, numpy.uint8), 85))
    (folder / "zz-duplicate.jpg").write_bytes(good)
    batch = ingest(factory, folder, tmp_path)
    with factory.session() as session:
        pages = {p.source_name: p for p in session.exec(select(ScannedPage).where(ScannedPage.scan_batch_id == batch.id))}
        queue = {p.source_name: p.error_code for p in exceptions(session=session, actor=SYSTEM)}
    assert queue == {"a-corrupt.jpg": "corrupt", "b-truncated.jpg": "truncated", "zz-duplicate.jpg": "duplicate_image"}
    assert pages["c-blank.jpg"].role == "blank"
    assert receipt_for(factory, m, 0).outcome == "complete"


def test_a_second_batch_with_the_same_form_files_it_as_an_exception_not_a_second_receipt(factory, mailed, scanner,
                                                                                          plan, tmp_path):
    m = mailed(1)
    ingest(factory, scanner(m, 0, plan, attachments=1), tmp_path)
    for old in (tmp_path / "scanner").iterdir():
        old.unlink()
    batch = ingest(factory, scanner(m, 0, plan, attachments=1, seed=9), tmp_path)
    assert batch.exception_count == 3
    with factory.session() as session:
        assert len(session.exec(select(Receipt)).all()) == 1
        assert {p.error_code for p in exceptions(session=session, actor=SYSTEM)} == {"already_checked"}


def test_an_uncertain_box_waits_for_an_operator_whose_word_decides_and_is_counted(factory, mailed, scanner, plan,
                                                                                   tmp_path, monkeypatch):
    from mailroom.scanning import verdict

    m = mailed(1)
    # a band so wide that every tick is uncertain: the machine must not decide
    monkeypatch.setitem(verdict.BANDS, "checkbox", verdict.Band(blank=0.01, filled=1000.0, stroke=1000.0))
    ingest(factory, scanner(m, 0, plan, attachments=1), tmp_path)
    receipt = receipt_for(factory, m, 0)
    assert receipt.outcome == "review" and status_of(factory, m, 0) == "checking"
    with factory.session() as session:
        uncertain = session.exec(select(FieldReading).where(FieldReading.receipt_id == receipt.id,
                                                            FieldReading.machine_state == "uncertain")).all()
        assert uncertain and all(r.crop_path for r in uncertain)
        for reading in uncertain:
            answer = "blank" if reading.field == "decline" else "filled"
            confirm_field(session=session, actor=SYSTEM, reading_id=reading.id, state=answer)
        session.commit()
        assert override_counts(session=session, actor=SYSTEM)["confirmed"] == len(uncertain)
    assert receipt_for(factory, m, 0).outcome == "complete" and status_of(factory, m, 0) == "complete"


def test_the_supervisor_sees_deficiencies_by_type_per_day(factory, mailed, scanner, plan, tmp_path):
    m = mailed(2)
    scanner(m, 0, simulate.damage(plan, "signature"), attachments=1)
    ingest(factory, scanner(m, 1, simulate.damage(plan, "signature", "phone"), attachments=1, seed=3), tmp_path)
    with factory.session() as session:
        rows = deficiencies_by_day(session=session, actor=SYSTEM, programme=session.get(Programme, m.tenant.programme.id))
    assert [(code, count) for _day, code, count in rows] == [("blank:signature", 2), ("blank:phone", 1)]
    assert ReturnLetter  # the letters themselves are covered above


def test_identical_blank_backs_are_filed_as_blank_not_as_duplicates(factory, mailed, scanner, plan, tmp_path):
    m = mailed(1)
    folder = scanner(m, 0, plan, attachments=1)
    blank = simulate.to_jpeg(numpy.full((2000, 1400), 246, numpy.uint8), 85)
    (folder / "zz-back-1.jpg").write_bytes(blank)
    (folder / "zz-back-2.jpg").write_bytes(blank)
    batch = ingest(factory, folder, tmp_path)
    assert batch.exception_count == 0
    with factory.session() as session:
        roles = [p.role for p in session.exec(select(ScannedPage).where(ScannedPage.source_name.like("zz-back%")))]
    assert roles == ["blank", "blank"]
