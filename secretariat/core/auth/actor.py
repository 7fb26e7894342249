"""Who is acting, passed explicitly into every service call.

An `Actor` carries the tenancy scope (a liaison's one municipality, or none for secretariat
staff), the role, and the network address for the audit trail. Services never look it up
from globals. A call-center agent is further limited to the programmes they serve (担当事業,
`auth.assignments`), read from the store whenever a query or a check needs them, so an
admin's change applies at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from secretariat.core.auth.roles import Role
from secretariat.core.errors import PermissionDenied
from secretariat.core.messages import label

if TYPE_CHECKING:
    from sqlalchemy.sql.elements import ColumnElement


@dataclass(frozen=True)
class Actor:
    username: str
    role: Role
    user_id: int | None = None
    municipality_id: int | None = None
    address: str | None = None

    @classmethod
    def system(cls, job: str) -> "Actor":
        return cls(username=f"system:{job}", role=Role.system)

    def acting_as(self, job: str) -> "Actor":
        """The system actor a step takes for this actor (a move the product makes on someone's file):
        `system:job:username`; an actor that is already the system's stays itself, so the name never
        doubles (system:exchange:system:exchange:…)."""
        return self if self.role is Role.system else Actor.system(f"{job}:{self.username}")

    @property
    def is_tenant_bound(self) -> bool:
        return self.role is Role.liaison

    @property
    def is_programme_bound(self) -> bool:
        """Only an agent sees by programme: the households of the programmes they serve."""
        return self.role is Role.agent

    def can_see(self, municipality_id: int | None) -> bool:
        """Tenancy only; for a row of a programme use `auth.assignments.in_view`, which also asks an
        agent's programmes."""
        return not self.is_tenant_bound or municipality_id == self.municipality_id

    def scope(self, municipality_column, programme_column=None) -> ColumnElement[bool]:
        """A WHERE clause limiting a query to what this actor may see; pass the rows' programme
        (a column or a scalar subquery) wherever they belong to one, so an agent's view narrows."""
        # imported here so that the CLI's system actor does not load SQLAlchemy at start-up
        from sqlalchemy import and_, select, true

        from secretariat.core.auth.models import StaffProgramme

        clauses = []
        if self.is_tenant_bound:
            clauses.append(municipality_column == self.municipality_id)
        if programme_column is not None and self.is_programme_bound:
            clauses.append(programme_column.in_(
                select(StaffProgramme.programme_id).where(StaffProgramme.user_id == self.user_id)))
        return and_(true(), *clauses)

    def require(self, *roles: Role) -> None:
        if self.role not in roles and self.role is not Role.system:
            raise PermissionDenied(f"{label('role', self.role)}（{self.role.value}）の役割ではこの操作はできません")

    def require_staff_admin(self) -> None:
        self.require(Role.admin)
