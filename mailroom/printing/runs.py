"""Print runs: every not-yet-printed household of a programme, in postal-code order, in batch
PDFs for the printer, with a manifest; reissues; and the mail-out that follows.

The database is the source of truth and the files are derived from it. A batch's households
are reserved and marked printed in one commit, then its file is written; if the process dies
between the two, the next run re-renders that batch from what was committed. So a household
is never printed twice and never skipped.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time
from multiprocessing import get_context
from pathlib import Path

from sqlalchemy import func, insert, update
from sqlmodel import Session, select

from mailroom.printing.addressee import Addressee
from mailroom.printing.customer_barcode import NoCustomerBarcode, for_address
from mailroom.printing import notice_links
from mailroom.printing.models import IssuedForm, PrintBatch, PrintRun
from mailroom.printing.notice_links import NoticeLink
from mailroom.printing.render import TemplateRenderer, new_canvas
from secretariat.core.applications.models import Application
from secretariat.core.applications.ownership import owns
from secretariat.core.applications.service import transition_all
from secretariat.core.applications.states import Status
from secretariat.core.audit.service import record_audit
from secretariat.core.banking import account_line
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import JST, today_jst, utcnow
from secretariat.core.errors import Conflict, InvalidInput, NotFound
from secretariat.core.households.models import Household, Person
from secretariat.core.programmes.models import Programme
from secretariat.core.spreadsheet import csv_row
from secretariat.core.tenancy.models import Municipality
from secretariat.core.workers import end_with_parent
from templates.loader import default_templates
from templates.schema import Template

DEFAULT_PACK = ("cover-letter", "kakuninsho-hikazei")
PRINTED_KINDS = ("letter", "form", "sheet")  # envelope faces go on envelope stock, not in the batch
Progress = Callable[[int], None]


def pack_for(programme: Programme) -> list[Template]:
    """The sheets each household's envelope holds, in order, from the programme's template list."""
    known = default_templates()
    names = programme.form_templates or list(DEFAULT_PACK)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise InvalidInput(f"事業 {programme.id} の様式 {'、'.join(unknown)} はありません"
                           f"（使える様式: {'、'.join(sorted(known))}）")
    pack = [known[name] for name in names if known[name].kind in PRINTED_KINDS]
    if not pack:
        raise InvalidInput(f"事業 {programme.id} には印刷する申請書・手紙の様式が設定されていません")
    return pack


def form_id_for(programme_id: int, household_id: int, issue_number: int) -> str:
    return f"P{programme_id}-H{household_id}-{issue_number}"


# --- running -----------------------------------------------------------------------------

@owns((Status.imported, Status.printed))
def print_programme(*, session: Session, actor: Actor, programme: Programme, out_root: Path, wave: int = 1,
                    limit: int | None = None, batch_size: int = 1000, at: datetime | None = None,
                    progress: Progress | None = None, workers: int = 1) -> PrintRun | None:
    """Print every household of the programme not yet printed (up to `limit`), resuming an
    unfinished run if there is one. Returns None when there is nothing to print.

    With `workers` > 1, batch files render in that many processes while this one keeps the
    database: it reserves the next batches as earlier ones render.
    """
    actor.require(Role.admin, Role.supervisor, Role.operator)
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    if batch_size < 1 or (limit is not None and limit < 1):
        raise InvalidInput("バッチの世帯数と印刷する世帯数は1以上にしてください")
    run = open_run(session=session, actor=actor, programme=programme, out_root=out_root, wave=wave)
    if run is None:
        return None
    session.commit()
    pack = pack_for(programme)
    _resume(session, actor, run, programme, pack, limit, batch_size, at, progress, workers)
    return run


def _resume(session: Session, actor: Actor, run: PrintRun, programme: Programme, pack: list[Template],
            limit: int | None, batch_size: int, at: datetime | None, progress: Progress | None,
            workers: int) -> None:
    Path(run.directory).mkdir(parents=True, exist_ok=True)
    # Batches reserved before a crash are finished first, then new ones are reserved as room allows.
    waiting = deque(session.exec(select(PrintBatch).where(PrintBatch.print_run_id == run.id,
                                                          PrintBatch.written_at.is_(None))
                                 .order_by(PrintBatch.number)).all())

    def next_batch() -> PrintBatch | None:
        if waiting:
            return waiting.popleft()
        batch = reserve_next_batch(session=session, actor=actor, run=run, programme=programme, batch_size=batch_size,
                                   limit=limit, at=at)
        session.commit()
        return batch

    with _renderer_pool(workers) as pool:
        in_flight: deque = deque()
        while True:
            while len(in_flight) < max(1, workers) * 2 and (batch := next_batch()) is not None:
                job = _job(session, run, batch, programme, pack, at)
                in_flight.append((batch, pool.submit(render_job, job)))
            if not in_flight:
                break
            batch, future = in_flight.popleft()
            _record_written(session, batch, future.result())
            session.commit()
            if progress:
                progress(batch.household_count)
    _finish(session, run)
    session.commit()


class _InProcess:
    """The pool interface, rendering in this process: for one worker, and for tests."""

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        return False

    def submit(self, function, argument) -> Future:
        future: Future = Future()
        try:
            future.set_result(function(argument))
        except BaseException as error:  # surfaced by future.result(), as a process pool would
            future.set_exception(error)
        return future


def _renderer_pool(workers: int):
    if workers <= 1:
        return _InProcess()
    # spawn, not fork: the parent holds database connections and may run web-server threads
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                               initializer=end_with_parent, initargs=(os.getpid(),))


def reserve_next_batch(*, session: Session, actor: Actor, run: PrintRun, programme: Programme, batch_size: int,
                       limit: int | None = None, at: datetime | None = None) -> PrintBatch | None:
    """Reserve the run's next batch (its households marked printed, their forms issued); None when
    no household is left to print (or the run holds `limit`). The caller commits."""
    printed = _households_in(session, run)
    room = batch_size if limit is None else min(batch_size, limit - printed)
    applications = _next_applications(session, programme, room) if room > 0 else []
    if not applications:
        return None
    return _reserve(session, actor, run, applications, at)


def render_batch(*, session: Session, run: PrintRun, batch: PrintBatch, programme: Programme,
                 at: datetime | None = None) -> None:
    """Write a reserved batch's file in this process and record it (the caller commits). The
    forms' links are issued here, as they are drawn."""
    Path(run.directory).mkdir(parents=True, exist_ok=True)
    job = _job(session, run, batch, programme, pack_for(programme), at)
    session.commit()  # no transaction held open while the file is drawn
    _record_written(session, batch, render_job(job))


def finish_run(*, session: Session, run: PrintRun) -> bool:
    """Finish the run (its totals and manifest.csv) if every batch is written; of several callers at
    once, only the first finishes it (a conditional update). False if it was not finished here. The
    caller knows that every batch of the run is reserved (its `batches_queued_at` is set)."""
    session.commit()
    unwritten = session.exec(select(func.count()).select_from(PrintBatch).where(
        PrintBatch.print_run_id == run.id, PrintBatch.written_at.is_(None))).one()
    session.commit()  # the update below is the next transaction's first statement: it takes the row (and SQLite's lock)
    if unwritten:
        return False
    taken = session.execute(update(PrintRun).where(PrintRun.id == run.id, PrintRun.completed_at.is_(None))
                            .values(completed_at=utcnow())).rowcount
    if not taken:
        session.rollback()
        return False
    session.refresh(run)
    _finish(session, run)
    session.commit()
    return True


def _households_in(session: Session, run: PrintRun) -> int:
    return session.exec(select(func.coalesce(func.sum(PrintBatch.household_count), 0))
                        .where(PrintBatch.print_run_id == run.id)).one()


def _next_applications(session: Session, programme: Programme, count: int) -> list[Application]:
    """The applications of the next households to print, in postal-code order for the bulk-mail discount."""
    issued = select(IssuedForm.household_id).where(IssuedForm.programme_id == programme.id,
                                                   IssuedForm.voided_at.is_(None))
    query = (select(Application).join(Household, Household.id == Application.household_id)
             .where(Application.programme_id == programme.id, Application.status == Status.imported.value,
                    Household.id.not_in(issued))
             .order_by(Household.postal_code, Household.household_number).limit(count))
    return list(session.exec(query).all())


def _reserve(session: Session, actor: Actor, run: PrintRun, applications: list[Application],
             at: datetime | None) -> PrintBatch:
    number = session.exec(select(func.coalesce(func.max(PrintBatch.number), 0))
                          .where(PrintBatch.print_run_id == run.id)).one() + 1
    batch = PrintBatch(print_run_id=run.id, number=number, file_name=f"batch-{number:04d}.pdf",
                       household_count=len(applications))
    session.add(batch)
    session.flush()
    # Set-based: a thousand ORM objects a batch made the parent, not the renderers, the bottleneck.
    now = utcnow()
    session.execute(insert(IssuedForm), [
        dict(form_id=form_id_for(run.programme_id, application.household_id, 1),
             municipality_id=application.municipality_id, programme_id=application.programme_id,
             household_id=application.household_id, pack=run.pack, issue_number=1, print_batch_id=batch.id,
             position=position, first_page=0, page_count=0, file_name=batch.file_name, created_at=now,
             voided_at=None, void_reason="")
        for position, application in enumerate(applications)])
    transition_all(session=session, applications=applications, to=Status.printed,
                   actor=actor, reason=f"印刷ロット {run.id} バッチ {number}", at=at)
    return batch


@dataclass(frozen=True)
class RenderJob:
    """Everything a worker needs to write one batch file: plain data, no database."""

    target: str
    title: str
    pack: tuple[str, ...]  # template names
    forms: tuple[tuple[str, int], ...]  # (form id, household id) in file order
    addressees: dict[int, Addressee]
    manifest_part: bool = True  # a print run's batch has one; a reissued pack does not
    # each form's online link (`notice_links`), issued here in the process that holds the store:
    # a renderer in another process has no hook, and must not issue a second link for the form
    links: dict[str, NoticeLink | None] | None = None


@dataclass(frozen=True)
class RenderResult:
    pages: int
    ranges: tuple[tuple[int, int], ...]  # (first page, page count) per form, in order
    sha256: str


def _job(session: Session, run: PrintRun, batch: PrintBatch, programme: Programme, pack: list[Template],
         at: datetime | None) -> RenderJob:
    forms = _forms_of(session, batch)
    addressees = addressees_for(session, programme, [household for _, _, household in forms], at)
    return RenderJob(target=str(Path(run.directory) / batch.file_name),
                     title=f"{programme.name} 印刷ロット{run.id} バッチ{batch.number}",
                     pack=tuple(t.name for t in pack), forms=tuple((form_id, household) for _, form_id, household in forms),
                     addressees=addressees, links=links_for(forms=[(f, h) for _, f, h in forms], addressees=addressees))


def links_for(*, forms: list[tuple[str, int]], addressees: dict[int, Addressee]) -> dict[str, NoticeLink | None] | None:
    """Each form's link from the hook in force (None when there is none, e.g. a print outside the
    composition root): asked once per form, here, before the batch goes to a renderer."""
    hook = notice_links.current()
    if hook is None:
        return None
    return {form_id: hook(addressees[household_id], form_id) for form_id, household_id in forms}


def _forms_of(session: Session, batch: PrintBatch) -> list[tuple[int, str, int]]:
    """(row id, form id, household id) of a batch's forms in file order; plain rows, not ORM objects."""
    return list(session.exec(select(IssuedForm.id, IssuedForm.form_id, IssuedForm.household_id)
                             .where(IssuedForm.print_batch_id == batch.id).order_by(IssuedForm.position)))


def _record_written(session: Session, batch: PrintBatch, result: RenderResult) -> None:
    session.execute(update(IssuedForm), [
        dict(id=row_id, first_page=first, page_count=count)
        for (row_id, _, _), (first, count) in zip(_forms_of(session, batch), result.ranges)])
    batch.page_count = result.pages
    batch.sha256 = result.sha256
    batch.written_at = utcnow()
    session.add(batch)


def render_job(job: RenderJob) -> RenderResult:
    """Write one batch PDF, and its part of the run's manifest, under temporary names and move
    them into place only once complete.

    Runs in a worker process; it touches no database.
    """
    known = default_templates()
    pack = [known[name] for name in job.pack]
    target = Path(job.target)
    partial = target.with_name(target.name + ".partial")
    canvas = new_canvas(str(partial), pack[0], job.title)
    links = None if job.links is None else (lambda _addressee, form_id: job.links.get(form_id))
    renderers = [TemplateRenderer(template, canvas, links=links) for template in pack]
    page, ranges = 1, []
    for form_id, household_id in job.forms:
        first = page
        for renderer in renderers:
            canvas.setPageSize([side * 72 / 25.4 for side in renderer.template.size_mm])
            page += renderer.draw(job.addressees[household_id], form_id)
        ranges.append((first, page - first))
    canvas.save()
    if job.manifest_part:
        _write_manifest_part(job, ranges)
    with open(partial, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)
    return RenderResult(pages=page - 1, ranges=tuple(ranges), sha256=_sha256(target))


def _write_manifest_part(job: RenderJob, ranges: list[tuple[int, int]]) -> None:
    """The batch's manifest rows, beside its PDF: workers build them (and their customer barcodes)
    in parallel, so finishing a run only concatenates files."""
    target = manifest_part(Path(job.target))
    partial = target.with_name(target.name + ".partial")
    with open(partial, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for (form_id, household_id), (first, count) in zip(job.forms, ranges):
            addressee = job.addressees[household_id]
            writer.writerow(_manifest_row(Path(job.target).name, first, count, form_id,
                                          addressee.household_number, addressee.postal_code,
                                          addressee.address + addressee.address_extra))
    os.replace(partial, target)


def manifest_part(batch_file: Path) -> Path:
    return batch_file.with_name(batch_file.stem + ".manifest.csv")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def addressees_for(session: Session, programme: Programme, household_ids: list[int],
                at: datetime | None) -> dict[int, Addressee]:
    municipality = session.get(Municipality, programme.municipality_id)
    issue_date = (at or utcnow()).astimezone(JST).date()
    rows = session.exec(select(Household.id, Household.household_number, Household.postal_code, Household.address,
                               Household.address_extra, Household.bank_code, Household.branch_code,
                               Household.account_type, Household.account_number, Household.account_holder_kana,
                               Person.name, Person.name_kana, Application.amount_yen)
                        .join(Person, (Person.household_id == Household.id) & Person.is_head.is_(True))
                        .join(Application, Application.household_id == Household.id)
                        .where(Household.id.in_(household_ids))).all()
    return {row.id: Addressee(
        household_id=row.id, household_number=row.household_number, postal_code=row.postal_code,
        address=row.address, address_extra=row.address_extra, head_name=row.name,
        head_name_kana=row.name_kana, amount_yen=row.amount_yen, programme_name=programme.name,
        municipality_name=f"{municipality.name}長", deadline=programme.deadline_date, issue_date=issue_date,
        account_on_file=account_line(row)) for row in rows}


def _finish(session: Session, run: PrintRun) -> None:
    batches = list(session.exec(select(PrintBatch).where(PrintBatch.print_run_id == run.id)
                                .order_by(PrintBatch.number)))
    run.household_count = sum(b.household_count for b in batches)
    run.page_count = sum(b.page_count for b in batches)
    run.completed_at = utcnow()
    session.add(run)
    session.flush()  # the manifest streams and expunges as it goes; the run's totals are stored first
    write_manifest(session, run)


MANIFEST_COLUMNS = ["file", "first_page", "last_page", "form_id", "household_number", "postal_code",
                    "customer_barcode"]


def write_manifest(session: Session, run: PrintRun) -> Path:
    """manifest.csv: which pages of which file belong to which household, with its barcode.

    Each batch's rows come from the part its worker wrote; a batch without one (rendered
    before a crash by an older version, or its part lost) is rebuilt from the database.
    """
    batches = session.exec(select(PrintBatch.id, PrintBatch.file_name).where(PrintBatch.print_run_id == run.id)
                           .order_by(PrintBatch.number)).all()
    folder = Path(run.directory)
    path = folder / "manifest.csv"
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:  # BOM: the printer opens it in Excel
        writer = csv.writer(handle)
        writer.writerow(MANIFEST_COLUMNS)
        for batch_id, file_name in batches:
            part = manifest_part(folder / file_name)
            if part.exists():
                handle.write(part.read_text(encoding="utf-8"))
                continue
            for form, household in _manifest_rows(session, batch_id):
                writer.writerow(_manifest_row(form.file_name, form.first_page, form.page_count, form.form_id,
                                              household.household_number, household.postal_code,
                                              household.address + household.address_extra))
    for batch_id, file_name in batches:
        manifest_part(folder / file_name).unlink(missing_ok=True)
    return path


def _manifest_row(file_name: str, first_page: int, page_count: int, form_id: str, household_number: str,
                  postal_code: str, address: str) -> list:
    try:
        barcode = " ".join(for_address(postal_code, address).symbols)
    except NoCustomerBarcode:
        barcode = ""
    # 世帯番号 comes from the municipality's file as written: the printer opens this in Excel
    return csv_row([file_name, first_page, first_page + page_count - 1, form_id, household_number, postal_code,
                    barcode])


def _manifest_rows(session: Session, batch_id: int):
    rows = session.exec(select(IssuedForm, Household).join(Household, Household.id == IssuedForm.household_id)
                        .where(IssuedForm.print_batch_id == batch_id).order_by(IssuedForm.position)).all()
    yield from rows
    session.expunge_all()


# --- after the run ------------------------------------------------------------------------

@dataclass(frozen=True)
class Reissue:
    form: IssuedForm
    path: Path


def reissue(*, session: Session, actor: Actor, household: Household, out_dir: Path, reason: str = "紛失による再発行",
            at: datetime | None = None) -> Reissue:
    """A replacement pack with a new form id; the old form is voided so a late copy is caught."""
    actor.require(Role.admin, Role.supervisor, Role.operator, Role.agent)
    if not actor.can_see(household.municipality_id):
        raise NotFound(f"世帯 {household.id} は見つかりません")
    active = list(session.exec(select(IssuedForm).where(IssuedForm.household_id == household.id,
                                                        IssuedForm.voided_at.is_(None))))
    if not active:
        raise Conflict(f"世帯 {household.id} はまだ印刷されていません。次の印刷で印刷されます")
    programme = session.get(Programme, household.programme_id)
    pack = pack_for(programme)
    number = session.exec(select(func.max(IssuedForm.issue_number))
                          .where(IssuedForm.household_id == household.id)).one() + 1
    for old in active:
        old.voided_at = utcnow()
        old.void_reason = f"再発行 ({reason})"[:200]
        session.add(old)
    form = IssuedForm(form_id=form_id_for(programme.id, household.id, number), municipality_id=household.municipality_id,
                      programme_id=programme.id, household_id=household.id, pack=[t.key for t in pack],
                      issue_number=number)
    form.file_name = f"reissue-{form.form_id}.pdf"
    session.add(form)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / form.file_name
    addressees = addressees_for(session, programme, [household.id], at)
    result = render_job(RenderJob(target=str(path), title=f"再発行 {form.form_id}", pack=tuple(t.name for t in pack),
                                  forms=((form.form_id, household.id),), addressees=addressees, manifest_part=False,
                                  links=links_for(forms=[(form.form_id, household.id)], addressees=addressees)))
    form.first_page, form.page_count = result.ranges[0]
    record_audit(session=session, actor=actor, action="reissue", entity="household", entity_id=household.id,
                 municipality_id=household.municipality_id, detail=f"form={form.form_id}")
    session.flush()
    return Reissue(form=form, path=path)


def form_by_id(*, session: Session, form_id: str) -> IssuedForm | None:
    """The issued form a page code names, voided or not (check-in needs to see voided ones)."""
    return session.exec(select(IssuedForm).where(IssuedForm.form_id == form_id)).first()


@owns((Status.printed, Status.mailed))
def record_mailing(*, session: Session, actor: Actor, run: PrintRun, mailed_on: date) -> int:
    """The day a run went to the post office: its households move to mailed (発送済み)."""
    actor.require(Role.admin, Role.supervisor, Role.operator)
    if not actor.can_see(run.municipality_id):
        raise NotFound.of("印刷", run.id)
    if run.completed_at is None:
        raise Conflict(f"印刷 {run.id} はまだ終わっていません。終わってから発送日を記録してください"
                       "（続きは secretariat print run で印刷できます）")
    if mailed_on > today_jst():
        raise InvalidInput(f"発送日 {mailed_on} が未来の日付です")
    if run.mailed_date is not None:
        raise Conflict(f"印刷 {run.id} の発送日はすでに {run.mailed_date} と記録されています")
    printed = list(session.exec(select(Application).join(IssuedForm, IssuedForm.household_id == Application.household_id)
                                .join(PrintBatch, PrintBatch.id == IssuedForm.print_batch_id)
                                .where(PrintBatch.print_run_id == run.id,
                                       Application.status == Status.printed.value)))
    moved = transition_all(session=session, applications=printed, to=Status.mailed, actor=actor,
                           reason=f"印刷ロット {run.id} 発送", at=datetime.combine(mailed_on, time(9), JST))
    run.mailed_date = mailed_on
    run.mailed_count = moved
    session.add(run)
    return moved


def open_run(*, session: Session, actor: Actor, programme: Programme, out_root: Path, wave: int = 1) -> PrintRun | None:
    """The programme's unfinished run, or a new one if anything is left to print; None if nothing is.

    The web page opens the run (so it can show its progress at once) and prints it in the background.
    """
    actor.require(Role.admin, Role.supervisor, Role.operator)
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    pack = pack_for(programme)
    run = session.exec(select(PrintRun).where(PrintRun.programme_id == programme.id,
                                              PrintRun.completed_at.is_(None))).first()
    if run is None and _next_applications(session, programme, 1):
        run = PrintRun(municipality_id=programme.municipality_id, programme_id=programme.id, wave=wave,
                       pack=[t.key for t in pack], directory="", created_by=actor.username)
        session.add(run)
        session.flush()
        run.directory = str((out_root / f"run-{run.id:04d}").resolve())
        record_audit(session=session, actor=actor, action="create", entity="print_run", entity_id=run.id,
                     municipality_id=programme.municipality_id, detail=f"wave={wave}")
    return run


@dataclass(frozen=True)
class RunProgress:
    run: PrintRun
    printed: int    # households whose batch file is written
    reserved: int   # households reserved in batches (printed or being printed)
    waiting: int    # households of the programme not yet in any run
    files: list[str]


def run_progress(*, session: Session, run: PrintRun) -> RunProgress:
    batches = list(session.exec(select(PrintBatch).where(PrintBatch.print_run_id == run.id)
                                .order_by(PrintBatch.number)))
    issued = select(IssuedForm.household_id).where(IssuedForm.programme_id == run.programme_id,
                                                   IssuedForm.voided_at.is_(None))
    waiting = session.exec(select(func.count()).select_from(Application).where(
        Application.programme_id == run.programme_id, Application.status == Status.imported.value,
        Application.household_id.not_in(issued))).one()
    written = [b for b in batches if b.written_at]
    files = [b.file_name for b in written] + (["manifest.csv"] if run.completed_at else [])
    return RunProgress(run=run, printed=sum(b.household_count for b in written),
                       reserved=sum(b.household_count for b in batches), waiting=waiting, files=files)


def runs_of(*, session: Session, actor: Actor, programme: Programme) -> list[PrintRun]:
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    return list(session.exec(select(PrintRun).where(PrintRun.programme_id == programme.id).order_by(PrintRun.id)))


def run_file(*, run: PrintRun, file_name: str) -> Path:
    """A file of the run's folder by its plain name; anything else (../x, a folder) is not found."""
    progress_names = {p.name for p in Path(run.directory).glob("*") if p.is_file() and not p.name.endswith(".partial")}
    if file_name not in progress_names or "/" in file_name or file_name.startswith("."):
        raise NotFound.of(f"印刷 {run.id} のファイル", file_name)
    return Path(run.directory) / file_name


def get_run(*, session: Session, actor: Actor, run_id: int) -> PrintRun:
    run = session.get(PrintRun, run_id)
    if run is None or not actor.can_see(run.municipality_id):
        raise NotFound.of("印刷", run_id)
    return run
