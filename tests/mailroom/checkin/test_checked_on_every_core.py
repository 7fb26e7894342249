"""`mailroom check`, `mailroom ingest` and the upload check pages in worker processes, and what
they print and file is what one process would: in the folder's order, each page where it belongs."""

import json

import numpy
from sqlmodel import select

from mailroom.checkin.ingest import ingest_folder
from mailroom.checkin.models import ScannedPage
from mailroom.scanning import simulate
from tests.factories import SYSTEM
from tests.mailroom.scanning.bombs import blank_pdf

from .conftest import ARRIVED_ON
from .test_ingest import receipt_for
from .test_ingest_fed_off_centre import FOLDED_OVER


def filed(factory, batch_id: int) -> list[tuple]:
    with factory.session() as session:
        return [(page.source_name, page.role, page.form_id, page.page_number, page.error_code)
                for page in session.exec(select(ScannedPage).where(ScannedPage.scan_batch_id == batch_id)
                                         .order_by(ScannedPage.id))]


def test_an_ingest_on_two_workers_files_every_page_under_its_form_in_the_folder_s_order(factory, mailed, scanner,
                                                                                        plan, tmp_path):
    m = mailed(2)
    folder = scanner(m, 0, plan, attachments=1)
    scanner(m, 1, simulate.complete_plan(numpy.random.default_rng(1), new_account=True), attachments=2, seed=3)
    (folder / "scan-00008.jpg").write_bytes((folder / "scan-00001.jpg").read_bytes()[:4000])  # cut off in transfer
    (folder / "scan-00009.jpg").write_bytes(simulate.to_jpeg(numpy.full((1600, 1100), 246, numpy.uint8), 85))
    with factory.session() as session:
        batch = ingest_folder(session=session, actor=SYSTEM, folder=folder, store_root=tmp_path / "store",
                              arrived_on=ARRIVED_ON, workers=2)
        session.commit()
    first, second = m.form_id(0), m.form_id(1)
    assert filed(factory, batch.id) == [
        ("scan-00001.jpg", "form", first, 1, ""), ("scan-00002.jpg", "form", first, 2, ""),
        ("scan-00003.jpg", "attachment", first, 0, ""),
        ("scan-00004.jpg", "form", second, 1, ""), ("scan-00005.jpg", "form", second, 2, ""),
        ("scan-00006.jpg", "attachment", second, 0, ""), ("scan-00007.jpg", "attachment", second, 0, ""),
        ("scan-00008.jpg", "exception", "", 0, "truncated"), ("scan-00009.jpg", "blank", "", 0, "")]
    assert (receipt_for(factory, m, 0).outcome, receipt_for(factory, m, 1).outcome) == ("complete", "complete")


def test_mailroom_check_on_two_workers_prints_what_one_prints_line_for_line(cli, mailed, scanner, plan, tmp_path):
    folder = scanner(mailed(1), 0, plan, feed=simulate.Feed(angle=2, upside_down=True), attachments=1)
    (folder / "scan-00002a.pdf").write_bytes(blank_pdf(3, 595, 842))  # three blank A4 pages, spread over the workers
    (folder / "scan-00002b.jpg").write_bytes((folder / "scan-00001.jpg").read_bytes()[:4000])
    files = sorted(folder.iterdir())
    alone, shared = (cli("mailroom", "check", "--json", "--workers", workers, *files) for workers in (1, 2))
    assert alone.exit_code == shared.exit_code == 1
    assert shared.stdout == alone.stdout
    assert [json.loads(line)["image"].rpartition("/")[2] for line in shared.stdout.splitlines()] == [
        "scan-00001.jpg", "scan-00002.jpg", "scan-00002a.pdf", "scan-00002a.pdf#2", "scan-00002a.pdf#3",
        "scan-00002b.jpg", "scan-00003.jpg"]


def test_mailroom_check_names_the_form_and_page_of_a_page_it_cannot_place(cli, mailed, scanner, plan):
    m = mailed(1)
    files = sorted(scanner(m, 0, plan, covered={2: [FOLDED_OVER]}).iterdir())
    result = cli("mailroom", "check", "--json", "--workers", "2", *files)
    unplaced = json.loads(result.stdout.splitlines()[1])
    assert (unplaced["form_id"], unplaced["page"], unplaced["error"]["code"]) == (m.form_id(0), 2, "not_registered")
    assert unplaced["fields"] == {} and result.exit_code == 1
