"""Writing and reading the audit trail."""

from sqlmodel import Session, select

from secretariat.core.audit.models import AuditEvent
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role


def record_audit(*, session: Session, actor: Actor, action: str, entity: str, entity_id: int | None = None,
                 municipality_id: int | None = None, detail: str = "") -> None:
    """Add an audit row to the caller's transaction, so it commits or rolls back with the change."""
    session.add(AuditEvent(user_id=actor.user_id, username=actor.username, role=actor.role.value,
                           address=actor.address or "", action=action, entity=entity, entity_id=entity_id,
                           municipality_id=municipality_id, detail=detail[:1000]))


def list_audit(*, session: Session, actor: Actor, limit: int = 200, entity: str | None = None,
               entity_id: int | None = None) -> list[AuditEvent]:
    actor.require(Role.admin, Role.supervisor)
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    return list(session.exec(query))
