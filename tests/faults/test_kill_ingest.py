"""`secretariat mailroom ingest` killed with SIGKILL at five points of its work, then run again.

The command runs the ingest as a job (`mailroom.ingest`) in its own process: the batch is added
with the job, each file's pages are committed as they are filed, and the forms are checked in with
the batch's end in one last commit. A kill leaves the pages committed so far and no receipt or
state change; the re-run joins the job (its worker, the killed command, is gone), files the pages
again on the rows already committed and takes the rest of the folder in. Afterwards the store and
the filed files must equal those of an ingest that was never killed: receipts, deficiencies,
application states, every page's role and reading, and every filed file by hash: the page copies
by name within their batch folder, the crops of uncertain boxes by page and box. Rows are compared
without ids: on PostgreSQL a killed transaction has used sequence values.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy
import pypdfium2
import pytest
from sqlmodel import select

from mailroom.checkin.models import DeficiencyRecord, FieldReading, Receipt, ScanBatch, ScannedPage
from mailroom.printing.runs import print_programme, record_mailing
from mailroom.scanning import simulate
from secretariat.core.applications.models import Application
from secretariat.core.db import make_engine
from templates.loader import default_templates
from tests.factories import SYSTEM, Factory
from tests.faults.harness import (digest, file_sha256, files_in, reference_then_kills, run_once, session_on,
                                  store_probe)

SEED = 2028
FORMS = 5
DPI = 200  # the scanner's resolution, and the printed pages' before filling: the lowest the check takes
MAILED_ON, ARRIVED_ON = date(2026, 11, 20), date(2026, 11, 21)


@dataclass
class Filed:
    store: dict         # what the store and the batch folders hold, comparable between stores
    strays: list[str]   # files under scans/ that no filed page or crop refers to


def set_up(database_url: str, data_dir: Path) -> Path:
    """A programme whose packs are printed and mailed (the same forms in every store); returns the
    print run's folder."""
    engine = make_engine(database_url)
    try:
        factory = Factory(engine)
        tenant = factory.tenant(households=FORMS + 2)
        with factory.session() as session:
            programme = session.merge(tenant.programme)
            run = print_programme(session=session, actor=SYSTEM, programme=programme, out_root=data_dir / "print")
            record_mailing(session=session, actor=SYSTEM, run=run, mailed_on=MAILED_ON)
            session.commit()
            return Path(run.directory)
    finally:
        engine.dispose()


def scanner_output(folder: Path, print_run: Path) -> Path:
    """The scanner's folder after a morning's post: complete and deficient forms (a blank signature, a
    missing bank-book copy, a missing page), some fed upside down, ID and bank-book copies, the blank
    back of a duplex sheet and a file cut off in transfer."""
    folder.mkdir()
    rng = numpy.random.default_rng(SEED)
    template = default_templates()["kakuninsho-hikazei"]
    with open(print_run / "manifest.csv", encoding="utf-8-sig") as handle:
        forms = list(csv.DictReader(handle))[:FORMS]
    names = (folder / f"scan-{number:05d}.jpg" for number in range(1, 1000))
    plans = [(simulate.complete_plan(rng, new_account=False), (1, 2), 1),
             (simulate.damage(simulate.complete_plan(rng, new_account=False), "signature"), (1, 2), 1),
             (simulate.complete_plan(rng, new_account=True), (1, 2), 2),
             (simulate.complete_plan(rng, new_account=True), (1, 2), 1),
             (simulate.complete_plan(rng, new_account=False), (1,), 1)]
    for index, (form, (plan, pages, attachments)) in enumerate(zip(forms, plans)):
        feed = simulate.Feed.random(rng, dpi=DPI, upside_down=index % 3 == 0)
        document = pypdfium2.PdfDocument(str(print_run / form["file"]))
        try:
            for page in pages:  # page 0 of the pack is the cover letter, which stays at home
                image = document[int(form["first_page"]) - 1 + page].render(scale=DPI / 72, grayscale=True).to_numpy()
                image = numpy.ascontiguousarray(image[..., 0] if image.ndim == 3 else image)
                simulate.fill_page(image, template, page, plan, DPI, rng, simulate.Truth())
                next(names).write_bytes(simulate.to_jpeg(simulate.scan(image, feed, DPI, rng), feed.quality))
        finally:
            document.close()
        for _ in range(attachments):
            copy = numpy.full((1150, 800), 238, numpy.uint8)
            copy[200:650, 100:700] = rng.integers(90, 160)  # a photocopied card, with the copier's grain
            next(names).write_bytes(simulate.to_jpeg(
                numpy.clip(copy + rng.normal(0, 4, copy.shape), 0, 255).astype(numpy.uint8), 80))
    next(names).write_bytes(simulate.to_jpeg(numpy.full((1650, 1170), 246, numpy.uint8), 85))  # a blank back
    whole = simulate.to_jpeg(numpy.full((1650, 1170), 200, numpy.uint8), 85)
    next(names).write_bytes(whole[: len(whole) // 2])  # cut off in transfer
    return folder


def filed(database_url: str, data_dir: Path) -> Filed:
    """What the store and the filed files hold after the ingest."""
    with session_on(database_url) as session:
        batches = session.exec(select(ScanBatch)).all()
        folders = {batch.id: Path(batch.stored_in) for batch in batches}
        receipts = {r.id: r for r in session.exec(select(Receipt)).all()}
        pages = session.exec(select(ScannedPage)).all()
        page_names = {page.id: page.source_name for page in pages}
        readings = session.exec(select(FieldReading)).all()
        deficiencies = session.exec(select(DeficiencyRecord.receipt_id, DeficiencyRecord.code,
                                           DeficiencyRecord.field)).all()
        statuses = session.exec(select(Application.household_id, Application.status)).all()

    def in_batch(path: str, batch_id: int) -> str:
        return str(Path(path).relative_to(folders[batch_id]))

    form_of = {receipt_id: receipt.form_id for receipt_id, receipt in receipts.items()}
    page_files = sorted((in_batch(p.image_path, p.scan_batch_id), file_sha256(p.image_path)) for p in pages)
    # a crop's file is named for its page's id, which a killed transaction moves on PostgreSQL
    crop_files = sorted((page_names[r.scanned_page_id], r.field, r.option, file_sha256(r.crop_path))
                        for r in readings if r.crop_path)
    stored = {path for folder in folders.values() for path in folder.rglob("*") if path.is_file()}
    referred = {Path(p.image_path) for p in pages} | {Path(r.crop_path) for r in readings if r.crop_path}
    strays = sorted(str(path.relative_to(data_dir)) for path in (data_dir / "scans").rglob("*")
                    if path.is_file() and path not in referred)
    return Filed({
        "batches": sorted((b.file_count, b.page_count, b.form_count, b.exception_count, b.finished_at is not None)
                          for b in batches),
        "applications by status": dict(Counter(status for _, status in statuses)),
        "application rows": digest(statuses),
        "receipts": sorted((r.form_id, r.arrival, r.arrived_on, r.outcome, r.page_count, r.attachment_pages,
                            r.counted, r.late, r.voided_form, r.duplicate) for r in receipts.values()),
        "deficiencies": sorted((form_of[receipt], code, field) for receipt, code, field in deficiencies),
        "scanned pages": sorted((p.source_name, p.role, p.form_id, p.page_number, p.rotation, p.error_code, p.sha256,
                                 form_of.get(p.receipt_id, "")) for p in pages),
        "field readings": digest((form_of[r.receipt_id], page_names[r.scanned_page_id], r.field, r.option, r.kind,
                                  r.machine_state, round(r.ink_mm2, 3), bool(r.crop_path)) for r in readings),
        "page files": page_files,
        "crop files": crop_files,
        "files in batch folders": len(stored)}, strays)


def left_by(database_url: str, data_dir: Path) -> dict:
    with session_on(database_url) as session:
        return {"batches": len(session.exec(select(ScanBatch.id)).all()),
                "finished batches": len(session.exec(select(ScanBatch.id).where(ScanBatch.finished_at.is_not(None)))
                                        .all()),
                "receipts": len(session.exec(select(Receipt.id)).all()),
                "pages copied": files_in(data_dir / "scans", "scan-*.jpg")()}


def finished_batches(store) -> int:
    """Committed batches that are finished (the batch row itself is committed with the job)."""
    return store.connection.execute(
        "SELECT count(*) FROM mailroom_scan_batch WHERE finished_at IS NOT NULL").fetchone()[0]


@pytest.fixture(scope="module")
def runs(warm_cli, module_stores, tmp_path_factory):
    """The reference ingest, then one ingest killed and re-run per kill point, each on a fresh store
    set up identically, all from one scanner folder."""
    folder = tmp_path_factory.mktemp("kill-ingest")
    scanner = scanner_output(folder / "scanner", set_up(module_stores(), folder / "printed"))

    def run(name, point, timeline):
        url, data_dir = module_stores(), folder / name
        set_up(url, data_dir)
        start = warm_cli.starter(["mailroom", "ingest", scanner, "--arrived", ARRIVED_ON], url, data_dir)
        copies = files_in(data_dir / "scans", "scan-*.jpg")  # each page is copied in as it is checked
        with store_probe(url) as store:
            def progress() -> int:  # pages copied in, then one more when the batch is finished
                return copies() + min(1, finished_batches(store))

            return run_once(start, progress, point, timeline, left=lambda: left_by(url, data_dir),
                            after=lambda: filed(url, data_dir))

    return reference_then_kills("ingest", SEED, run)


def test_every_kill_landed_while_the_ingest_ran_and_left_no_finished_batch_and_no_receipt(runs):
    reference, *killed = runs
    assert [(run.kill.landed, run.kill.ended.killed) for run in killed] == [(True, True)] * len(killed)
    assert [(run.left["finished batches"], run.left["receipts"]) for run in killed] == [(0, 0)] * len(killed)


def test_kills_landed_after_some_pages_were_copied_in_and_before_others(runs):
    reference, *killed = runs
    pages = reference.after.store["batches"][0][0]
    assert any(0 < run.left["pages copied"] < pages for run in killed)
    assert len({run.left["pages copied"] for run in killed}) >= 3  # spread over the batch, not bunched


def test_a_rerun_after_a_kill_files_what_an_ingest_never_killed_files(runs):
    reference, *killed = runs
    outcomes = Counter(receipt[3] for receipt in reference.after.store["receipts"])
    assert outcomes["complete"] >= 2 and outcomes["deficient"] >= 2  # the batch exercises both verdicts
    for run in killed:
        assert run.ended.returncode == 0, run.ended.log
        assert run.after.store == reference.after.store, f"after a kill at {run.kill.point}"


def test_a_killed_and_rerun_ingest_leaves_no_copy_of_a_scan_that_no_filed_page_refers_to(runs):
    """Scans carry residents' names, signatures and bank accounts: none may lie in the data folder
    that no filed page points to, where no operator and no retention rule will ever find it."""
    reference, *killed = runs
    assert reference.after.strays == []
    assert [run.after.strays for run in killed] == [[]] * len(killed)
