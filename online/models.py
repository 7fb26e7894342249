"""The tables of the residents' side (ファストパス): per-household links, the second factor's
throttle, residents' short sessions, and what each online submission said and enclosed.

No token or session is stored in the clear: only the SHA-256 of it, so a copy of the store
opens no household's page.
"""

from datetime import datetime

from sqlalchemy import JSON, DateTime
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow

BIRTH_DATE = "birth_date"  # the head of household's birth date (生年月日), known to the resident, printed nowhere
LETTER_CODE = "letter_code"  # a code from a separate letter (別送の確認コード): designed for, not issued yet
SECOND_FACTORS = (BIRTH_DATE, LETTER_CODE)


class OnlineSetting(SQLModel, table=True):
    """A programme's choices for online application; a programme without a row asks for the birth date."""

    __tablename__ = "online_setting"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", unique=True)
    second_factor: str = Field(default=BIRTH_DATE, max_length=20, description="birth_date | letter_code")


class OnlineToken(SQLModel, table=True):
    """The household's link (`/a/<token>`) printed on its notice; one live token per household."""

    __tablename__ = "online_token"

    id: int | None = Field(default=None, primary_key=True)
    token_sha256: str = Field(max_length=64, unique=True, description="SHA-256 of the token; the token is never kept")
    household_id: int = Field(foreign_key="household.id", unique=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    short_sha256: str | None = Field(default=None, max_length=64, unique=True, index=True,
                                    description="SHA-256 of the short code printed to be typed (None before 0025)")
    letter_code_sha256: str = Field(default="", max_length=64, description="for the letter_code factor (later)")
    issued_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    issued_by: str = Field(max_length=100)


class OnlineAttempt(SQLModel, table=True):
    """Wrong second-factor answers counted per key: `t:` + a presented token's hash (whether or not
    such a token exists, so a lock says nothing about existence) or `a:` + a hashed address."""

    __tablename__ = "online_attempt"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, unique=True)
    failures: int = 0
    window_started_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    locked_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class OnlineSession(SQLModel, table=True):
    """A resident's short session after the second factor: bound to one household only."""

    __tablename__ = "online_session"

    id: int | None = Field(default=None, primary_key=True)
    token_sha256: str = Field(max_length=64, unique=True, description="SHA-256 of the cookie's value")
    household_id: int = Field(foreign_key="household.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))


class OnlineSubmission(SQLModel, table=True):
    """What the resident answered on the web for one receipt (受付): the answers the readings were
    made from, kept so that a deficient application's page can show them again to fix."""

    __tablename__ = "online_submission"

    id: int | None = Field(default=None, primary_key=True)
    receipt_id: int = Field(foreign_key="mailroom_receipt.id", unique=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    answers: dict = Field(default_factory=dict, sa_type=JSON)
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    address: str = Field(default="", max_length=64, description="the submitting network address, for the audit")


class OnlineAttachment(SQLModel, table=True):
    """A photo of an attachment the resident uploaded, kept like a scanned page under the data dir."""

    __tablename__ = "online_attachment"

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    receipt_id: int | None = Field(default=None, foreign_key="mailroom_receipt.id", index=True)
    name: str = Field(max_length=40, description="the template's attachment name (id_copy, bank_book_copy…)")
    image_path: str = Field(max_length=500)
    sha256: str = Field(max_length=64)
    width: int = 0
    height: int = 0
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
