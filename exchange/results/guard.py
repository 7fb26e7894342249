"""An exported payment batch is immutable: the bank loaded that file, so the record must match it.

Installed on import of `exchange.models`. Results (paid, failed) may still be written to an
exported batch's lines; what was paid, to whom and how much may not change.
"""

from sqlalchemy import event, inspect
from sqlmodel import Session

from exchange.results.models import PaymentBatch, PaymentLine
from secretariat.core.errors import Conflict

FROZEN_LINE_FIELDS = ("bank_code", "branch_code", "account_type", "account_number", "recipient_kana",
                      "amount_yen", "application_id", "batch_id")


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_exported(session, _context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, PaymentBatch):
            state = inspect(obj)
            exported_before = state.attrs.exported_at.history.deleted or (
                [obj.exported_at] if obj.exported_at and not state.attrs.exported_at.history.added else [])
            if any(exported_before) and (obj in session.deleted or any(
                    state.attrs[name].history.has_changes() for name in state.attrs.keys())):
                raise Conflict(f"payment batch {obj.id} was exported; it cannot be changed")
        if isinstance(obj, PaymentLine):
            state = inspect(obj)
            if obj in session.deleted or any(state.attrs[name].history.has_changes() for name in FROZEN_LINE_FIELDS):
                batch = session.get(PaymentBatch, obj.batch_id)
                if batch is not None and batch.exported_at is not None:
                    raise Conflict(f"payment batch {batch.id} was exported; its lines cannot be changed")
