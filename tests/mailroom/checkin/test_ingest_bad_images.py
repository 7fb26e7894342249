"""A batch with bad images in it: each bad page or file goes to the exceptions queue with its reason,
every good form is filed, and the batch's store holds exactly the copies its rows point to."""

import cv2
import pytest
from sqlmodel import select

from mailroom.checkin import ingest as ingest_module
from mailroom.checkin.ingest import exceptions, ingest_folder
from mailroom.checkin.models import FieldReading, ScannedPage
from mailroom.scanning import check
from tests.factories import SYSTEM
from tests.mailroom.scanning.bombs import blank_pdf, white_png

from .conftest import ARRIVED_ON
from .measured import run_secretariat
from .test_check_bombs import MEMORY_BOUND_MB
from .test_ingest import ingest, receipt_for


def ingest_in_its_own_process(folder, data_dir, database_url):
    return run_secretariat("mailroom", "ingest", folder, "--arrived", ARRIVED_ON, data_dir=data_dir,
                           database_url=database_url)


def with_bombs(folder):
    """The scanner's folder with a 200-inch PDF page and a 60000² PNG among the scans."""
    (folder / "scan-00001a.pdf").write_bytes(blank_pdf(1, 14400, 14400))
    (folder / "scan-00001b.png").write_bytes(white_png(60_000, 60_000))
    return folder


def exception_codes(factory) -> dict[str, str]:
    with factory.session() as session:
        return {page.source_name: page.error_code for page in exceptions(session=session, actor=SYSTEM)}


def files_kept(factory, store_root) -> tuple[set[str], set[str]]:
    """The files in the scan store, and those that the store's rows point to."""
    with factory.session() as session:
        pointed = {page.image_path for page in session.exec(select(ScannedPage))}
        pointed |= {reading.crop_path for reading in session.exec(select(FieldReading)) if reading.crop_path}
    return {str(path) for path in store_root.rglob("*") if path.is_file()}, pointed


def test_mailroom_ingest_files_the_good_forms_and_queues_each_bomb_in_bounded_memory(
        factory, database_url, mailed, scanner, plan, tmp_path):
    m = mailed(1)
    folder = with_bombs(scanner(m, 0, plan, attachments=1))
    run = ingest_in_its_own_process(folder, tmp_path / "data", database_url)
    assert run.exit_code == 0, run.stderr[-2000:]
    assert receipt_for(factory, m, 0).outcome == "complete"
    assert exception_codes(factory) == {"scan-00001a.pdf": "too_many_pixels", "scan-00001b.png": "too_many_pixels"}
    assert run.peak_mb < MEMORY_BOUND_MB


def test_mailroom_ingest_leaves_no_copy_that_no_row_points_to(factory, database_url, mailed, scanner, plan, tmp_path):
    folder = with_bombs(scanner(mailed(1), 0, plan, attachments=1))
    run = ingest_in_its_own_process(folder, tmp_path / "data", database_url)
    stored, pointed = files_kept(factory, tmp_path / "data" / "scans")
    assert run.exit_code == 0, run.stderr[-2000:]
    assert stored == pointed and len(stored) == 5


def test_a_batch_that_fails_as_a_whole_takes_its_copies_with_it(factory, mailed, scanner, plan, tmp_path, monkeypatch):
    folder = scanner(mailed(1), 0, plan)

    def store_gone(*_):
        raise OSError("the scan store went away")

    monkeypatch.setattr(ingest_module, "_take_page", store_gone)
    with factory.session() as session, pytest.raises(OSError):
        ingest_folder(session=session, actor=SYSTEM, folder=folder, store_root=tmp_path / "store")
    assert [path for path in (tmp_path / "store").rglob("*") if path.is_file()] == []


def test_a_page_whose_check_fails_unexpectedly_is_an_exception_and_the_batch_goes_on(
        factory, mailed, scanner, plan, tmp_path, monkeypatch):
    m = mailed(2)
    folder = scanner(m, 0, plan, attachments=1)
    scanner(m, 1, plan, attachments=1, seed=3)  # scan-00004 to scan-00006: the second form
    check_pixels = check.check_pixels
    calls = iter(range(1, 100))

    def fourth_page_fails(pixels):
        if next(calls) == 4:
            raise cv2.error("OpenCV(5.0.0) error: (-215:Assertion failed)")
        return check_pixels(pixels)

    monkeypatch.setattr(check, "check_pixels", fourth_page_fails)  # ingest_folder checks in this process by default
    ingest(factory, folder, tmp_path)
    assert exception_codes(factory)["scan-00004.jpg"] == "check_failed"
    assert receipt_for(factory, m, 0).outcome == "complete"


def test_mailroom_ingest_takes_its_limits_from_the_settings(cli, factory, tmp_path, monkeypatch):
    monkeypatch.setenv("SECRETARIAT_SCAN_MAX_PAGES", "2")
    folder = tmp_path / "scanner"
    folder.mkdir()
    (folder / "three-pages.pdf").write_bytes(blank_pdf(3, 72, 72))
    result = cli("mailroom", "ingest", folder)
    assert result.exit_code == 0, result.output
    assert exception_codes(factory) == {"three-pages.pdf": "too_many_pages"}
