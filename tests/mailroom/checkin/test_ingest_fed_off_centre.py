"""Forms a sheet feeder delivered off-centre, corners cut off by the image's edge, are checked in
like any other; a page that cannot be placed on its template waits for an operator under its form
and page, and the rest of its form waits with it (judged from part of it, the form would go back
to the resident for a page that came)."""

from sqlmodel import select

from mailroom.checkin.ingest import exceptions
from mailroom.checkin.models import Receipt, ScannedPage
from mailroom.scanning import simulate
from tests.factories import SYSTEM

from .test_check_in import status_of
from .test_ingest import ingest, receipt_for

CORNERS_CUT = simulate.Feed(angle=3.5, shift_mm=(3, 3), margin_mm=0, blur=0.6, noise=3, fade=0.9)
FOLDED_OVER = (0, 38, 210, 259)  # page 2 below its heading: two marks and every box gone


def test_a_form_whose_pages_lost_two_corner_marks_each_is_checked_in_complete(factory, mailed, scanner, plan,
                                                                              tmp_path):
    m = mailed(1)
    batch = ingest(factory, scanner(m, 0, plan, feed=CORNERS_CUT, attachments=1), tmp_path)
    assert (batch.page_count, batch.form_count, batch.exception_count) == (3, 1, 0)
    assert receipt_for(factory, m, 0).outcome == "complete" and status_of(factory, m, 0) == "complete"


def test_a_page_that_cannot_be_placed_waits_as_an_exception_under_its_form_and_page(factory, mailed, scanner, plan,
                                                                                     tmp_path):
    m = mailed(1)
    ingest(factory, scanner(m, 0, plan, attachments=1, covered={2: [FOLDED_OVER]}), tmp_path)
    with factory.session() as session:
        unplaced = session.exec(select(ScannedPage).where(ScannedPage.error_code == "not_registered")).one()
    assert (unplaced.role, unplaced.form_id, unplaced.page_number) == ("exception", m.form_id(0), 2)
    assert f"様式 {m.form_id(0)} の 2 頁目" in unplaced.error_message


def test_the_rest_of_a_form_with_an_unplaced_page_waits_with_it_and_nothing_is_decided(factory, mailed, scanner, plan,
                                                                                       tmp_path):
    m = mailed(1)
    batch = ingest(factory, scanner(m, 0, plan, attachments=1, covered={2: [FOLDED_OVER]}), tmp_path)
    with factory.session() as session:
        queue = [(page.source_name, page.form_id, page.error_code) for page in exceptions(session=session, actor=SYSTEM)]
        receipts = session.exec(select(Receipt)).all()
    assert queue == [("scan-00001.jpg", m.form_id(0), "form_page_unsure"),
                     ("scan-00002.jpg", m.form_id(0), "not_registered"),
                     ("scan-00003.jpg", m.form_id(0), "form_page_unsure")]
    assert (batch.form_count, receipts, status_of(factory, m, 0)) == (0, [], "mailed")
