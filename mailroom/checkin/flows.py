"""Steps of the check that end an application rather than move it along: a decline written on the form.

A form whose 辞退 box is ticked and whose 受け取る box is not, and which is otherwise complete,
is the household's decline in writing: the application moves to declined with the scanned page
as evidence. Both boxes ticked, or neither, is a deficiency of the form (the template's
`exactly_one` rule) and the form goes back to the resident like any other. A declining form
that is deficient otherwise (no signature) also goes back: a decline needs the same signature.
"""

from __future__ import annotations

from sqlmodel import Session, select

from mailroom.checkin.models import FieldReading, Receipt, ScannedPage
from mailroom.scanning.verdict import FieldResult, State
from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.declines import record_decline
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role

DECLINE_FIELD = "decline"  # 辞退する
ACCEPT_FIELD = "receive"  # 受け取る


def declines(fields: dict[str, FieldResult]) -> bool:
    """Whether the form says 辞退 and not 受け取る (as read, or as an operator confirmed)."""
    decline, accept = fields.get(DECLINE_FIELD), fields.get(ACCEPT_FIELD)
    return (decline is not None and decline.state == State.filled
            and (accept is None or accept.state == State.blank))


def evidence_page(session: Session, receipt: Receipt) -> ScannedPage | None:
    """The scanned page that carries the 辞退 tick."""
    return session.exec(select(ScannedPage).join(FieldReading, FieldReading.scanned_page_id == ScannedPage.id)
                        .where(FieldReading.receipt_id == receipt.id, FieldReading.field == DECLINE_FIELD)).first()


def decline_on_paper(*, session: Session, actor: Actor, receipt: Receipt,
                     application: Application) -> ApplicationEvent:
    """Record the written decline (書面での辞退): checking → declined, naming the form and the scanned
    page on the timeline and in the audit, so anyone can open the page the decline rests on."""
    actor.require(Role.admin, Role.supervisor, Role.operator)  # whoever may check forms
    page = evidence_page(session, receipt)
    evidence = f"返送用紙 {receipt.form_id}" + (f"、読取画像 {page.id}" if page is not None else "")
    event = record_decline(session=session, actor=actor, application=application, evidence=f"書面で辞退（{evidence}）")
    record_audit(session=session, actor=actor, action="decline_on_paper", entity="receipt", entity_id=receipt.id,
                 municipality_id=receipt.municipality_id,
                 detail=f"form={receipt.form_id} scanned_page={page.id if page is not None else ''}")
    return event
