"""Refuses any flush that changes an application's status outside `service.transition`.

`transition` records the change it authorises in `session.info`; a status change without
such a record (for example `application.status = "paid"` in some route) fails loudly
instead of silently skipping the state table and the timeline.
"""

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from secretariat.core.applications.models import Application

AUTHORISED_KEY = "authorised_status_changes"


class UnauthorisedStatusChange(RuntimeError):
    pass


def authorise(session: Session, application: Application, status: str) -> None:
    session.info.setdefault(AUTHORISED_KEY, {})[id(application)] = status


@event.listens_for(Session, "before_flush")
def _check_status_changes(session: Session, _context, _instances) -> None:
    authorised: dict[int, str] = session.info.get(AUTHORISED_KEY, {})
    for instance in session.dirty:
        if not isinstance(instance, Application):
            continue
        if not inspect(instance).attrs.status.history.has_changes():
            continue
        if authorised.get(id(instance)) != instance.status:
            raise UnauthorisedStatusChange(
                f"application {instance.id}: status may only change through applications.service.transition")
    authorised.clear()
