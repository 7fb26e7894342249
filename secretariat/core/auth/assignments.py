"""The programmes each call-center agent serves (担当事業): an agent sees those programmes' households only.

Supervisors and admins see every programme, liaisons their municipality's; an agent with no
programme sees no household at all, and is told so. An admin assigns them, audited. Checks and
queries read them from the store once per transaction (`in_view`, `programmes_served`; `Actor.scope`
asks within its statement), so a change applies at the agent's next page.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.models import StaffProgramme, User
from secretariat.core.auth.roles import Role
from secretariat.core.errors import InvalidInput, NotFound, PermissionDenied
from secretariat.core.messages import label
from secretariat.core.programmes.models import Programme

UNASSIGNED_JA = "担当する事業が割り当てられていません。管理者に連絡してください"


_SERVED = "secretariat.programmes_served"  # session.info: user id -> programme ids, for one transaction


def programmes_served(session: Session, user_id: int) -> list[int]:
    """The ids of the programmes a member of staff serves, in order.

    An agent's page asks several times (the search, the record, each check), so the answer is kept
    for the rest of the session's transaction (`session.info`) and forgotten when it ends: each page
    still reads the store afresh, and an admin's change applies at the agent's next page."""
    served = session.info.setdefault(_SERVED, {})
    if user_id not in served:
        served[user_id] = list(session.exec(select(StaffProgramme.programme_id)
                                            .where(StaffProgramme.user_id == user_id)
                                            .order_by(StaffProgramme.programme_id)))
    return list(served[user_id])


@event.listens_for(OrmSession, "after_transaction_end")  # every session, SQLModel's or not
def _forget_served(session: OrmSession, _transaction) -> None:
    """A commit or a rollback (of a savepoint too) ends what `programmes_served` kept."""
    session.info.pop(_SERVED, None)


def in_view(session: Session, actor: Actor, municipality_id: int, programme_id: int) -> bool:
    """Whether a row of this municipality's programme is in the actor's view: their tenancy, and for
    an agent one of the programmes they serve (asked of the store once per transaction)."""
    if not actor.can_see(municipality_id):
        return False
    return not actor.is_programme_bound or programme_id in programmes_served(session, actor.user_id)


def require_assignment(session: Session, actor: Actor) -> None:
    """An agent with no programme is told why nothing can be found, rather than shown 「該当なし」
    (which they might repeat to a caller who is on a list)."""
    if actor.is_programme_bound and not programmes_served(session, actor.user_id):
        raise PermissionDenied(UNASSIGNED_JA)


def assign_programmes(session: Session, *, actor: Actor, user_id: int, programme_ids: Iterable[int]) -> list[int]:
    """The programmes `user_id` serves from now on (the whole set, replacing the last); returns them."""
    actor.require(Role.admin)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"ユーザー {user_id} はいません")
    wanted = sorted(set(programme_ids))
    if wanted and user.role != Role.agent.value:
        raise InvalidInput(f"担当事業を割り当てられるのは{label('role', Role.agent)}だけです"
                           f"（{user.username} は{label('role', user.role)}です）")
    known = set(session.exec(select(Programme.id).where(Programme.id.in_(wanted)))) if wanted else set()
    if unknown := [str(programme_id) for programme_id in wanted if programme_id not in known]:
        raise InvalidInput(f"事業 {'、'.join(unknown)} はありません")
    session.info.pop(_SERVED, None)  # read what is stored now, and forget it once changed
    before = programmes_served(session, user_id)
    if before == wanted:
        return wanted
    session.exec(delete(StaffProgramme).where(StaffProgramme.user_id == user_id,
                                              StaffProgramme.programme_id.not_in(wanted)))
    session.add_all(StaffProgramme(user_id=user_id, programme_id=programme_id)
                    for programme_id in wanted if programme_id not in before)
    session.flush()
    session.info.pop(_SERVED, None)
    record_audit(session=session, actor=actor, action="assign_programmes", entity="user", entity_id=user_id,
                 detail=f"programmes={_ids(before)} -> {_ids(wanted)}")
    return wanted


def _ids(programme_ids: list[int]) -> str:
    return ",".join(map(str, programme_ids)) or "-"
