"""Managing drop accounts: one per municipality, its public keys, its default programme."""

from __future__ import annotations

import base64
import re

import paramiko
from sqlmodel import Session, select

from exchange.drop.models import DropAccount
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.errors import Conflict, InvalidInput
from secretariat.core.programmes.models import Programme
from secretariat.core.tenancy.models import Municipality

_USERNAME = re.compile(r"^[a-z][a-z0-9_-]{2,59}$")
KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa")


def checked_key(line: str) -> str:
    """An OpenSSH public key line, checked to parse, without its comment."""
    words = line.split()
    if len(words) < 2 or words[0] not in KEY_TYPES:
        raise InvalidInput(f"not an OpenSSH public key line (expected one of {', '.join(KEY_TYPES)})")
    try:
        paramiko.PKey.from_type_string(words[0], base64.b64decode(words[1]))
    except Exception:  # noqa: BLE001 - any parse failure means the same thing to the admin
        raise InvalidInput("the public key does not parse; copy the whole line of the .pub file") from None
    return f"{words[0]} {words[1]}"


def create_drop_account(*, session: Session, actor: Actor, municipality: Municipality, username: str,
                        public_keys: list[str], programme: Programme | None = None) -> DropAccount:
    actor.require(Role.admin)
    if not _USERNAME.match(username):
        raise InvalidInput("a drop username is 3-60 lower-case letters, digits, - or _, starting with a letter")
    if session.exec(select(DropAccount).where((DropAccount.username == username)
                                              | (DropAccount.municipality_id == municipality.id))).first():
        raise Conflict(f"municipality {municipality.code} or username {username} already has a drop account")
    if programme is not None and programme.municipality_id != municipality.id:
        raise InvalidInput(f"programme {programme.id} is not {municipality.code}'s")
    keys = [checked_key(line) for line in public_keys if line.strip()]
    if not keys:
        raise InvalidInput("a drop account needs at least one public key (passwords are not accepted)")
    account = DropAccount(municipality_id=municipality.id, username=username, authorized_keys="\n".join(keys),
                          default_programme_id=programme.id if programme else None)
    session.add(account)
    session.flush()
    record_audit(session=session, actor=actor, action="create", entity="drop_account", entity_id=account.id,
                 municipality_id=municipality.id, detail=f"username={username} keys={len(keys)}")
    return account
