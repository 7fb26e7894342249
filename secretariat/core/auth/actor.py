"""Who is acting, passed explicitly into every service call.

An `Actor` carries the tenancy scope (a liaison's one municipality, or none for secretariat
staff), the role, and the network address for the audit trail. Services never look it up
from globals.
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

    @property
    def is_tenant_bound(self) -> bool:
        return self.role is Role.liaison

    def can_see(self, municipality_id: int | None) -> bool:
        return not self.is_tenant_bound or municipality_id == self.municipality_id

    def scope(self, municipality_column) -> ColumnElement[bool]:
        """A WHERE clause limiting a query to what this actor may see."""
        # imported here so that the CLI's system actor does not load SQLAlchemy at start-up
        from sqlalchemy import true

        if self.is_tenant_bound:
            return municipality_column == self.municipality_id
        return true()

    def require(self, *roles: Role) -> None:
        if self.role not in roles and self.role is not Role.system:
            raise PermissionDenied(f"{label('role', self.role)}（{self.role.value}）の役割ではこの操作はできません")

    def require_staff_admin(self) -> None:
        self.require(Role.admin)
