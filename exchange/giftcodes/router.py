"""Gift-code pages (デジタルギフト): the provider's issuance and redemption files uploaded with the
same checks as the drop and the CLI, batches prepared, approved by another person and frozen, and
the unredeemed report. Every route is under a programme the actor may see; a batch named in a form
must be of that programme."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from exchange.giftcodes.batches import (approve_giftcode_batch, code_stock, freeze_giftcode_batch,
                                        get_giftcode_batch, list_giftcode_batches, prepare_giftcode_batch)
from exchange.giftcodes.issuance import import_issuance
from exchange.giftcodes.models import GiftCodeBatch
from exchange.giftcodes.redemption import expire_unredeemed, import_redemptions, unredeemed_codes, unredeemed_csv
from exchange.giftcodes.setting import giftcode_setting
from exchange.giftcodes.withdrawal import (allow_reissue, cancel_csv, cancel_list_codes, cancel_lists,
                                          cancellations_due, make_cancel_list)
from exchange.router import _saved
from exchange.targets.encoding import limits_of
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.config import Settings
from secretariat.core.errors import DomainError, NotFound
from secretariat.core.programmes.models import Programme
from secretariat.core.web.deps import AppSettings, DbSession, ValidProgramme, require_roles
from secretariat.core.web.templating import make_templates, render

router = APIRouter()
pages = make_templates(Path(__file__).parent / "templates")
Viewer = Annotated[Actor, require_roles(Role.admin, Role.supervisor, Role.liaison)]
Staff = Annotated[Actor, require_roles(Role.admin, Role.supervisor)]
BatchId = Annotated[int, Form()]


def _page(request: Request, session: Session, actor: Actor, programme: Programme, status_code: int = 200,
          **shown):
    return render(request, "giftcodes.html", using=pages, actor=actor, programme=programme,
                  setting=giftcode_setting(session=session, actor=actor, programme=programme),
                  stock=code_stock(session=session, actor=actor, programme=programme),
                  batches=list_giftcode_batches(session=session, actor=actor, programme=programme),
                  cancellations_due=cancellations_due(session=session, actor=actor, programme=programme),
                  cancel_lists=cancel_lists(session=session, actor=actor, programme=programme),
                  status_code=status_code, **shown)


def _back(programme: Programme) -> RedirectResponse:
    return RedirectResponse(f"/programmes/{programme.id}/giftcodes", status_code=303)


def _batch_of(session: Session, actor: Actor, programme: Programme, batch_id: int) -> GiftCodeBatch:
    batch = get_giftcode_batch(session=session, actor=actor, batch_id=batch_id)
    if batch.programme_id != programme.id:
        raise NotFound.of("ギフトコード割当", batch_id)
    return batch


@router.get("/programmes/{programme_id}/giftcodes")
def giftcodes_page(request: Request, session: DbSession, programme: ValidProgramme, actor: Viewer):
    return _page(request, session, actor, programme)


@router.post("/programmes/{programme_id}/giftcodes/issuance")
def upload_issuance(request: Request, session: DbSession, settings: AppSettings, programme: ValidProgramme,
                    actor: Staff, file: Annotated[UploadFile, File()]):
    """The provider's issuance file: stored whole, or its problems shown and nothing stored."""
    return _imported(request, session, settings, actor, programme, file, import_issuance)


def _imported(request: Request, session: Session, settings: Settings, actor: Actor, programme: Programme,
              file: UploadFile, flow):
    """A provider file, kept in the drop archive as the drop keeps one and imported by `flow`; its
    outcome on the page with its problems, and nothing kept when it had errors."""
    result = flow(session=session, actor=actor, programme=programme, path=_saved(file, settings, session, programme),
                  limits=limits_of(settings))
    if not result.ok:
        session.rollback()
        return _page(request, session, actor, programme, 422, problems=result.errors, outcome=result.summary)
    session.commit()
    return _page(request, session, actor, programme, problems=result.warnings, outcome=result.summary)


@router.post("/programmes/{programme_id}/giftcodes/batches")
def prepare(request: Request, session: DbSession, programme: ValidProgramme, actor: Staff):
    try:
        prepared = prepare_giftcode_batch(session=session, actor=actor, programme=programme)
    except DomainError as error:
        session.rollback()
        return _page(request, session, actor, programme, 422, error=error.message)
    session.commit()
    if prepared.batch is None:
        return _page(request, session, actor, programme, outcome="割り当てる申請はありません。",
                     refused=prepared.refused)
    return _back(programme)


@router.post("/programmes/{programme_id}/giftcodes/approve")
def approve(request: Request, session: DbSession, programme: ValidProgramme, actor: Viewer, batch_id: BatchId):
    """The checker's approval: another person than the batch's preparer."""
    return _batch_step(request, session, actor, programme, batch_id, approve_giftcode_batch)


@router.post("/programmes/{programme_id}/giftcodes/freeze")
def freeze(request: Request, session: DbSession, programme: ValidProgramme, actor: Staff, batch_id: BatchId):
    """Assign the approved batch's codes; the batch is frozen from then on."""
    return _batch_step(request, session, actor, programme, batch_id, freeze_giftcode_batch)


def _batch_step(request: Request, session: Session, actor: Actor, programme: Programme, batch_id: int, step):
    batch = _batch_of(session, actor, programme, batch_id)
    try:
        step(session=session, actor=actor, batch=batch)
    except DomainError as error:
        session.rollback()
        return _page(request, session, actor, programme, 422, error=error.message)
    session.commit()
    return _back(programme)


@router.post("/programmes/{programme_id}/giftcodes/redemptions")
def upload_redemptions(request: Request, session: DbSession, settings: AppSettings, programme: ValidProgramme,
                       actor: Viewer, file: Annotated[UploadFile, File()]):
    """The provider's redemption file: each redeemed code's application paid; unknown codes listed."""
    return _imported(request, session, settings, actor, programme, file, import_redemptions)


@router.post("/programmes/{programme_id}/giftcodes/expire")
def expire(session: DbSession, programme: ValidProgramme, actor: Viewer):
    """Codes past their expiry and never redeemed become expired; then the unredeemed report."""
    expire_unredeemed(session=session, actor=actor, programme=programme)
    session.commit()
    return RedirectResponse(f"/programmes/{programme.id}/giftcodes/unredeemed", status_code=303)


@router.get("/programmes/{programme_id}/giftcodes/unredeemed")
def unredeemed_page(request: Request, session: DbSession, programme: ValidProgramme, actor: Viewer):
    return _unredeemed(request, session, actor, programme)


def _unredeemed(request: Request, session: Session, actor: Actor, programme: Programme, status_code: int = 200,
                **shown):
    return render(request, "giftcodes_unredeemed.html", using=pages, actor=actor, programme=programme,
                  rows=unredeemed_codes(session=session, actor=actor, programme=programme),
                  status_code=status_code, **shown)


@router.post("/programmes/{programme_id}/giftcodes/reissue")
def reissue(request: Request, session: DbSession, programme: ValidProgramme, actor: Staff,
            code_id: Annotated[int, Form()]):
    """A supervisor lets an expired code's application get a new code in the next batch (再発行)."""
    try:
        allow_reissue(session=session, actor=actor, programme=programme, code_id=code_id)
    except DomainError as error:
        session.rollback()
        return _unredeemed(request, session, actor, programme, 422, error=error.message)
    session.commit()
    return RedirectResponse(f"/programmes/{programme.id}/giftcodes/unredeemed", status_code=303)


@router.post("/programmes/{programme_id}/giftcodes/cancellations")
def cancellations_make(request: Request, session: DbSession, programme: ValidProgramme, actor: Viewer):
    """A new cancel list (取消依頼) of the codes no earlier list carries, after voiding those of newly
    declined applications; it is then downloaded from the page's list of cancel lists."""
    try:
        make_cancel_list(session=session, actor=actor, programme=programme)
    except DomainError as error:
        session.rollback()
        return _page(request, session, actor, programme, error.status_code, error=error.message)
    session.commit()
    return RedirectResponse(f"/programmes/{programme.id}/giftcodes#cancel-lists", status_code=303)


@router.get("/programmes/{programme_id}/giftcodes/cancellations/{cancel_list_id}.csv")
def cancellations_download(session: DbSession, programme: ValidProgramme, actor: Viewer, cancel_list_id: int):
    """One cancel list as it was made, for the provider (UTF-8, as its own files)."""
    data = cancel_csv(cancel_list_codes(session=session, actor=actor, programme=programme, list_id=cancel_list_id))
    session.commit()  # the reading's audit row
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="cancel-{programme.id}-{cancel_list_id}.csv"'})


@router.get("/programmes/{programme_id}/giftcodes/unredeemed.csv")
def unredeemed_download(session: DbSession, programme: ValidProgramme, actor: Viewer):
    data = unredeemed_csv(unredeemed_codes(session=session, actor=actor, programme=programme))
    return Response(data, media_type="text/csv; charset=Shift_JIS",
                    headers={"Content-Disposition": f'attachment; filename="unredeemed-{programme.id}.csv"'})
