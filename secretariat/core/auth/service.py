"""Staff accounts, logging in (with throttling), browser sessions and API tokens.

Secrets (session cookies, API tokens) are random and only their SHA-256 is stored, so a
copy of the database does not let anyone log in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import case, delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.models import ApiToken, LoginAttempt, LoginSession, LoginThrottle, User
from secretariat.core.auth.passwords import hash_password, verify_password
from secretariat.core.auth.roles import LOGIN_ROLES, Role
from secretariat.core.clock import as_utc, utcnow
from secretariat.core.db import is_sqlite
from secretariat.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooManyAttempts
from secretariat.core.tenancy.models import Municipality
from secretariat.core.messages import label

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
API_TOKEN_PREFIX = "sct_"
# A whole call-center floor can sit behind one address, so an address gets more tries than an account.
ADDRESS_FAILURE_FACTOR = 4
THROTTLE_ACCOUNT, THROTTLE_ADDRESS = "username", "address"  # LoginThrottle.kind


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def actor_for(user: User, address: str | None = None) -> Actor:
    return Actor(username=user.username, role=Role(user.role), user_id=user.id,
                 municipality_id=user.municipality_id, address=address)


def parse_role(value: str) -> Role:
    try:
        role = Role(value)
    except ValueError:
        role = None
    if role not in LOGIN_ROLES:
        choices = "、".join(f"{label('role', r)}（{r.value}）" for r in LOGIN_ROLES)
        raise InvalidInput(f"役割「{value}」はありません。{choices}から選んでください")
    return role


def create_user(*, session: Session, actor: Actor, username: str, password: str, role: Role | str,
                display_name: str = "", municipality: Municipality | None = None) -> User:
    actor.require(Role.admin)
    role = parse_role(role) if isinstance(role, str) else role
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise InvalidInput(f"ユーザー名「{username}」は半角英小文字・数字・「.」「_」「-」の2〜64文字にしてください")
    if role is Role.liaison and municipality is None:
        raise InvalidInput("自治体担当者には担当する自治体を一つ指定してください（--municipality CODE）")
    if role is not Role.liaison and municipality is not None:
        raise InvalidInput(f"自治体を指定できるのは自治体担当者だけです（{label('role', role)}には指定できません）")
    if session.exec(select(User).where(User.username == username)).first():
        raise Conflict(f"ユーザー {username} はすでにあります")
    user = User(username=username, display_name=display_name.strip() or username, role=role.value,
                municipality_id=municipality.id if municipality else None, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    record_audit(session=session, actor=actor, action="create", entity="user", entity_id=user.id,
                 municipality_id=user.municipality_id, detail=f"role={role.value}")
    return user


def list_users(*, session: Session, actor: Actor) -> list[User]:
    actor.require(Role.admin)
    return list(session.exec(select(User).order_by(User.username)))


# --- staff management (スタッフ管理): admin only, each change audited -------------------------

def get_user(*, session: Session, actor: Actor, user_id: int) -> User:
    """A login an admin manages; to anyone who may not see its municipality it does not exist."""
    user = session.get(User, user_id)
    if user is None or not actor.can_see(user.municipality_id):
        raise NotFound(f"ユーザー {user_id} はいません")
    actor.require(Role.admin)
    return user


def _not_oneself(actor: Actor, user: User, what: str) -> None:
    """An admin never locks themself out: the last way back in would be the CLI."""
    if user.id == actor.user_id:
        raise Conflict(f"自分自身の{what}はできません。別の管理者に依頼してください。")


def _end_sessions(session: Session, user: User) -> None:
    for login in session.exec(select(LoginSession).where(LoginSession.user_id == user.id,
                                                         LoginSession.ended_at.is_(None))):
        login.ended_at = utcnow()
        session.add(login)


def set_user_active(*, session: Session, actor: Actor, user: User, active: bool) -> User:
    """Disable (無効化) a login, ending its sessions, or enable it again."""
    actor.require(Role.admin)
    if not active:
        _not_oneself(actor, user, "無効化")
    if user.active == active:
        return user
    user.active = active
    session.add(user)
    if not active:
        _end_sessions(session, user)
    record_audit(session=session, actor=actor, action="enable" if active else "disable", entity="user",
                 entity_id=user.id, municipality_id=user.municipality_id)
    return user


def reset_password(*, session: Session, actor: Actor, user: User, password: str) -> User:
    """A new password an admin gives the user (in person or by phone); their open sessions end."""
    actor.require(Role.admin)
    user.password_hash = hash_password(password)
    session.add(user)
    _end_sessions(session, user)
    record_audit(session=session, actor=actor, action="reset_password", entity="user", entity_id=user.id,
                 municipality_id=user.municipality_id)
    return user


def change_role(*, session: Session, actor: Actor, user: User, role: Role | str,
                municipality: Municipality | None = None) -> User:
    """A new role (and, for a liaison, the municipality they serve); their open sessions end so the
    new role's pages apply at their next login."""
    actor.require(Role.admin)
    role = parse_role(role) if isinstance(role, str) else role
    if role is Role.liaison and municipality is None:
        raise InvalidInput("自治体担当者には担当する自治体を一つ指定してください")
    if role is not Role.liaison:
        municipality = None
    municipality_id = municipality.id if municipality else None
    if (user.role, user.municipality_id) == (role.value, municipality_id):
        return user
    _not_oneself(actor, user, "役割の変更")
    before = f"role={user.role} municipality_id={user.municipality_id}"
    user.role, user.municipality_id = role.value, municipality_id
    session.add(user)
    _end_sessions(session, user)
    record_audit(session=session, actor=actor, action="change_role", entity="user", entity_id=user.id,
                 municipality_id=municipality_id,
                 detail=f"{before} -> role={role.value} municipality_id={municipality_id}")
    return user


def authenticate(*, session: Session, username: str, password: str, address: str,
                 max_failures: int, lockout_minutes: int) -> User:
    """The user, if the password is right and neither the account nor the address is locked out.

    Each attempt counts as a failure, committed before its password is checked (this commits
    `session`), so simultaneous attempts each see their own number and no more than
    `max_failures` passwords are checked in a row however many arrive at once; a success clears
    the account's and the address's counts. During a lockout no password is checked at all, so
    guessing then learns nothing. Every attempt is also kept as a `LoginAttempt` for the security
    review, in the caller's transaction, which must commit even on failure.
    """
    username, address = username.strip().lower()[:64], address[:64]
    account_failures, address_failures = _count_attempt(session, username, address, lockout_minutes)
    if account_failures > max_failures or address_failures > max_failures * ADDRESS_FAILURE_FACTOR:
        session.add(LoginAttempt(username=username, address=address, succeeded=False))
        raise TooManyAttempts(f"ログインの失敗が続いたため、一時的にログインできません。"
                              f"{lockout_minutes}分後にもう一度お試しください。")
    user = session.exec(select(User).where(User.username == username)).first()
    stored_hash, active = (user.password_hash, user.active) if user else (None, False)
    session.commit()  # the connection goes back to the pool while argon2 works (tens of milliseconds)
    ok = verify_password(stored_hash, password) and user is not None and active
    session.add(LoginAttempt(username=username, address=address, succeeded=ok))
    if not ok:
        raise PermissionDenied("ユーザー名またはパスワードが違います。")
    session.exec(delete(LoginThrottle).where(_throttle_row(THROTTLE_ACCOUNT, username)
                                             | _throttle_row(THROTTLE_ADDRESS, address)))
    record_audit(session=session, actor=actor_for(user, address), action="login", entity="user", entity_id=user.id,
                 municipality_id=user.municipality_id)
    return user


def _count_attempt(session: Session, username: str, address: str, lockout_minutes: int) -> tuple[int, int]:
    """Count one more failure for the account and for the address, committed; returns both counts.

    A count starts again from one once `lockout_minutes` have passed without a failure. One
    INSERT … ON CONFLICT DO UPDATE … RETURNING per row (SQLite 3.35+, PostgreSQL) both counts
    and reads, so no other attempt can slip in between.
    """
    now = utcnow()
    since = now - timedelta(minutes=lockout_minutes)
    upsert = sqlite_insert if is_sqlite(session.get_bind()) else postgresql_insert
    table = LoginThrottle.__table__
    counts = []
    for kind, subject in ((THROTTLE_ACCOUNT, username), (THROTTLE_ADDRESS, address)):
        statement = upsert(table).values(kind=kind, subject=subject, failures=1, last_failure_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.kind, table.c.subject],
            set_={"failures": case((table.c.last_failure_at < since, 1), else_=table.c.failures + 1),
                  "last_failure_at": statement.excluded.last_failure_at})
        counts.append(session.exec(statement.returning(table.c.failures)).scalar_one())
    session.commit()
    return counts[0], counts[1]


def _throttle_row(kind: str, subject: str):
    return (LoginThrottle.kind == kind) & (LoginThrottle.subject == subject)


def start_session(*, session: Session, user: User, address: str, hours: int) -> str:
    """A new browser session; returns the cookie value (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(user_id=user.id, token_hash=_digest(token), address=address[:64],
                             expires_at=utcnow() + timedelta(hours=hours)))
    return token


def user_for_session(*, session: Session, token: str) -> User | None:
    """The user of a live browser session. Every page asks, so the session and its user are read in
    one statement."""
    found = session.exec(select(LoginSession, User).join(User, User.id == LoginSession.user_id)
                         .where(LoginSession.token_hash == _digest(token))).first()
    if found is None:
        return None
    login, user = found
    if login.ended_at is not None or as_utc(login.expires_at) <= utcnow():
        return None
    return user if user.active else None


def end_session(*, session: Session, token: str) -> None:
    login = session.exec(select(LoginSession).where(LoginSession.token_hash == _digest(token))).first()
    if login and login.ended_at is None:
        login.ended_at = utcnow()
        session.add(login)


def issue_api_token(*, session: Session, actor: Actor, user: User, name: str) -> str:
    """A new API token for `user`; the plaintext is returned once and never stored."""
    actor.require(Role.admin)
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name.strip() or "token", token_hash=_digest(token))
    session.add(row)
    session.flush()
    record_audit(session=session, actor=actor, action="create", entity="api_token", entity_id=row.id,
                 municipality_id=user.municipality_id, detail=f"user_id={user.id}")
    return token


def user_for_api_token(*, session: Session, token: str) -> User | None:
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _digest(token),
                                              ApiToken.revoked_at.is_(None))).first()
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if not user or not user.active:
        return None
    row.last_used_at = utcnow()
    session.add(row)
    return user


def find_user(*, session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        raise InvalidInput(f"ユーザー「{username.strip()}」はいません")
    return user

