"""Codes that must not be used, and codes replaced: a decline (辞退) or withdrawal after a batch was
frozen voids its application's code, before or after delivery, and the provider gets the codes to
cancel (取消依頼); a supervisor lets an expired, unredeemed code be replaced (再発行), and a later
batch gives the application a new code while the old one stays expired in the record.

The core records a decline without knowing gift codes exist (it imports no domain), as it does for
transfers: the exchange notices at its own steps. Every step that could send or pay a code
(delivery, the redemption file, the expiry run, the cancel list) voids the withdrawn ones first. A
redeemed code has paid its application, and a paid application has no way out in the state table,
so a decline after redemption is refused there.
"""

from __future__ import annotations

import csv
import io

from sqlmodel import Session, select

from exchange.giftcodes.models import CodeState, GiftCode
from exchange.giftcodes.setting import visible
from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import utcnow
from secretariat.core.errors import InvalidInput, NotFound
from secretariat.core.messages import label
from secretariat.core.programmes.models import Programme

CANCEL_HEADINGS = ("code", "amount", "expiry", "reason")
_LIVE = (CodeState.assigned.value, CodeState.delivered.value)


def void_withdrawn(*, session: Session, actor: Actor, programme: Programme) -> list[GiftCode]:
    """Assigned or delivered codes of applications no longer approved (辞退・取下げ after the batch
    was frozen) become void, each audited; a void code is never delivered and goes on the cancel list."""
    actor.require(Role.admin, Role.supervisor, Role.liaison)
    visible(actor, programme)
    withdrawn = list(session.exec(select(GiftCode).join(Application, Application.id == GiftCode.application_id)
                                  .where(GiftCode.programme_id == programme.id, GiftCode.state.in_(_LIVE),
                                         Application.status != Status.approved.value)
                                  .order_by(GiftCode.id)))
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


def _reason(code: GiftCode) -> str:
    if code.state == CodeState.expired.value:
        return "expired_reissued"
    return "withdrawn_after_delivery" if code.delivered_at else "withdrawn_before_delivery"


def codes_to_cancel(*, session: Session, actor: Actor, programme: Programme) -> list[tuple[GiftCode, str]]:
    """Every code the provider should cancel, with why: void codes (after voiding the newly withdrawn)
    and expired codes a supervisor let be replaced. Listing one twice is harmless to a cancellation."""
    void_withdrawn(session=session, actor=actor, programme=programme)
    codes = session.exec(select(GiftCode).where(
        GiftCode.programme_id == programme.id,
        (GiftCode.state == CodeState.void.value) | GiftCode.reissue_allowed_at.is_not(None)).order_by(GiftCode.id))
    return [(code, _reason(code)) for code in codes]


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
