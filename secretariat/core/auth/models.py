from datetime import datetime

from sqlalchemy import DateTime, Index
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow


class User(SQLModel, table=True):
    """A member of staff (or a municipality's liaison) who can log in."""

    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(default="", max_length=100)
    role: str = Field(max_length=20)
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id",
                                        description="set for a liaison, and only for a liaison")
    password_hash: str = Field(max_length=200, repr=False)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class LoginSession(SQLModel, table=True):
    """A browser's logged-in session. Only a hash of the cookie's token is stored."""

    __tablename__ = "login_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    address: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    ended_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class ApiToken(SQLModel, table=True):
    """A bearer token for automation (a municipality's upload script, a scheduled job)."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class LoginAttempt(SQLModel, table=True):
    """Every password check, kept for throttling and for the security review."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_username_at", "username", "at"),
                      Index("ix_login_attempt_address_at", "address", "at"))

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    address: str = Field(default="", max_length=64)
    succeeded: bool
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class LoginThrottle(SQLModel, table=True):
    """Recent failed logins of one account or one address: the lockout's counter.

    One row per account and per address, counted up by a single atomic statement that also
    returns the new count, so simultaneous attempts each see their own number.
    """

    __tablename__ = "login_throttle"

    kind: str = Field(primary_key=True, max_length=10, description="'username' or 'address'")
    subject: str = Field(primary_key=True, max_length=64)
    failures: int = Field(default=0)
    last_failure_at: datetime = Field(sa_type=DateTime(timezone=True))


class StaffProgramme(SQLModel, table=True):
    """A programme a member of staff serves: an agent sees the households of these programmes only."""

    __tablename__ = "staff_programme"

    user_id: int = Field(foreign_key="staff_user.id", primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", primary_key=True, index=True)
