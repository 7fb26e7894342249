"""Staff accounts, logging in (with throttling), browser sessions and API tokens.

Secrets (session cookies, API tokens) are random and only their SHA-256 is stored, so a
copy of the database does not let anyone log in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.models import ApiToken, LoginAttempt, LoginSession, User
from secretariat.core.auth.passwords import hash_password, verify_password
from secretariat.core.auth.roles import LOGIN_ROLES, Role
from secretariat.core.clock import as_utc, utcnow
from secretariat.core.errors import Conflict, InvalidInput, PermissionDenied, TooManyAttempts
from secretariat.core.tenancy.models import Municipality

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
API_TOKEN_PREFIX = "sct_"
# A whole call-center floor can sit behind one address, so an address gets more tries than an account.
ADDRESS_FAILURE_FACTOR = 4


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
        raise InvalidInput(f"unknown role {value!r}; choose from {', '.join(r.value for r in LOGIN_ROLES)}")
    return role


def create_user(*, session: Session, actor: Actor, username: str, password: str, role: Role | str,
                display_name: str = "", municipality: Municipality | None = None) -> User:
    actor.require(Role.admin)
    role = parse_role(role) if isinstance(role, str) else role
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise InvalidInput(f"username {username!r} must be 2-64 characters of a-z, 0-9, '.', '_' or '-'")
    if role is Role.liaison and municipality is None:
        raise InvalidInput("a liaison must be bound to exactly one municipality (--municipality CODE)")
    if role is not Role.liaison and municipality is not None:
        raise InvalidInput(f"only a liaison is bound to a municipality, not a {role.value}")
    if session.exec(select(User).where(User.username == username)).first():
        raise Conflict(f"user {username} already exists")
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


def authenticate(*, session: Session, username: str, password: str, address: str,
                 max_failures: int, lockout_minutes: int) -> User:
    """The user, if the password is right and neither the account nor the address is locked out.

    The lockout is checked before the password, so guessing during a lockout learns nothing.
    Every attempt is recorded (in the caller's transaction, which must commit even on failure).
    """
    username = username.strip().lower()
    since = utcnow() - timedelta(minutes=lockout_minutes)
    if _recent_failures(session, LoginAttempt.username == username, since) >= max_failures or \
            _recent_failures(session, LoginAttempt.address == address, since) >= max_failures * ADDRESS_FAILURE_FACTOR:
        session.add(LoginAttempt(username=username[:64], address=address[:64], succeeded=False))
        raise TooManyAttempts(f"too many failed logins; try again in {lockout_minutes} minutes")
    user = session.exec(select(User).where(User.username == username)).first()
    ok = verify_password(user.password_hash if user else None, password) and user is not None and user.active
    session.add(LoginAttempt(username=username[:64], address=address[:64], succeeded=ok))
    if not ok:
        raise PermissionDenied("wrong username or password")
    record_audit(session=session, actor=actor_for(user, address), action="login", entity="user", entity_id=user.id,
                 municipality_id=user.municipality_id)
    return user


def _recent_failures(session: Session, who, since) -> int:
    """Failures since the later of the lockout window's start and the last success."""
    last_success = session.exec(select(func.max(LoginAttempt.at)).where(who, LoginAttempt.succeeded.is_(True))).one()
    start = max(since, as_utc(last_success)) if last_success else since
    return session.exec(select(func.count()).where(who, LoginAttempt.succeeded.is_(False),
                                                   LoginAttempt.at > start)).one()


def start_session(*, session: Session, user: User, address: str, hours: int) -> str:
    """A new browser session; returns the cookie value (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(user_id=user.id, token_hash=_digest(token), address=address[:64],
                             expires_at=utcnow() + timedelta(hours=hours)))
    return token


def user_for_session(*, session: Session, token: str) -> User | None:
    login = session.exec(select(LoginSession).where(LoginSession.token_hash == _digest(token))).first()
    if login is None or login.ended_at is not None or as_utc(login.expires_at) <= utcnow():
        return None
    user = session.get(User, login.user_id)
    return user if user and user.active else None


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
        raise InvalidInput(f"no user {username.strip()!r}")
    return user

