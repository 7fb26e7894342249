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
        raise InvalidInput(f"OpenSSH の公開鍵の行ではありません（行の先頭は {'、'.join(KEY_TYPES)} のいずれかです）")
    try:
        paramiko.PKey.from_type_string(words[0], base64.b64decode(words[1]))
    except Exception:  # noqa: BLE001 - any parse failure means the same thing to the admin
        raise InvalidInput("公開鍵を読み取れません。.pub ファイルの1行をそのまま貼り付けてください") from None
    return f"{words[0]} {words[1]}"


def create_drop_account(*, session: Session, actor: Actor, municipality: Municipality, username: str,
                        public_keys: list[str], programme: Programme | None = None) -> DropAccount:
    actor.require(Role.admin)
    if not _USERNAME.match(username):
        raise InvalidInput("SFTPのユーザー名は、英小文字で始まる3〜60文字の英小文字・数字・「-」「_」にしてください")
    if session.exec(select(DropAccount).where((DropAccount.username == username)
                                              | (DropAccount.municipality_id == municipality.id))).first():
        raise Conflict(f"自治体 {municipality.code} またはユーザー名 {username} のSFTPアカウントはすでにあります")
    if programme is not None and programme.municipality_id != municipality.id:
        raise InvalidInput(f"事業 {programme.id} は自治体 {municipality.code} の事業ではありません")
    keys = [checked_key(line) for line in public_keys if line.strip()]
    if not keys:
        raise InvalidInput("SFTPアカウントには公開鍵を1つ以上登録してください（パスワードでは接続できません）")
    account = DropAccount(municipality_id=municipality.id, username=username, authorized_keys="\n".join(keys),
                          default_programme_id=programme.id if programme else None)
    session.add(account)
    session.flush()
    record_audit(session=session, actor=actor, action="create", entity="drop_account", entity_id=account.id,
                 municipality_id=municipality.id, detail=f"username={username} keys={len(keys)}")
    return account
