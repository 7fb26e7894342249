"""Codes that must not be used, and codes replaced: a decline (辞退) or withdrawal after a batch was
frozen voids its application's code, before or after delivery, and the provider gets the codes to
cancel (取消依頼); a supervisor lets an expired, unredeemed code be replaced (再発行), and a later
batch gives the application a new code while the old one stays expired in the record.

The core records a decline without knowing gift codes exist (it imports no domain), as it does for
transfers: the exchange notices at its own steps. Every step that could send or pay a code
(delivery, the redemption file, the expiry run, the cancel list) voids the withdrawn ones first. A
redeemed code has paid its application, and a paid application has no way out in the state table,
so a decline after redemption is refused there.

Each cancel list made is kept with its codes: a code goes on one list only, so the provider is
asked once per code, and a list lost on the way can be downloaded again as it was.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from exchange.giftcodes.models import CodeState, GiftCode, GiftCodeCancelEntry, GiftCodeCancelList
from exchange.giftcodes.setting import visible
from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import utcnow
from secretariat.core.errors import Conflict, InvalidInput, NotFound
from secretariat.core.messages import label
from secretariat.core.programmes.models import Programme

CANCEL_HEADINGS = ("code", "amount", "expiry", "reason")
_LIVE = (CodeState.assigned.value, CodeState.delivered.value)


def void_withdrawn(*, session: Session, actor: Actor, programme: Programme) -> list[GiftCode]:
    """Assigned or delivered codes of applications no longer approved (辞退・取下げ after the batch
    was frozen) become void, each audited; a void code is never delivered and goes on the cancel list."""
    actor.require(Role.admin, Role.supervisor, Role.liaison)
    visible(actor, programme)
    withdrawn = list(session.exec(_live_but_withdrawn(select(GiftCode), programme).order_by(GiftCode.id)))
    for code in withdrawn:
        delivered = code.state == CodeState.delivered.value
        code.state, code.voided_at = CodeState.void.value, utcnow()
        session.add(code)
        record_audit(session=session, actor=actor, action="giftcode_voided", entity="giftcode", entity_id=code.id,
                     municipality_id=programme.municipality_id,
                     detail=f"application={code.application_id} amount={code.amount_yen} "
                            f"{'after' if delivered else 'before'} delivery")
    session.flush()
    return withdrawn


def _live_but_withdrawn(query, programme: Programme):
    """Assigned or delivered codes whose application is no longer approved: to be voided."""
    return (query.join(Application, Application.id == GiftCode.application_id)
            .where(GiftCode.programme_id == programme.id, GiftCode.state.in_(_LIVE),
                   Application.status != Status.approved.value))


def _unlisted_to_cancel(query, programme: Programme):
    """Void codes and expired codes a supervisor let be replaced, on no cancel list yet."""
    listed = select(GiftCodeCancelEntry.id).where(GiftCodeCancelEntry.gift_code_id == GiftCode.id)
    return query.where(GiftCode.programme_id == programme.id, ~listed.exists(),
                       (GiftCode.state == CodeState.void.value) | GiftCode.reissue_allowed_at.is_not(None))


def _reason(code: GiftCode) -> str:
    if code.state == CodeState.expired.value:
        return "expired_reissued"
    return "withdrawn_after_delivery" if code.delivered_at else "withdrawn_before_delivery"


def codes_to_cancel(*, session: Session, actor: Actor, programme: Programme) -> list[tuple[GiftCode, str]]:
    """The codes the provider should cancel and has not yet been asked to, with why: void codes
    (after voiding the newly withdrawn) and expired codes a supervisor let be replaced."""
    void_withdrawn(session=session, actor=actor, programme=programme)
    codes = session.exec(_unlisted_to_cancel(select(GiftCode), programme).order_by(GiftCode.id))
    return [(code, _reason(code)) for code in codes]


def cancellations_due(*, session: Session, actor: Actor, programme: Programme) -> int:
    """How many codes the next cancel list would carry, read without voiding anything (for a page)."""
    actor.require(Role.admin, Role.supervisor, Role.liaison)
    visible(actor, programme)
    count = select(func.count(GiftCode.id))
    return (session.exec(_unlisted_to_cancel(count, programme)).one()
            + session.exec(_live_but_withdrawn(count, programme)).one())


def make_cancel_list(*, session: Session, actor: Actor, programme: Programme) -> GiftCodeCancelList:
    """A new cancel list of every code to cancel that no earlier list carries, kept with its reasons.
    Two people making one at the same moment: the second is refused (each code is on one list)."""
    codes = codes_to_cancel(session=session, actor=actor, programme=programme)
    if not codes:
        raise InvalidInput("新たに取消を依頼するコードはありません（作成済みの取消依頼は、その番号でいつでも再度出力できます）")
    made = GiftCodeCancelList(municipality_id=programme.municipality_id, programme_id=programme.id,
                              code_count=len(codes), made_by=actor.username)
    session.add(made)
    session.flush()
    session.add_all(GiftCodeCancelEntry(cancel_list_id=made.id, gift_code_id=code.id, reason=reason)
                    for code, reason in codes)
    try:
        session.flush()
    except IntegrityError as error:
        raise Conflict("同時に別の取消依頼が作成されました。画面を更新して内容を確かめてください") from error
    record_audit(session=session, actor=actor, action="giftcode_cancel_list_made", entity="giftcode_cancel_list",
                 entity_id=made.id, municipality_id=programme.municipality_id, detail=f"codes={len(codes)}")
    return made


def cancel_lists(*, session: Session, actor: Actor, programme: Programme) -> list[GiftCodeCancelList]:
    """The programme's cancel lists, newest first."""
    actor.require(Role.admin, Role.supervisor, Role.liaison)
    visible(actor, programme)
    return list(session.exec(select(GiftCodeCancelList).where(GiftCodeCancelList.programme_id == programme.id)
                             .order_by(GiftCodeCancelList.id.desc())))


def cancel_list_codes(*, session: Session, actor: Actor, programme: Programme,
                      list_id: int) -> list[tuple[GiftCode, str]]:
    """The codes of one cancel list as it was made, with their reasons; the reading is audited, as
    the list carries whole codes."""
    actor.require(Role.admin, Role.supervisor, Role.liaison)
    visible(actor, programme)
    made = session.get(GiftCodeCancelList, list_id)
    if made is None or made.programme_id != programme.id:
        raise NotFound.of(f"事業 {programme.id} の取消依頼", list_id)
    rows = session.exec(select(GiftCode, GiftCodeCancelEntry.reason)
                        .join(GiftCodeCancelEntry, GiftCodeCancelEntry.gift_code_id == GiftCode.id)
                        .where(GiftCodeCancelEntry.cancel_list_id == made.id).order_by(GiftCode.id)).all()
    record_audit(session=session, actor=actor, action="giftcode_cancel_list_read", entity="giftcode_cancel_list",
                 entity_id=made.id, municipality_id=programme.municipality_id, detail=f"codes={len(rows)}")
    return [(code, reason) for code, reason in rows]


def cancel_csv(codes: list[tuple[GiftCode, str]]) -> bytes:
    """The cancel list for the provider (UTF-8, as its own files): the whole code, since the provider
    cancels by it."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CANCEL_HEADINGS)
    writer.writerows([code.code, code.amount_yen, code.expires_on.isoformat(), reason] for code, reason in codes)
    return buffer.getvalue().encode("utf-8")


def allow_reissue(*, session: Session, actor: Actor, programme: Programme, code_id: int) -> GiftCode:
    """A supervisor's permission (再発行) for an expired, unredeemed code's application to get a new
    code in a later batch, which another person approves (the batch's maker-checker). The old code
    stays expired and goes on the cancel list."""
    actor.require(Role.admin, Role.supervisor)
    visible(actor, programme)
    code = session.get(GiftCode, code_id)
    if code is None or code.programme_id != programme.id:
        raise NotFound.of(f"事業 {programme.id} のギフトコード", code_id)
    if code.state != CodeState.expired.value:
        raise InvalidInput("再発行できるのは期限切れの未引換コードだけです（このコードは"
                           f"「{label('gift_code_state', code.state)}」（{code.state}）です）")
    if code.reissue_allowed_at is not None:
        raise InvalidInput(f"このコードは {code.reissue_allowed_by} が再発行を指示済みです")
    application = session.get(Application, code.application_id)
    if application.status != Status.approved.value:
        raise InvalidInput("申請が支給決定の状態ではないため再発行できません（"
                           f"{label('status', application.status)}（{application.status}））")
    code.reissue_allowed_by, code.reissue_allowed_at = actor.username, utcnow()
    session.add(code)
    record_audit(session=session, actor=actor, action="giftcode_reissue_allowed", entity="giftcode",
                 entity_id=code.id, municipality_id=programme.municipality_id,
                 detail=f"application={code.application_id} amount={code.amount_yen}")
    session.flush()
    return code
