"""Steps of the target-list exchange that change an application's status, each authorising its own actor."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from secretariat.core.applications.models import Application
from secretariat.core.applications.ownership import into, owns
from secretariat.core.applications.service import transition
from secretariat.core.applications.states import Status
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.errors import NotFound


@owns(into(Status.ineligible))
def end_removed_household(*, session: Session, actor: Actor, application: Application, reason: str,
                          at: datetime | None = None) -> None:
    """A delta (異動分) removed a household's last person before its form reached them: the
    application ends as ineligible (対象外).

    The municipality decides who is eligible, so its liaison may end its own households this way
    (and staff who import on its behalf); the generic status route stays closed to liaisons."""
    actor.require(Role.admin, Role.supervisor, Role.liaison)
    if not actor.can_see(application.municipality_id):
        raise NotFound.of("申請", application.id)
    transition(session=session, application=application, to=Status.ineligible, actor=actor, reason=reason, at=at)
