"""Batch check-in from a scanner's output folder (`secretariat mailroom ingest FOLDER`).

Every page is filed, whatever it turns out to be:

- a form page (its page code read): grouped with the other pages of the same form;
- an attachment (a page with no code right after a form page: the ID or bank-book copy);
- a blank page (the back of a sheet scanned duplex);
- an exception, with its reason, for an operator: a corrupt or truncated file, a page with no
  code and no form before it, a foreign document, an unknown or already filed form, an image
  filed before.

A form page whose code was read but whose placement on the template is not sure (a sheet
folded over its boxes) is an exception that names its form and page; the rest of that form waits
with it in the queue, so that nothing about the form is decided from part of it (a page that is
there would otherwise be returned to the resident as missing).

The pages are decoded and checked on every core (`mailroom.scanning.parallel`) and filed here,
in the folder's order. One bad page never stops the batch: a file's pages are decoded one at a
time within the scan limits, a page that cannot be decoded or checked (a decompression bomb, a
decoder's own error) is an exception of its own, and each form is checked in inside its own
savepoint. A batch that fails as a whole (the store gone) takes its copies of the scans with it,
and the copies of one killed before its commit are removed by the next ingest (`batch_folders`).
The ingest job (`ingest_jobs`) runs `resume_batch` instead: each file's pages committed as they are
filed, the forms checked in at the end, and an attempt after a killed one filing on the same rows.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

from sqlmodel import Session, select

from mailroom.checkin.batch_folders import batch_folder
from mailroom.checkin.models import Receipt, ScanBatch, ScannedPage
from mailroom.checkin.service import CHECKERS, check_in_code, record_check, store_readings
from mailroom.scanning.check import PageReading
from mailroom.scanning.images import DEFAULT_LIMITS, ScanError, ScanLimits, count_pages
from mailroom.scanning.locate import Unregistered
from mailroom.scanning.parallel import PageCheck, PageChecker, PageTask, check_page
from secretariat.core.auth.actor import Actor
from secretariat.core.clock import utcnow
from secretariat.core.errors import InvalidInput, NotFound, PermissionDenied

log = logging.getLogger(__name__)
Progress = Callable[[int], None]
Filed = dict[str, ScannedPage]  # a batch's pages committed by an earlier attempt, by their names
CROP_PREFIX = "crop-"  # crop-{page id}-{field}[-{option}].png beside the batch's pages
Crops = dict[tuple[str, str], str]  # (field, option) → PNG of a box the machine could not decide


@dataclass
class FormPages:
    """The pages of one form found in the batch, in scan order, and the attachments after them.

    A page keeps its reading and the crops of its uncertain boxes, not its pixels: a batch holds
    no page image at all in this process, however many forms it has. `unsure` are the form's
    pages that could not be placed on the template (already exceptions): the form waits with them."""

    code_text: str
    pages: list[tuple[PageReading, ScannedPage, Crops]] = field(default_factory=list)
    attachments: list[ScannedPage] = field(default_factory=list)
    unsure: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Page:
    """A page of the batch as it is filed: its name, the store's copy of its file, its place there."""

    name: str
    stored: Path
    index: int
    count: int

    def digest(self, file_sha256: str) -> str:
        """What the page is known by among filed pages: its file's hash, with its number in a file of many."""
        return file_sha256 if self.count == 1 or not file_sha256 else f"{file_sha256[:56]}{self.index:08d}"


def scanner_files(folder: Path) -> list[Path]:
    """The folder's files in name order (scanners number their output); hidden and partial files
    are a transfer in progress, not a scan."""
    if not folder.is_dir():
        raise InvalidInput(f"{folder} はスキャン画像のフォルダではありません。フォルダの場所を確かめてください")
    return sorted(path for path in folder.iterdir()
                  if path.is_file() and not path.name.startswith(".") and not path.name.endswith((".partial", ".tmp")))


def ingest_folder(*, session: Session, actor: Actor, folder: Path, store_root: Path, arrived_on: date | None = None,
                  progress: Progress | None = None, limits: ScanLimits = DEFAULT_LIMITS, workers: int = 1) -> ScanBatch:
    """Take in the folder's scans in the caller's transaction; the pages are checked on `workers` processes."""
    batch = new_batch(session=session, actor=actor, folder=folder, store_root=store_root)
    try:
        _ingest_files(session, actor, batch, scanner_files(folder), Path(batch.stored_in), arrived_on, limits,
                      workers, lambda _pages, _files: progress(1) if progress else None)
    except BaseException:
        # the batch's rows roll back with the caller's transaction: its copies must go too, or the
        # next batch (which may get the same number) would find them
        shutil.rmtree(batch.stored_in, ignore_errors=True)
        raise
    return batch


def new_batch(*, session: Session, actor: Actor, folder: Path, store_root: Path) -> ScanBatch:
    """The batch's row and its empty folder in the store, held until the caller's transaction ends."""
    actor.require(*CHECKERS)
    files = scanner_files(folder)
    batch = ScanBatch(source=str(folder), started_by=actor.username, file_count=len(files))
    session.add(batch)
    session.flush()
    batch.stored_in = str(batch_folder(session, store_root, batch.id))
    return batch


def resume_batch(*, session: Session, actor: Actor, batch: ScanBatch, folder: Path, arrived_on: date | None = None,
                 limits: ScanLimits = DEFAULT_LIMITS, workers: int = 1,
                 filed: Callable[[int, int], None] | None = None) -> ScanBatch:
    """Take in the folder's scans into `batch` (committed by `new_batch`'s caller), committing the
    pages file by file and calling `filed(pages, of_pages)` after each commit. Resumable: an
    attempt after one that was killed or stopped files the pages again on the rows already
    committed, never beside them (the forms need every page's reading, which only the check
    makes), and checks the forms in with the batch's end, in one last commit. A finished batch is
    left as it is."""
    actor.require(*CHECKERS)
    if batch.finished_at is not None:
        return batch
    files = scanner_files(folder)
    total = sum(count_pages(path, limits) for path in files)
    store = Path(batch.stored_in)
    store.mkdir(parents=True, exist_ok=True)
    before = {page.source_name: page for page in
              session.exec(select(ScannedPage).where(ScannedPage.scan_batch_id == batch.id))}
    _remove_crops_of_pages_not_committed(store, {page.id for page in before.values()})

    def committed(pages: int, _files: int) -> None:
        session.commit()
        if filed:
            filed(max(pages, len(before)), total)

    _ingest_files(session, actor, batch, files, store, arrived_on, limits, workers, committed, before)
    session.commit()
    return batch


def _remove_crops_of_pages_not_committed(store: Path, committed: set[int]) -> None:
    """A killed attempt wrote the crops of the pages it had filed but not committed: no row will
    point to them (the pages get new ids), and they show residents' handwriting."""
    for crop in store.glob(f"{CROP_PREFIX}*.png"):
        page_id = crop.name.removeprefix(CROP_PREFIX).partition("-")[0]
        if not page_id.isdigit() or int(page_id) not in committed:
            crop.unlink(missing_ok=True)


def _ingest_files(session: Session, actor: Actor, batch: ScanBatch, files: list[Path], store: Path,
                  arrived_on: date | None, limits: ScanLimits, workers: int, file_done: Callable[[int, int], None],
                  before: Filed | None = None) -> None:
    """File every page, then check the forms in; `file_done(pages, files)` after each file's last page."""
    before = before or {}
    forms: dict[str, FormPages] = {}
    current: FormPages | None = None
    file_sha256 = ""
    batch.page_count = pages_seen = files_seen = 0
    with PageChecker(workers, partial(check_page, limits=limits, crops=True, digest=True)) as checker:
        for page, check in checker.in_order(_pages(files, store, limits)):
            if page.index == 1:
                file_sha256 = check.sha256  # hashed by the worker that read the file's first page
            if not check.decoded:
                _file(session, batch, before, page.name, page.stored, page.digest(file_sha256), "exception",
                      error=check.error)
                current = None
            else:
                current = _take_page(session, batch, before, forms, current, page, page.digest(file_sha256), check)
                batch.page_count += 1
            pages_seen += 1
            if page.index == page.count:
                files_seen += 1
                file_done(pages_seen, files_seen)
    for pages in forms.values():
        if pages.unsure:
            _to_exceptions(session, pages, "form_page_unsure",
                           f"同じ様式の {'・'.join(map(str, sorted(pages.unsure)))} 頁目の位置合わせができなかったため、"
                           "この様式の頁と添付をすべて保留しています。")
        else:
            _check_in_form(session, actor, batch, pages, arrived_on)
    batch.form_count = sum(1 for pages in forms.values() if pages.pages and pages.pages[0][1].receipt_id)
    batch.exception_count = len(session.exec(select(ScannedPage.id).where(ScannedPage.scan_batch_id == batch.id,
                                                                         ScannedPage.role == "exception")).all())
    batch.finished_at = utcnow()
    session.add(batch)
    session.flush()


def _pages(files: list[Path], store: Path, limits: ScanLimits) -> Iterator[tuple[_Page, PageTask]]:
    """Each file copied into the store (the scanner's folder can be emptied once the batch is in)
    and counted from its headers: its pages, each with the task that checks it."""
    for path in files:
        stored = store / path.name
        shutil.copyfile(path, stored)
        count = count_pages(stored, limits)
        for index in range(1, count + 1):
            name = path.name if index == 1 else f"{path.name}#{index}"
            yield _Page(name, stored, index, count), PageTask(str(stored), index)


def _take_page(session: Session, batch: ScanBatch, before: Filed, forms: dict[str, FormPages],
               current: FormPages | None, page: _Page, digest: str, check: PageCheck) -> FormPages | None:
    """File one checked page; returns the form that a following codeless page would belong to."""
    name, stored = page.name, page.stored
    # only filed forms and attachments count: blank backs may well be identical, and an exception
    # fed again (after the operator fixed the scanner) deserves a second look; the page itself,
    # filed by an earlier attempt at this batch, is not a copy of itself
    query = select(ScannedPage).where(ScannedPage.sha256 == digest, ScannedPage.role.in_(("form", "attachment")))
    if (itself := before.get(name[:500])) is not None:
        query = query.where(ScannedPage.id != itself.id)
    earlier = session.exec(query).first()
    if earlier is not None:
        _file(session, batch, before, name, stored, digest, "exception",
              error=ScanError("duplicate_image", f"this image was already filed ({earlier.source_name}, "
                                                 f"scan batch {earlier.scan_batch_id})"))
        return current
    error = check.error
    if error is not None:
        if error.code == "blank_page":
            _file(session, batch, before, name, stored, digest, "blank")
            return current
        if error.code == "no_page_code" and current is not None:
            current.attachments.append(_file(session, batch, before, name, stored, digest, "attachment",
                                             form_id=current.code_text.split("|")[1]))
            return current
        if isinstance(error, Unregistered):  # which form and page it is is known: the form waits with it
            code = error.page_code
            held = forms.setdefault(code.form_id, FormPages(code_text=code.text))
            _file(session, batch, before, name, stored, digest, "exception", error=error, form_id=code.form_id,
                  page_number=code.page)
            held.unsure.append(code.page)
            return held
        _file(session, batch, before, name, stored, digest, "exception", error=error)
        return None
    reading = check.reading
    if reading.template.kind != "form":
        _file(session, batch, before, name, stored, digest, "exception", form_id=reading.code.form_id,
              error=ScanError("not_a_form", f"this is a page of the {reading.template.title}, not of a form "
                                            "the resident returns"))
        return None
    pages = forms.setdefault(reading.code.form_id, FormPages(code_text=reading.code.text))
    if any(page.code.page == reading.code.page for page, _, _ in pages.pages):
        _file(session, batch, before, name, stored, digest, "exception", form_id=reading.code.form_id,
              error=ScanError("duplicate_page", f"page {reading.code.page} of form {reading.code.form_id} is "
                                                "in the batch twice"))
        return pages
    filed = _file(session, batch, before, name, stored, digest, "form", form_id=reading.code.form_id,
                  page_number=reading.code.page, rotation=reading.located.rotation)
    pages.pages.append((reading, filed, _keep_crops(check.crops, stored.parent, filed.id)))
    return pages


def _keep_crops(crops: dict[tuple[str, str], bytes], store: Path, page_id: int) -> Crops:
    """The crops of a page's undecided boxes, written beside the page for the operator's screen."""
    kept: Crops = {}
    for (name, option), png in crops.items():
        path = store / f"{CROP_PREFIX}{page_id}-{name}{'-' + option if option else ''}.png"
        path.write_bytes(png)
        kept[(name, option)] = str(path)
    return kept


def _file(session: Session, batch: ScanBatch, before: Filed, name: str, stored: Path, digest: str, role: str,
          error: ScanError | None = None, form_id: str = "", page_number: int = 0, rotation: int = 0) -> ScannedPage:
    """A page's row: a new one, or the one an earlier attempt at the batch committed (filed the same
    again: the pages before it are the same, so is what is made of it)."""
    page = before.get(name[:500]) or ScannedPage(scan_batch_id=batch.id, source_name=name[:500])
    page.sqlmodel_update(dict(image_path=str(stored), sha256=digest, role=role, form_id=form_id,
                              page_number=page_number, rotation=rotation, error_code=error.code if error else "",
                              error_message=(error.message if error else "")[:500]))
    session.add(page)
    session.flush()
    return page


def _check_in_form(session: Session, actor: Actor, batch: ScanBatch, pages: FormPages,
                   arrived_on: date | None) -> None:
    """Check one form in inside a savepoint: if anything about it fails, its pages become
    exceptions and the rest of the batch carries on."""
    try:
        with session.begin_nested():
            arrival = check_in_code(session=session, actor=actor, code=pages.code_text, arrived_on=arrived_on,
                                    scan_batch_id=batch.id)
            receipt = arrival.receipt
            if not arrival.new and receipt.outcome != "pending":
                raise ScanError("already_checked", f"帳票 {receipt.form_id} は受付・スキャン済みです（受付 {receipt.id}）。"
                                                   "同じ書類の2枚目として扱いました")
            for reading, page, crops in pages.pages:
                page.receipt_id = receipt.id
                page.municipality_id = receipt.municipality_id
                session.add(page)
                session.flush()
                store_readings(session=session, receipt=receipt, page=page, fields=reading.fields, crops=crops)
            for attachment in pages.attachments:
                attachment.receipt_id = receipt.id
                attachment.municipality_id = receipt.municipality_id
                session.add(attachment)
            session.flush()
            record_check(session=session, actor=actor, receipt=receipt,
                         pages_present={reading.code.page for reading, _, _ in pages.pages},
                         attachment_pages=len(pages.attachments))
    except ScanError as error:
        _to_exceptions(session, pages, error.code, error.message)
    except (NotFound, PermissionDenied) as error:
        _to_exceptions(session, pages, "unknown_form", str(error))
    except InvalidInput as error:
        _to_exceptions(session, pages, "invalid_code", str(error))
    except Exception as error:  # noqa: BLE001 — one form must not stop the batch; the cause is logged
        log.exception("checking in form %s failed", pages.code_text.split("|")[1])
        _to_exceptions(session, pages, "internal_error", f"the check failed unexpectedly ({type(error).__name__})")


def _to_exceptions(session: Session, pages: FormPages, code: str, message: str) -> None:
    for _, _, crops in pages.pages:
        for crop in crops.values():  # no box of an exception waits for an operator
            Path(crop).unlink(missing_ok=True)
    for page in [page for _, page, _ in pages.pages] + pages.attachments:
        page.role, page.error_code, page.error_message = "exception", code, message[:500]
        page.receipt_id, page.municipality_id = None, None
        session.add(page)
    session.flush()


EXCEPTIONS_LISTED = 100  # pages the exceptions queue lists at once


def exceptions(*, session: Session, actor: Actor, limit: int = EXCEPTIONS_LISTED) -> list[ScannedPage]:
    """The exceptions queue: pages no machine could file, oldest first, not yet resolved."""
    actor.require(*CHECKERS)
    return list(session.exec(exception_rows(limit)))


def exception_rows(limit: int):
    """The statement behind `exceptions`, for counting it too."""
    return (select(ScannedPage).where(ScannedPage.role == "exception", ScannedPage.resolved_at.is_(None))
            .order_by(ScannedPage.id).limit(limit))


def receipts_of_batch(session: Session, batch: ScanBatch) -> list[Receipt]:
    return list(session.exec(select(Receipt).where(Receipt.scan_batch_id == batch.id).order_by(Receipt.id)))
