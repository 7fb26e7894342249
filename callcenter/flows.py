"""The call center's steps on a household's decline (辞退): what an agent is asked to confirm
before recording one, and a supervisor's undo of a decline recorded in error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.ownership import owns
from secretariat.core.applications.service import application_for_household, transition
from secretariat.core.applications.states import LABELS_JA, TRANSITIONS, Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import today_jst
from secretariat.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from secretariat.core.households.models import Household
from secretariat.core.programmes.models import Programme

UNDOERS = (Role.supervisor, Role.system)


@dataclass(frozen=True)
class DeclinePreview:
    """What recording a decline will do, for the agent to read back to the caller before confirming."""

    household_number: str
    status_label: str  # the application's state now, in Japanese
    amount_yen: int
    undo_until: date  # the last day a supervisor may still undo it


def decline_preview(*, session: Session, actor: Actor, household: Household) -> DeclinePreview:
    """Refuses now what the decline itself would refuse (no application, or one past declining)."""
    if not actor.can_see(household.municipality_id):
        raise NotFound(f"no household {household.id}")
    application = application_for_household(session=session, household_id=household.id)
    if application is None:
        raise InvalidInput("この世帯には申請がないため、辞退を記録できません。")
    if Status.declined not in TRANSITIONS[Status(application.status)]:
        raise Conflict(f"申請の状態が「{LABELS_JA[Status(application.status)]}」のため、辞退を記録できません。")
    programme = session.get(Programme, application.programme_id)
    return DeclinePreview(household_number=household.household_number,
                          status_label=LABELS_JA[Status(application.status)], amount_yen=application.amount_yen,
                          undo_until=programme.deadline_date)


@owns([(Status.declined, target) for target in TRANSITIONS[Status.declined]])
def undo_decline(*, session: Session, actor: Actor, application: Application, reason: str) -> ApplicationEvent:
    """A supervisor takes back a decline recorded in error (the wrong household on the phone, a tick
    misread), with a reason, until the programme's deadline: the application returns to the state
    the decline took it from, as the decline's own event records."""
    if not actor.can_see(application.municipality_id):
        raise NotFound(f"no application {application.id}")
    if actor.role not in UNDOERS:
        raise PermissionDenied("辞退の取消はスーパーバイザーだけが行えます。")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("辞退を取り消す理由を入力してください。")
    if application.status != Status.declined.value:
        raise Conflict("この申請は辞退の状態ではないため、取り消せません。")
    programme = session.get(Programme, application.programme_id)
    if today_jst() > programme.deadline_date:
        raise Conflict(f"申請期限（{programme.deadline_date:%Y-%m-%d}）を過ぎたため、辞退は取り消せません。")
    decline = session.exec(select(ApplicationEvent)
                           .where(ApplicationEvent.application_id == application.id,
                                  ApplicationEvent.to_status == Status.declined.value)
                           .order_by(ApplicationEvent.at.desc(), ApplicationEvent.id.desc())).first()
    if decline is None:
        raise Conflict("辞退の記録が見つからないため、取り消せません。")
    back_to = Status(decline.from_status)
    event = transition(session=session, application=application, to=back_to, actor=actor,
                       reason=f"辞退の取消（{reason}）")
    record_audit(session=session, actor=actor, action="undo_decline", entity="application",
                 entity_id=application.id, municipality_id=application.municipality_id,
                 detail=f"declined->{back_to.value} decline_event={decline.id}")
    return event
