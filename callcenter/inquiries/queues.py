"""The call center's worked queues: call-backs the secretariat owes (折り返し), closed by the agent
who makes the call with what came of it, and new addresses residents gave by phone (住所変更の
連絡), which the municipality confirms (the household's address is updated) or rejects.

Both lists are oldest first and leave the queue once closed; each closing is audited, without the
address or the phone number in the audit's words.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from callcenter.inquiries.models import AddressChange, Callback, Inquiry
from callcenter.inquiries.service import AGENTS
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.assignments import in_view
from secretariat.core.auth.roles import Role
from secretariat.core.clock import utcnow
from secretariat.core.errors import Conflict, InvalidInput, NotFound
from secretariat.core.households.models import Household

ADDRESS_DECIDERS = (Role.liaison, Role.supervisor, Role.admin)
RESOLUTIONS_JA = {"confirmed": "確認済み（住所を更新）", "rejected": "確認できず"}
NOTE_MAX = 300  # characters of a call-back's outcome or a resolution's note (the inputs' maxlength says the same)


def open_callbacks(*, session: Session, actor: Actor) -> list[Callback]:
    actor.require(*AGENTS)
    return list(session.exec(select(Callback).where(Callback.done_at.is_(None),
                                                    actor.scope(Callback.municipality_id, _programme_of(Callback)))
                             .order_by(Callback.due_at, Callback.id)))


def _programme_of(callback):
    """A call-back's programme: its inquiry's (an agent sees the call-backs of the programmes they serve)."""
    return select(Inquiry.programme_id).where(Inquiry.id == callback.inquiry_id).scalar_subquery()


def get_callback(*, session: Session, actor: Actor, callback_id: int) -> Callback:
    callback = session.get(Callback, callback_id)
    if callback is None or not in_view(session, actor, callback.municipality_id,
                                       session.get(Inquiry, callback.inquiry_id).programme_id):
        raise NotFound(f"折り返し {callback_id} はありません")
    return callback


def complete_callback(*, session: Session, actor: Actor, callback: Callback, outcome: str,
                      at: datetime | None = None) -> Callback:
    """The agent made the call: what came of it closes the call-back."""
    actor.require(*AGENTS)
    if callback.done_at is not None:
        raise Conflict(f"この折り返しは {callback.done_by} が完了しています")
    outcome = outcome.strip()
    if not outcome:
        raise InvalidInput("折り返しの結果を入力してください（例: 本人と話し、再発行を受け付けた）")
    if len(outcome) > NOTE_MAX:
        raise InvalidInput(f"折り返しの結果は{NOTE_MAX}文字以内で入力してください（今は{len(outcome):,}文字です）。")
    callback.done_at, callback.done_by, callback.outcome = at or utcnow(), actor.username, outcome
    session.add(callback)
    record_audit(session=session, actor=actor, action="callback_done", entity="callback", entity_id=callback.id,
                 municipality_id=callback.municipality_id, detail=f"inquiry={callback.inquiry_id}")
    session.flush()
    return callback


def open_address_changes(*, session: Session, actor: Actor) -> list[AddressChange]:
    actor.require(*ADDRESS_DECIDERS)
    return list(session.exec(select(AddressChange).where(AddressChange.resolved_at.is_(None),
                                                         actor.scope(AddressChange.municipality_id))
                             .order_by(AddressChange.noted_at, AddressChange.id)))


def get_address_change(*, session: Session, actor: Actor, change_id: int) -> AddressChange:
    change = session.get(AddressChange, change_id)
    if change is None or not actor.can_see(change.municipality_id):
        raise NotFound(f"住所変更の連絡 {change_id} はありません")
    return change


def resolve_address_change(*, session: Session, actor: Actor, change: AddressChange, resolution: str,
                           note: str = "") -> AddressChange:
    """The municipality's answer: confirmed (the household's address becomes the new one, for any
    letter from now on) or rejected (with a note saying why)."""
    actor.require(*ADDRESS_DECIDERS)
    if resolution not in RESOLUTIONS_JA:
        raise InvalidInput("結果は 確認済み か 確認できず を選んでください")
    if change.resolved_at is not None:
        raise Conflict(f"この住所変更は {change.resolved_by} が処理済みです")
    if resolution == "rejected" and not note.strip():
        raise InvalidInput("確認できなかった理由を入力してください")
    if len(note.strip()) > NOTE_MAX:
        raise InvalidInput(f"メモは{NOTE_MAX}文字以内で入力してください（今は{len(note.strip()):,}文字です）。")
    if resolution == "confirmed":
        household = session.get(Household, change.household_id)
        household.postal_code, household.address, household.address_extra = change.postal_code, change.address, ""
        session.add(household)
    change.resolved_at, change.resolved_by = utcnow(), actor.username
    change.resolution, change.resolution_note = resolution, note.strip()
    session.add(change)
    record_audit(session=session, actor=actor, action=f"address_change_{resolution}", entity="household",
                 entity_id=change.household_id, municipality_id=change.municipality_id, detail=f"change={change.id}")
    session.flush()
    return change
