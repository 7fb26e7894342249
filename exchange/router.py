"""The liaison's exchange pages: upload a target list or payment results with the same checks as
the drop, download what the outbox holds, and (for staff and the municipality's checker) approve
and export payment batches. Every route is scoped to the actor's municipality."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlmodel import Session

from exchange.drop.processing import report_csv
from exchange.results import failures as payment_failure_flows
from exchange.results.models import PaymentBatch
from exchange.results.payments import (approve_payment_batch, export_payment_batch, get_batch, import_payment_results,
                                       list_batches)
from exchange.results_jobs import result_files_job_of, start_result_files
from exchange.targets.models import TargetFile
from exchange.targets.encoding import limits_of
from exchange.targets.mapping import MAX_MAPPING_CHARS, MappingInvalid
from exchange.targets.service import target_files
from exchange.targets.stored_mappings import municipal_mapping, set_municipal_mapping
from exchange.targets.upload_jobs import reported_problems, start_target_upload, target_upload_of
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import JST, today_jst, utcnow
from secretariat.core.config import Settings
from secretariat.core.errors import InvalidInput, NotFound
from secretariat.core.programmes.models import Programme
from secretariat.core.programmes.progress import programme_progress
from secretariat.core.programmes.service import list_programmes
from secretariat.core.tenancy.models import Municipality
from secretariat.core.web.deps import (AppSettings, CurrentActor, DbSession, ValidMunicipality, ValidProgramme,
                                       require_roles)
from secretariat.core.web.templating import make_templates, render

router = APIRouter()
pages = make_templates(Path(__file__).parent / "templates")
Exchanger = Annotated[Actor, require_roles(Role.admin, Role.supervisor, Role.liaison)]
Admin = Annotated[Actor, require_roles(Role.admin)]
TENANT_PATH_PARAMETERS = ("target_file_id", "batch_id", "cancel_list_id")  # the last: a gift-code cancel list, in its programme


def outbox_of(settings: Settings, session: Session, programme: Programme) -> Path:
    """The municipality's drop outbox: what the web offers for download is what SFTP offers."""
    return settings.data_dir / "drop" / session.get(Municipality, programme.municipality_id).code / "outbox"


def valid_target_file(target_file_id: int, session: DbSession, actor: CurrentActor) -> TargetFile:
    record = session.get(TargetFile, target_file_id)
    if record is None or not actor.can_see(record.municipality_id):
        raise NotFound.of("対象者ファイル", target_file_id)
    return record


def valid_batch(batch_id: int, session: DbSession, actor: CurrentActor) -> PaymentBatch:
    return get_batch(session=session, actor=actor, batch_id=batch_id)


ValidTargetFile = Annotated[TargetFile, Depends(valid_target_file)]
ValidBatch = Annotated[PaymentBatch, Depends(valid_batch)]


def upload_name(upload: UploadFile) -> str:
    """The browser's file name without any folder part (Windows or POSIX)."""
    return Path((upload.filename or "upload.csv").replace("\\", "/")).name or "upload.csv"


def _saved(upload: UploadFile, settings: Settings, session: Session, programme: Programme) -> Path:
    """The upload kept in the municipality's drop archive, as an SFTP upload is; its name is only
    a label, never a path."""
    folder = settings.data_dir / "drop" / session.get(Municipality, programme.municipality_id).code / "archive"
    folder.mkdir(parents=True, exist_ok=True)
    label = upload_name(upload)
    path = folder / f"{utcnow().astimezone(JST):%Y%m%d-%H%M%S}-web-{secrets.token_hex(3)}-{label[:120]}"
    written = 0
    with path.open("wb") as handle:
        while chunk := upload.file.read(1 << 20):
            written += len(chunk)
            if written > settings.upload_max_bytes:
                handle.close()
                path.unlink()
                raise InvalidInput(f"ファイルが大きすぎます。受け付けるのは {settings.upload_max_bytes:,} バイトまでです。")
            handle.write(chunk)
    if written == 0:
        path.unlink()
        raise InvalidInput("送られたファイルが空です（0 バイト）。")
    return path


@router.get("/exchange")
def exchange_index(request: Request, session: DbSession, actor: Exchanger):
    """Each programme the actor may see, with its exchange page."""
    return render(request, "exchange_index.html", using=pages, actor=actor,
                  rows=list_programmes(session=session, actor=actor))


@router.get("/programmes/{programme_id}/exchange")
def exchange_page(request: Request, session: DbSession, settings: AppSettings, programme: ValidProgramme,
                  actor: Exchanger):
    outbox = outbox_of(settings, session, programme)
    files = sorted((p for p in outbox.glob("*") if p.is_file() and not p.name.startswith(".")),
                   key=lambda p: p.stat().st_mtime, reverse=True) if outbox.exists() else []
    return render(request, "exchange_programme.html", using=pages, actor=actor, programme=programme,
                  progress=programme_progress(session=session, programme=programme),
                  files=target_files(session=session, actor=actor, programme=programme)[:20], outbox=files,
                  batches=list_batches(session=session, actor=actor, programme=programme),
                  failures=payment_failure_flows.failure_queue(session=session, actor=actor, programme=programme),
                  may_take_account=actor.role in payment_failure_flows.keying.ACCOUNT_TAKERS,
                  results_job=result_files_job_of(session=session, programme=programme, on=today_jst()))


@router.post("/programmes/{programme_id}/exchange/targets")
def upload_targets(session: DbSession, settings: AppSettings, programme: ValidProgramme, actor: Exchanger,
                   file: Annotated[UploadFile, File()]):
    """The same validation and import as the drop, by a worker (`targets/upload_jobs`); the answer is
    the job's page, which shows the validation result once it is done. The report also goes to the outbox."""
    path = _saved(file, settings, session, programme)
    try:
        job = start_target_upload(session=session, actor=actor, programme=programme, path=path,
                                  name=upload_name(file), outbox=outbox_of(settings, session, programme),
                                  limits=limits_of(settings))
        session.commit()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return RedirectResponse(f"/programmes/{programme.id}/exchange/targets?job={job.id}", status_code=303)


@router.get("/programmes/{programme_id}/exchange/targets")
def target_upload_page(request: Request, session: DbSession, programme: ValidProgramme, actor: Exchanger,
                       job: Annotated[int, Query(ge=1)]):
    """An upload's import: waiting or running (the page refreshes itself), failed with its error, or
    done with the file's validation result."""
    upload = target_upload_of(session=session, actor=actor, programme=programme, job_id=job)
    return render(request, "exchange_target_upload.html", using=pages, actor=actor, programme=programme,
                  upload=upload)


@router.get("/exchange/files/{target_file_id}")
def target_file_page(request: Request, record: ValidTargetFile, actor: Exchanger):
    return render(request, "exchange_report.html", using=pages, actor=actor, record=record)


@router.get("/exchange/files/{target_file_id}/report.csv")
def target_file_report(record: ValidTargetFile, actor: Exchanger):
    data = report_csv(record.status, *reported_problems(record))
    return Response(data, media_type="text/csv; charset=Shift_JIS",
                    headers={"Content-Disposition": f'attachment; filename="report-{record.id}.csv"'})


@router.get("/programmes/{programme_id}/exchange/outbox/{file_name}")
def download(session: DbSession, settings: AppSettings, programme: ValidProgramme, actor: Exchanger,
             file_name: str):
    outbox = outbox_of(settings, session, programme)
    path = outbox / Path(file_name).name
    if Path(file_name).name != file_name or file_name.startswith(".") or not path.is_file():
        raise NotFound.of("送信フォルダのファイル", file_name)
    record_audit(session=session, actor=actor, action="download", entity="outbox",
                 municipality_id=programme.municipality_id, detail=f"file={file_name}")
    session.commit()
    return FileResponse(path, filename=file_name)


@router.post("/programmes/{programme_id}/exchange/results")
def make_results(session: DbSession, settings: AppSettings, programme: ValidProgramme, actor: Exchanger):
    """Queue the day's status file and result lists; a worker writes them into the outbox."""
    start_result_files(session=session, actor=actor, programme=programme,
                       out_dir=outbox_of(settings, session, programme), on=today_jst())
    session.commit()
    return RedirectResponse(f"/programmes/{programme.id}/exchange", status_code=303)


@router.post("/programmes/{programme_id}/exchange/payment-results")
def upload_payment_results(request: Request, session: DbSession, settings: AppSettings, programme: ValidProgramme,
                           actor: Exchanger, file: Annotated[UploadFile, File()]):
    result = import_payment_results(session=session, actor=actor, programme=programme,
                                    path=_saved(file, settings, session, programme), limits=limits_of(settings))
    session.commit()
    return render(request, "exchange_payment_results.html", using=pages, actor=actor, programme=programme,
                  result=result, status_code=200 if result.ok else 422)


@router.post("/exchange/payments/{batch_id}/approve")
def approve(session: DbSession, batch: ValidBatch, actor: Exchanger):
    approve_payment_batch(session=session, actor=actor, batch=batch)
    session.commit()
    return RedirectResponse(f"/programmes/{batch.programme_id}/exchange", status_code=303)


@router.post("/exchange/payments/{batch_id}/export")
def export(session: DbSession, settings: AppSettings, batch: ValidBatch, actor: Exchanger):
    programme = session.get(Programme, batch.programme_id)
    export_payment_batch(session=session, actor=actor, batch=batch, out_dir=outbox_of(settings, session, programme))
    session.commit()
    return RedirectResponse(f"/programmes/{batch.programme_id}/exchange", status_code=303)


# The municipality is loaded before the role is checked, so another municipality's code answers 404 to a liaison.
@router.get("/exchange/mappings/{municipality_code}")
def mapping_page(request: Request, session: DbSession, municipality: ValidMunicipality, actor: Admin):
    """The municipality's column mapping, and the form to replace it."""
    return _mapping_page(request, session, municipality, actor, [])


@router.post("/exchange/mappings/{municipality_code}")
def upload_mapping(request: Request, session: DbSession, municipality: ValidMunicipality, actor: Admin,
                   file: Annotated[UploadFile, File()]):
    """Check the uploaded YAML and make it the municipality's mapping; a broken one is shown with its problems."""
    data = file.file.read(MAX_MAPPING_CHARS * 4 + 1)
    label = upload_name(file)
    try:
        if len(data) > MAX_MAPPING_CHARS * 4:
            raise MappingInvalid(label, [f"大きすぎます。対応表は {MAX_MAPPING_CHARS:,} 文字までです"])
        try:
            source = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise MappingInvalid(label, ["UTF-8 のテキストではありません"]) from None
        set_municipal_mapping(session=session, actor=actor, municipality=municipality, source=source, label=label)
    except MappingInvalid as error:
        return _mapping_page(request, session, municipality, actor, error.problems, label, status_code=422)
    session.commit()
    return RedirectResponse(f"/exchange/mappings/{municipality.code}", status_code=303)


def _mapping_page(request: Request, session: Session, municipality: Municipality, actor: Actor, problems: list[str],
                  label: str = "", status_code: int = 200):
    return render(request, "exchange_mapping.html", using=pages, actor=actor, municipality=municipality,
                  record=municipal_mapping(session=session, actor=actor, municipality=municipality),
                  problems=problems, label=label, status_code=status_code)


# 振込不能: the failure queue, for the exchange's staff and for the call center's agents.
FailureViewer = Annotated[Actor, require_roles(Role.admin, Role.supervisor, Role.liaison, Role.operator, Role.agent)]
AccountTaker = Annotated[Actor, require_roles(*payment_failure_flows.keying.ACCOUNT_TAKERS)]


@router.get("/programmes/{programme_id}/exchange/payment-failures")
def payment_failures_page(request: Request, session: DbSession, programme: ValidProgramme, actor: FailureViewer):
    """Open failed transfers with their age, reason and state; where an agent records the resident's new account."""
    return render(request, "exchange_payment_failures.html", using=pages, actor=actor, programme=programme,
                  failures=payment_failure_flows.failure_queue(session=session, actor=actor, programme=programme),
                  may_take_account=actor.role in payment_failure_flows.keying.ACCOUNT_TAKERS)


@router.post("/programmes/{programme_id}/exchange/payment-failures/account")
def take_corrected_account(session: DbSession, programme: ValidProgramme, actor: AccountTaker,
                           line_id: Annotated[int, Form()], channel: Annotated[str, Form(max_length=10)]):
    """The resident gave the new account (電話 or 書面): its correction opens for double entry at データ入力."""
    line = payment_failure_flows.get_failure(session=session, actor=actor, line_id=line_id)
    if line.programme_id != programme.id:
        raise NotFound.of("振込不能の明細", line_id)
    payment_failure_flows.take_corrected_account(session=session, actor=actor, line=line, channel=channel)
    session.commit()
    return RedirectResponse(f"/programmes/{programme.id}/exchange/payment-failures", status_code=303)
