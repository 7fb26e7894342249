"""目視審査: an operator judges a checked-in form from the paper, with no scan.

A form checked in at a handheld station (or one too torn, wet or faint to scan) still has to be
judged. The operator ticks the boxes that carry the resident's ink; every box not ticked is blank.
The ticks are stored as readings with no scanned page, confirmed by that operator, and the form's
verdict comes from the same rules as a scanned form (`record_check`): the same deficiency codes,
the same return letter, the same keying of a new account.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from mailroom.checkin.models import UNREAD, FieldReading, Receipt
from mailroom.checkin.service import CHECKERS, issued_form, parse_code, record_check, template_of
from mailroom.scanning.verdict import State, Verdict
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.clock import utcnow
from secretariat.core.errors import Conflict, InvalidInput, NotFound
from templates.schema import InputField, Template

MAX_ATTACHMENTS = 20


def boxes_of(template: Template) -> list[tuple[InputField, str]]:
    """Every box an operator looks at, in the order printed: (field, option) with option '' for
    a field of one box. A choice's options are ticked as `field=value`."""
    return [(item, option) for page in template.pages for item in page.fields
            for option in ([o.value for o in item.options] if item.kind == "choice" else [""])]


def box_key(item: InputField, option: str) -> str:
    return f"{item.name}={option}" if option else item.name


def receipt_to_judge(*, session: Session, actor: Actor, receipt_id: int) -> Receipt:
    """The receipt an operator is about to judge by hand, within their tenancy."""
    actor.require(*CHECKERS)
    receipt = session.get(Receipt, receipt_id)
    if receipt is None or not actor.can_see(receipt.municipality_id):
        raise NotFound(f"受付 {receipt_id} は見つかりません")
    return receipt


def receipt_for_code(*, session: Session, actor: Actor, code: str) -> Receipt:
    """The latest arrival of the form a page code names (the operator scans the paper in hand)."""
    actor.require(*CHECKERS)
    form = issued_form(session, actor, parse_code(code).form_id)
    receipt = session.exec(select(Receipt).where(Receipt.form_id == form.form_id)
                           .order_by(Receipt.arrival.desc())).first()
    if receipt is None:
        raise NotFound(f"様式 {form.form_id} はまだ受付されていません。先に受付してください。")
    return receipt


def check_by_hand(*, session: Session, actor: Actor, receipt: Receipt, ticked: Iterable[str],
                  attachment_pages: int) -> Verdict:
    """Judge `receipt` from the boxes the operator saw filled (`ticked`: field names, and
    `field=value` for a choice's option) and the attachment pages enclosed."""
    actor.require(*CHECKERS)
    if not actor.can_see(receipt.municipality_id):
        raise NotFound(f"受付 {receipt.id} は見つかりません")
    if session.exec(select(FieldReading.id).where(FieldReading.receipt_id == receipt.id)).first() is not None:
        raise Conflict(f"様式 {receipt.form_id} はすでに読み取り済みです。目視確認の画面で確認してください。")
    if not 0 <= attachment_pages <= MAX_ATTACHMENTS:
        raise InvalidInput(f"添付書類の枚数は0から{MAX_ATTACHMENTS}の数で入力してください")
    template = template_of(session, receipt)
    boxes = boxes_of(template)
    ticked = {key.strip() for key in ticked if key.strip()}
    unknown = ticked - {box_key(item, option) for item, option in boxes}
    if unknown:
        raise InvalidInput(f"この様式にない記入欄です: {'、'.join(sorted(unknown))}")
    now = utcnow()
    for item, option in boxes:
        state = State.filled if box_key(item, option) in ticked else State.blank
        session.add(FieldReading(receipt_id=receipt.id, scanned_page_id=None, municipality_id=receipt.municipality_id,
                                 field=item.name, option=option, kind=item.kind, machine_state=UNREAD,
                                 confirmed_state=state.value, confirmed_by=actor.username, confirmed_at=now))
    session.flush()
    record_audit(session=session, actor=actor, action="check_by_hand", entity="receipt", entity_id=receipt.id,
                 municipality_id=receipt.municipality_id,
                 detail=f"form={receipt.form_id} boxes={len(ticked)}/{len(boxes)} attachments={attachment_pages}")
    pages = {page.number for page in template.pages}
    return record_check(session=session, actor=actor, receipt=receipt, pages_present=pages,
                        attachment_pages=attachment_pages)
