"""Batch check-in from a scanner's output folder (`secretariat mailroom ingest FOLDER`).

Every page is filed, whatever it turns out to be:

- a form page (its page code read): grouped with the other pages of the same form;
- an attachment (a page with no code right after a form page: the ID or bank-book copy);
- a blank page (the back of a sheet scanned duplex);
- an exception, with its reason, for an operator: a corrupt or truncated file, a page with no
  code and no form before it, a foreign document, an unknown or already filed form, an image
  filed before.

One bad page never stops the batch: each form is checked in inside its own savepoint.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import cv2
import numpy
from sqlmodel import Session, select

from mailroom.checkin.models import Receipt, ScanBatch, ScannedPage
from mailroom.checkin.service import CHECKERS, check_in_code, record_check, store_readings
from mailroom.scanning.check import PageReading, check_pixels
from mailroom.scanning.images import ScanError, decode_pages, read_file
from mailroom.scanning.ink import cut
from mailroom.scanning.verdict import State
from secretariat.core.auth.actor import Actor
from secretariat.core.clock import utcnow
from secretariat.core.errors import InvalidInput, NotFound, PermissionDenied

log = logging.getLogger(__name__)
Progress = Callable[[int], None]
CROP_MARGIN_MM = 4.0


@dataclass
class FormPages:
    """The pages of one form found in the batch, in scan order, and the attachments after them."""

    code_text: str
    pages: list[tuple[PageReading, ScannedPage, numpy.ndarray]] = field(default_factory=list)
    attachments: list[ScannedPage] = field(default_factory=list)


def scanner_files(folder: Path) -> list[Path]:
    """The folder's files in name order (scanners number their output); hidden and partial files
    are a transfer in progress, not a scan."""
    if not folder.is_dir():
        raise InvalidInput(f"{folder} is not a folder of scans")
    return sorted(path for path in folder.iterdir()
                  if path.is_file() and not path.name.startswith(".") and not path.name.endswith((".partial", ".tmp")))


def ingest_folder(*, session: Session, actor: Actor, folder: Path, store_root: Path, arrived_on: date | None = None,
                  progress: Progress | None = None) -> ScanBatch:
    actor.require(*CHECKERS)
    files = scanner_files(folder)
    batch = ScanBatch(source=str(folder), started_by=actor.username, file_count=len(files))
    session.add(batch)
    session.flush()
    store = store_root / f"scan-{batch.id:05d}"
    store.mkdir(parents=True, exist_ok=True)
    batch.stored_in = str(store)
    forms: dict[str, FormPages] = {}
    current: FormPages | None = None
    for path in files:
        stored = store / path.name
        shutil.copyfile(path, stored)  # the scanner's folder can be emptied once the batch is in
        digest = ""
        try:
            data = read_file(stored)  # read once: hashed for duplicates, then decoded
            digest = hashlib.sha256(data).hexdigest()
            images = decode_pages(data, str(stored))
        except ScanError as error:
            _file(session, batch, path.name, stored, digest, "exception", error=error)
            current = None
            continue
        for image in images:
            name = path.name if image.index == 1 else f"{path.name}#{image.index}"
            page_digest = digest if len(images) == 1 else f"{digest[:56]}{image.index:08d}"
            current = _take_page(session, batch, forms, current, name, stored, page_digest, image.pixels)
            batch.page_count += 1
        if progress:
            progress(1)
    for pages in forms.values():
        _check_in_form(session, actor, batch, pages, arrived_on)
    batch.form_count = sum(1 for pages in forms.values() if pages.pages and pages.pages[0][1].receipt_id)
    batch.exception_count = len(session.exec(select(ScannedPage.id).where(ScannedPage.scan_batch_id == batch.id,
                                                                         ScannedPage.role == "exception")).all())
    batch.finished_at = utcnow()
    session.add(batch)
    session.flush()
    return batch


def _take_page(session: Session, batch: ScanBatch, forms: dict[str, FormPages], current: FormPages | None,
               name: str, stored: Path, digest: str, pixels: numpy.ndarray) -> FormPages | None:
    """File one page image; returns the form that a following codeless page would belong to."""
    # only filed forms and attachments count: blank backs may well be identical, and an exception
    # fed again (after the operator fixed the scanner) deserves a second look
    earlier = session.exec(select(ScannedPage).where(ScannedPage.sha256 == digest,
                                                     ScannedPage.role.in_(("form", "attachment")))).first()
    if earlier is not None:
        _file(session, batch, name, stored, digest, "exception",
              error=ScanError("duplicate_image", f"this image was already filed ({earlier.source_name}, "
                                                 f"scan batch {earlier.scan_batch_id})"))
        return current
    try:
        reading = check_pixels(pixels)
    except ScanError as error:
        if error.code == "blank_page":
            _file(session, batch, name, stored, digest, "blank")
            return current
        if error.code == "no_page_code" and current is not None:
            current.attachments.append(_file(session, batch, name, stored, digest, "attachment",
                                             form_id=current.code_text.split("|")[1]))
            return current
        _file(session, batch, name, stored, digest, "exception", error=error)
        return None
    if reading.template.kind != "form":
        _file(session, batch, name, stored, digest, "exception", form_id=reading.code.form_id,
              error=ScanError("not_a_form", f"this is a page of the {reading.template.title}, not of a form "
                                            "the resident returns"))
        return None
    pages = forms.setdefault(reading.code.form_id, FormPages(code_text=reading.code.text))
    if any(page.code.page == reading.code.page for page, _, _ in pages.pages):
        _file(session, batch, name, stored, digest, "exception", form_id=reading.code.form_id,
              error=ScanError("duplicate_page", f"page {reading.code.page} of form {reading.code.form_id} is "
                                                "in the batch twice"))
        return pages
    page = _file(session, batch, name, stored, digest, "form", form_id=reading.code.form_id,
                 page_number=reading.code.page, rotation=reading.located.rotation)
    pages.pages.append((reading, page, pixels))
    return pages


def _file(session: Session, batch: ScanBatch, name: str, stored: Path, digest: str, role: str,
          error: ScanError | None = None, form_id: str = "", page_number: int = 0, rotation: int = 0) -> ScannedPage:
    page = ScannedPage(scan_batch_id=batch.id, source_name=name[:500], image_path=str(stored), sha256=digest,
                       role=role, form_id=form_id, page_number=page_number, rotation=rotation,
                       error_code=error.code if error else "", error_message=(error.message if error else "")[:500])
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
                raise ScanError("already_checked", f"form {receipt.form_id} was already checked in and scanned "
                                                   f"(receipt {receipt.id}); this is a second copy")
            for reading, page, pixels in pages.pages:
                page.receipt_id = receipt.id
                page.municipality_id = receipt.municipality_id
                session.add(page)
                session.flush()
                crops = _crops_of_uncertain(reading, pixels, Path(batch.stored_in), page.id)
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
    for page in [page for _, page, _ in pages.pages] + pages.attachments:
        page.role, page.error_code, page.error_message = "exception", code, message[:500]
        page.receipt_id, page.municipality_id = None, None
        session.add(page)
    session.flush()


def _crops_of_uncertain(reading: PageReading, pixels: numpy.ndarray, store: Path,
                        page_id: int) -> dict[tuple[str, str], str]:
    """PNG crops of the boxes the machine could not decide, for the operator's screen."""
    crops: dict[tuple[str, str], str] = {}
    fields = reading.template.pages[reading.page - 1].fields
    for item in fields:
        result = reading.fields[item.name]
        boxes = ([(option.value, option.box) for option in item.options if result.options.get(option.value)
                  == State.uncertain] if item.options else ([("", item.box)] if result.state == State.uncertain else []))
        for option, (x, y, w, h) in boxes:
            image = cut(pixels, reading.located.to_image,
                        (x - CROP_MARGIN_MM, y - CROP_MARGIN_MM, w + 2 * CROP_MARGIN_MM, h + 2 * CROP_MARGIN_MM))
            path = store / f"crop-{page_id}-{item.name}{'-' + option if option else ''}.png"
            cv2.imwrite(str(path), image)
            crops[(item.name, option)] = str(path)
    return crops


def exceptions(*, session: Session, actor: Actor, limit: int = 100) -> list[ScannedPage]:
    """The exceptions queue: pages no machine could file, oldest first, not yet resolved."""
    actor.require(*CHECKERS)
    query = (select(ScannedPage).where(ScannedPage.role == "exception", ScannedPage.resolved_at.is_(None))
             .order_by(ScannedPage.id).limit(limit))
    return list(session.exec(query))


def receipts_of_batch(session: Session, batch: ScanBatch) -> list[Receipt]:
    return list(session.exec(select(Receipt).where(Receipt.scan_batch_id == batch.id).order_by(Receipt.id)))
