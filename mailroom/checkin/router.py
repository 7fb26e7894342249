"""The mailroom's pages: the keyboard-driven check-in station (受付, 宛所不明, 補正後の再提出),
the operator's review of uncertain boxes, the exceptions queue, and the supervisor's deficiencies
by type per day."""

from __future__ import annotations

import secrets
import shutil
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlmodel import Session, select

from mailroom.checkin import flows
from mailroom.checkin.flows import DismissReason, StationMode
from mailroom.checkin.ingest import exceptions, receipts_of_batch
from mailroom.checkin.ingest_jobs import ingest_job_of, outcomes_of, start_ingest
from mailroom.checkin.models import FieldReading, Receipt, ScanBatch, ScannedPage
from mailroom.checkin.queues import station_queues
from mailroom.checkin.receipt_numbers import receipt_lines
from mailroom.checkin.service import (
    CHECKERS,
    confirm_field,
    deficiencies_by_day,
    override_counts,
    readings_of,
    review_queue,
    undeliverable_list,
)
from mailroom.scanning.images import png_bytes, read_page, scan_limits
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.errors import DomainError, InvalidInput, NotFound
from secretariat.core.households.models import Household
from secretariat.core.households.router import HouseholdSection
from secretariat.core.households.service import households_by_id, read_household_record
from secretariat.core.programmes.service import list_programmes
from secretariat.core.web.deps import AppSettings, CurrentActor, DbSession, ValidProgramme, require_roles
from secretariat.core.web.templating import make_templates, render
from templates.loader import default_templates

router = APIRouter()
TEMPLATES = Path(__file__).parent / "templates"
pages = make_templates(TEMPLATES)
Checker = Annotated[Actor, require_roles(*CHECKERS)]
Supervisor = Annotated[Actor, require_roles(Role.admin, Role.supervisor)]

# Path parameters that name a tenant's objects (see core.web.deps): loaded before the role check.
TENANT_PATH_PARAMETERS = ("reading_id", "scanned_page_id")


def get_reading(*, session: Session, actor: Actor, reading_id: int) -> FieldReading:
    reading = session.get(FieldReading, reading_id)
    if reading is None or not actor.can_see(reading.municipality_id):
        raise NotFound.of("読み取り項目", reading_id)
    return reading


def valid_reading(reading_id: int, session: DbSession, actor: CurrentActor) -> FieldReading:
    return get_reading(session=session, actor=actor, reading_id=reading_id)


ValidReading = Annotated[FieldReading, Depends(valid_reading)]


def valid_scanned_page(scanned_page_id: int, session: DbSession, actor: CurrentActor) -> ScannedPage:
    """A filed page; one that no household claims (an exception) only secretariat staff may see."""
    page = session.get(ScannedPage, scanned_page_id)
    visible = page is not None and (actor.can_see(page.municipality_id) if page.municipality_id
                                    else actor.municipality_id is None)
    if not visible:
        raise NotFound.of("スキャン画像", scanned_page_id)
    return page


ValidScannedPage = Annotated[ScannedPage, Depends(valid_scanned_page)]


def _date(text: str, name: str) -> date | None:
    """A date field of a form: empty is None; anything else must be YYYY-MM-DD (the browser's date input)."""
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{name}「{text[:20]}」は日付として読めません。2026-12-01 のように入力してください。") from None


def _station(request: Request, session: Session, actor: Actor, mode: StationMode = StationMode.check_in, **context):
    recent = [r for r in session.exec(select(Receipt).order_by(Receipt.id.desc()).limit(10))
              if actor.can_see(r.municipality_id)]
    waiting, exception_count = station_queues(session=session, actor=actor)
    return render(request, "checkin_station.html", using=pages, actor=actor, recent=recent, mode=mode,
                  modes=list(StationMode), counts=flows.station_counts(session=session, actor=actor),
                  waiting=waiting, exception_count=exception_count, **context)


def _mode_or_default(mode: str) -> StationMode:
    try:
        return flows.parse_mode(mode)
    except InvalidInput:
        return StationMode.check_in


@router.get("/mailroom")
def station(request: Request, session: DbSession, actor: Checker,
            mode: Annotated[str, Query(max_length=20)] = ""):
    try:
        chosen = flows.parse_mode(mode)
    except DomainError as error:
        return _station(request, session, actor, problem=error.message)
    return _station(request, session, actor, mode=chosen)


@router.get("/mailroom/station.js")
def station_script(actor: Checker):
    return FileResponse(TEMPLATES / "station.js", media_type="text/javascript")


@router.get("/mailroom/station.css")
def station_style(actor: Checker):
    return FileResponse(TEMPLATES / "station.css", media_type="text/css")


@router.post("/mailroom/check-in")
def station_check_in(request: Request, session: DbSession, actor: Checker,
                     code: Annotated[str, Form(max_length=10_000)] = "",
                     mode: Annotated[str, Form(max_length=20)] = "",
                     arrived_on: Annotated[str, Form(max_length=20)] = "",
                     postmarked_on: Annotated[str, Form(max_length=20)] = ""):
    """A handheld scanner types the code and Enter: act on it in the station's mode, show the household."""
    chosen = _mode_or_default(mode)
    try:
        scan = flows.scan_at_station(session=session, actor=actor, mode=flows.parse_mode(mode), code=code,
                                     arrived_on=_date(arrived_on, "到着日"),
                                     postmarked_on=_date(postmarked_on, "消印日"))
    except DomainError as error:
        session.rollback()
        return _station(request, session, actor, mode=chosen, problem=error.message, typed=code,
                        arrived_on=arrived_on)
    record = read_household_record(session=session, actor=actor, household_id=scan.household_id)
    session.commit()
    return _station(request, session, actor, mode=chosen, scan=scan, record=record, arrived_on=arrived_on)


@router.get("/mailroom/review")
def review(request: Request, session: DbSession, actor: Checker):
    """The receipts whose boxes the machine could not decide, each uncertain box with its crop."""
    queue = []
    for receipt in review_queue(session=session, actor=actor):
        uncertain = [r for r in readings_of(session, receipt) if r.state == "uncertain"]
        queue.append((receipt, uncertain))
    return render(request, "checkin_review.html", using=pages, actor=actor, queue=queue,
                  option_labels=_option_labels())


def _option_labels() -> dict[tuple[str, str], str]:
    """A choice's options by (field, value) with their printed names (登録済みの口座), from the forms."""
    return {(item.name, option.value): option.label for template in default_templates().values()
            if template.kind == "form" for item in template.fields().values() if item.kind == "choice"
            for option in item.options}


@router.get("/mailroom/readings/{reading_id}/crop.png")
def reading_crop(reading: ValidReading, actor: Checker):
    if not reading.crop_path or not Path(reading.crop_path).exists():
        raise NotFound(f"読み取り項目 {reading.id} の切り出し画像は保存されていません")
    return FileResponse(reading.crop_path, media_type="image/png")


@router.post("/mailroom/readings/{reading_id}/confirm")
def reading_confirm(session: DbSession, reading: ValidReading, actor: Checker,
                    state: Annotated[str, Form(max_length=10)]):
    confirm_field(session=session, actor=actor, reading_id=reading.id, state=state)
    return RedirectResponse("/mailroom/review", status_code=303)


@router.get("/mailroom/deficiencies")
def deficiencies(request: Request, session: DbSession, actor: Supervisor):
    """Deficiencies by type per day for each programme: which fields confuse residents."""
    tables = [(programme, deficiencies_by_day(session=session, actor=actor, programme=programme))
              for programme, _municipality in list_programmes(session=session, actor=actor)]
    return render(request, "checkin_deficiencies.html", using=pages, actor=actor, tables=tables,
                  overrides=override_counts(session=session, actor=actor), today=date.today())


MAX_UPLOAD_FILES = 500


@router.post("/mailroom/ingest")
def upload_scans(request: Request, session: DbSession, settings: AppSettings, actor: Checker,
                 files: Annotated[list[UploadFile | str], File()] = [],  # noqa: B006 — FastAPI copies it
                 arrived_on: Annotated[str, Form(max_length=10)] = ""):
    """The same as `secretariat mailroom ingest`, for scans uploaded from the browser: the files
    are saved and a worker takes them in (`ingest_jobs`); the answer is the job's progress page."""
    # a browser sends an empty part with no file name when none was chosen: a string, not a file
    files = [upload for upload in files if not isinstance(upload, str) and upload.filename]
    try:
        if not files or len(files) > MAX_UPLOAD_FILES:
            raise InvalidInput(f"スキャン画像のファイルを 1 個から {MAX_UPLOAD_FILES} 個まで選んでください"
                               f"（選ばれたファイル: {len(files)} 個）。")
        arrived = _date(arrived_on, "到着日")
    except DomainError as error:
        return _station(request, session, actor, problem=error.message, upload_arrived_on=arrived_on)
    folder = settings.data_dir / "uploads" / secrets.token_hex(8)
    folder.mkdir(parents=True)
    try:
        for number, upload in enumerate(files, start=1):
            # the browser's file name is only a label: never a path (no ../, no folders)
            label = Path(upload.filename or "").name.replace("\\", "_") or "scan"
            with open(folder / f"{number:05d}-{label[:100]}", "wb") as handle:
                shutil.copyfileobj(upload.file, handle)
        job = start_ingest(session=session, actor=actor, folder=folder, store_root=settings.data_dir / "scans",
                           arrived_on=arrived, limits=scan_limits(settings), remove_folder=True)
        session.commit()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return RedirectResponse(f"/mailroom/ingest?job={job.id}", status_code=303)


@router.get("/mailroom/ingest")
def upload_progress(request: Request, session: DbSession, actor: Checker, job: Annotated[int, Query(ge=1)]):
    """An upload's ingest: its progress while a worker takes it in, then what the batch holds."""
    ingest = ingest_job_of(session=session, actor=actor, job_id=job)
    return render(request, "checkin_ingest_job.html", using=pages, actor=actor, ingest=ingest)


@router.get("/mailroom/ingest/progress")
def upload_progress_json(session: DbSession, actor: Checker, job: Annotated[int, Query(ge=1)]):
    """The job's progress for a page that polls it: state, pages filed of the batch's pages."""
    ingest = ingest_job_of(session=session, actor=actor, job_id=job)
    return {"state": ingest.job.state, "state_label": ingest.job.state_label, "done": ingest.job.done,
            "total": ingest.job.total, "finished": ingest.finished, "error": ingest.job.last_error}


def _outcomes(session: Session, batch: ScanBatch) -> dict[str, int]:
    """A batch's forms by the check's outcome (不備なし, 不備あり, 目視確認待ち)."""
    return outcomes_of(receipts_of_batch(session, batch))


def _exceptions(request: Request, session: Session, actor: Actor, status_code: int = 200, **context):
    return render(request, "checkin_exceptions.html", status_code, using=pages, actor=actor,
                  queue=exceptions(session=session, actor=actor), reasons=list(DismissReason), **context)


@router.get("/mailroom/exceptions")
def exception_queue(request: Request, session: DbSession, actor: Checker):
    """Pages no machine could file, each with what was wrong, for an operator to work: attach to a
    form, dismiss with a reason, or run the check again."""
    return _exceptions(request, session, actor)


@router.post("/mailroom/exceptions/{scanned_page_id}/attach")
def exception_attach(request: Request, session: DbSession, page: ValidScannedPage, actor: Checker,
                     code: Annotated[str, Form(max_length=300)] = ""):
    try:
        attached = flows.attach_exception(session=session, actor=actor, code=code, page=flows.exception_page(
            session=session, actor=actor, scanned_page_id=page.id))
    except DomainError as error:
        session.rollback()
        return _exceptions(request, session, actor, failed=page.id, problem=error.message, typed_code=code)
    session.commit()
    return _exceptions(request, session, actor, attached=attached)


@router.post("/mailroom/exceptions/{scanned_page_id}/dismiss")
def exception_dismiss(request: Request, session: DbSession, page: ValidScannedPage, actor: Checker,
                      reason: Annotated[str, Form(max_length=20)] = "",
                      note: Annotated[str, Form(max_length=2_000)] = ""):
    try:
        flows.dismiss_exception(session=session, actor=actor, reason=reason, note=note, page=flows.exception_page(
            session=session, actor=actor, scanned_page_id=page.id))
    except DomainError as error:
        session.rollback()
        return _exceptions(request, session, actor, failed=page.id, problem=error.message, typed_reason=reason,
                           typed_note=note)
    session.commit()
    return _exceptions(request, session, actor, dismissed=page)


@router.post("/mailroom/exceptions/{scanned_page_id}/recheck")
def exception_recheck(request: Request, session: DbSession, settings: AppSettings, page: ValidScannedPage,
                      actor: Checker):
    try:
        batch = flows.recheck_exception(session=session, actor=actor, store_root=settings.data_dir / "scans",
                                        limits=scan_limits(settings), page=flows.exception_page(
                                            session=session, actor=actor, scanned_page_id=page.id))
    except DomainError as error:
        session.rollback()
        return _exceptions(request, session, actor, failed=page.id, problem=error.message)
    if batch is None:
        return _exceptions(request, session, actor, failed=page.id,
                           problem="再チェックしても仕分けできませんでした。画像を確認し、添付するか対応不要にしてください。")
    outcomes = _outcomes(session, batch)
    session.commit()
    return _exceptions(request, session, actor, rechecked=batch, outcomes=outcomes)


@router.get("/programmes/{programme_id}/undeliverable")
def undeliverable(request: Request, session: DbSession, programme: ValidProgramme, actor: CurrentActor):
    """The municipality's list of packs that came back undelivered (宛所不明), to resolve the addresses."""
    listed = undeliverable_list(session=session, actor=actor, programme=programme)
    households = households_by_id(session, (mail.household_id for mail in listed))
    return render(request, "checkin_undeliverable.html", using=pages, actor=actor, programme=programme,
                  listed=[(mail, households[mail.household_id]) for mail in listed])


@router.get("/mailroom/pages/{scanned_page_id}/image")
def scanned_page_image(page: ValidScannedPage, settings: AppSettings, actor: Checker):
    """The page as scanned, for the operator: a PNG preview, or the file itself when it cannot be
    decoded (a corrupt or truncated scan, a page over the scan limits, is exactly what the operator
    needs to look at). Only the page asked for is decoded."""
    index = int(page.source_name.rpartition("#")[2]) if "#" in page.source_name else 1
    image = read_page(page.image_path, index, scan_limits(settings))
    if image is None or image.error:
        return FileResponse(page.image_path, media_type="application/octet-stream",
                            filename=Path(page.image_path).name)
    return Response(png_bytes(image.pixels, longest=1200), media_type="image/png")


def receipts_section(*, session: Session, actor: Actor, household: Household) -> HouseholdSection | None:
    """The household page's lines on the forms that came back: each arrival, its channel, its
    受付番号 (online) and its outcome."""
    if not actor.can_see(household.municipality_id):
        return None
    lines = receipt_lines(session, household)
    if not lines:
        return None
    return HouseholdSection("受付", [(f"{line.arrived_on:%Y-%m-%d} {line.channel}", line.summary) for line in lines],
                            testid="receipts")
