"""Refuses any flush that changes an application's status outside `service.transition`.

`transition` (and `transition_all`) store a step with their own conditional UPDATE and tell the
loaded object its new status as already stored, so a status the ORM would flush was set some
other way (for example `application.status = "paid"` in some route): it fails loudly instead of
silently skipping the state table and the timeline.
"""

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from secretariat.core.applications.models import Application


class UnauthorisedStatusChange(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _check_status_changes(session: Session, _context, _instances) -> None:
    for instance in session.dirty:
        if isinstance(instance, Application) and inspect(instance).attrs.status.history.has_changes():
            raise UnauthorisedStatusChange(
                f"application {instance.id}: status may only change through applications.service.transition")
