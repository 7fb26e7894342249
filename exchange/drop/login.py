"""Who is logged in on a drop connection, and the digest its files are checked by.

Shared by the SSH server and by the jobs that import what it took: a worker importing a dropped
file needs these, not the server (nor paramiko, a fifth of a second to import).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from exchange.drop.models import DropAccount
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role


@dataclass(frozen=True)
class Login:
    """Who is logged in on one connection: their account, tenant and drop folder."""

    username: str
    account_id: int
    municipality_id: int
    municipality_code: str
    default_programme_id: int | None
    root: Path
    address: str

    def actor(self) -> Actor:
        return Actor(username=f"sftp:{self.username}", role=Role.liaison, municipality_id=self.municipality_id,
                     address=self.address)


def login_of(account: DropAccount, municipality_code: str, root: Path, address: str) -> Login:
    return Login(username=account.username, account_id=account.id, municipality_id=account.municipality_id,
                 municipality_code=municipality_code, default_programme_id=account.default_programme_id,
                 root=root, address=address)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
