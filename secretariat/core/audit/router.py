"""The audit trail, for admins and supervisors."""

from fastapi import APIRouter, Request

from secretariat.core.audit.service import list_audit
from secretariat.core.web.deps import CurrentActor, DbSession
from secretariat.core.web.templating import render

router = APIRouter()


@router.get("/audit")
def audit_page(request: Request, session: DbSession, actor: CurrentActor, entity: str = "",
               entity_id: int | None = None):
    events = list_audit(session=session, actor=actor, entity=entity or None, entity_id=entity_id)
    return render(request, "audit.html", actor=actor, events=events, entity=entity, entity_id=entity_id)
