"""辞退: a household declines its benefit. One step, whichever way the decline came (a call to the
center, a tick on the returned form): the channel's own flow authorises its actor and says what
the decline rests on, and this flow records it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.ownership import into, owns
from secretariat.core.applications.service import transition
from secretariat.core.applications.states import Status
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.errors import InvalidInput

DECLINERS = (Role.agent, Role.operator, Role.supervisor, Role.admin)


@owns(into(Status.declined))
def record_decline(*, session: Session, actor: Actor, application: Application, evidence: str,
                   at: datetime | None = None) -> ApplicationEvent:
    """Move the application to declined; `evidence` (the call, the form and its scanned page) goes on
    its timeline, so anyone can find what the decline rests on."""
    actor.require(*DECLINERS)
    if not evidence.strip():
        raise InvalidInput("辞退の根拠（通話や返送用紙）がありません")
    return transition(session=session, application=application, to=Status.declined, actor=actor,
                      reason=evidence, at=at)
