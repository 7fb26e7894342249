"""Maker-checker (作成者と承認者の分離): the one rule every list that moves money passes before approval.

A payment list (振込データ) and a gift-code list (ギフトコード割当) are each prepared by one person and
approved by another; only a list still waiting for approval can be approved.
"""

from __future__ import annotations

from typing import Protocol

from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.errors import Conflict, NotFound, PermissionDenied
from secretariat.core.messages import label

APPROVERS = (Role.admin, Role.supervisor, Role.liaison)


class Approvable(Protocol):
    id: int | None
    municipality_id: int
    status: str
    prepared_by: str


def check_approver(*, actor: Actor, batch: Approvable, kind: str) -> None:
    """Refuse unless `actor` may approve `batch`: an approving role that sees its municipality, the batch
    still prepared, and the actor not the one who prepared it. `kind` is the batch's catalogue kind
    (`payment_batch`, `giftcode_batch`): it names the list and its states in Japanese."""
    actor.require(*APPROVERS)
    what = label("audit_entity", kind)
    if not actor.can_see(batch.municipality_id):
        raise NotFound.of(what, batch.id)
    if batch.status != "prepared":
        raise Conflict(f"{what} {batch.id} は「{label(kind, 'prepared')}」ではないため承認できません"
                       f"（現在: {label(kind, batch.status)}）")
    if actor.username == batch.prepared_by:
        raise PermissionDenied(f"{what} {batch.id} は {actor.username} さんが作成したため、同じ人は承認できません。"
                               "別の担当者に承認を依頼してください")
