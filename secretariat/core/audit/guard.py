"""The ORM half of the audit trail's append-only rule (the database triggers are the other)."""

from sqlalchemy import event

from secretariat.core.audit.models import AuditEvent


class AuditTamperingRefused(RuntimeError):
    pass


def _refuse(_mapper, _connection, _target) -> None:
    raise AuditTamperingRefused("audit rows are append-only: they cannot be changed or deleted")


event.listen(AuditEvent, "before_update", _refuse)
event.listen(AuditEvent, "before_delete", _refuse)
