"""Digital gift codes (デジタルギフト) as a payout method: the provider's codes, the batches that
assign them under maker-checker control, and each programme's setting."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow


class Payout(StrEnum):
    """How a programme pays: a bank transfer, a gift code, or what each household chose."""

    transfer = "transfer"
    gift_code = "gift_code"
    choice = "choice"


class Delivery(StrEnum):
    """How an assigned code reaches the household: a printed letter with its QR, or an SMS link."""

    letter = "letter"
    sms = "sms"


class CodeState(StrEnum):
    available = "available"  # imported, in no frozen batch
    assigned = "assigned"    # a frozen batch gave it to an application
    delivered = "delivered"  # its letter printed or its SMS queued
    redeemed = "redeemed"    # the provider says the household used it
    expired = "expired"      # past its expiry, not redeemed
    void = "void"            # its application was declined or withdrawn after assignment: to cancel


class GiftCodeSetting(SQLModel, table=True):
    """A programme's payout method and its gift-code provider (one row per programme)."""

    __tablename__ = "exchange_giftcode_setting"

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", unique=True)
    payout: str = Field(default=Payout.transfer.value, max_length=20, description="transfer | gift_code | choice")
    provider: str = Field(default="", max_length=100, description="the gift-code provider, e.g. QUOカードPay")
    delivery: str = Field(default=Delivery.letter.value, max_length=20, description="letter | sms")
    redemption_url: str = Field(default="", max_length=300,
                                description="the provider's URL with {code}; empty: the QR carries the code itself")
    updated_by: str = Field(max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class PayoutChoice(SQLModel, table=True):
    """A household's choice of payout where its programme lets households choose (payout `choice`)."""

    __tablename__ = "exchange_giftcode_choice"
    __table_args__ = (UniqueConstraint("programme_id", "household_id"),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id")
    household_id: int = Field(foreign_key="household.id")
    payout: str = Field(max_length=20, description="transfer | gift_code")
    recorded_by: str = Field(max_length=100)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class GiftCode(SQLModel, table=True):
    """One code from a provider's issuance file (発行ファイル), stored as the provider gave it."""

    __tablename__ = "exchange_gift_code"
    __table_args__ = (UniqueConstraint("provider", "code"),
                      Index("ix_exchange_gift_code_programme_state", "programme_id", "state"))

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id")
    provider: str = Field(max_length=100)
    code: str = Field(max_length=200)
    amount_yen: int
    expires_on: date
    state: str = Field(default=CodeState.available.value, max_length=20)
    application_id: int | None = Field(default=None, foreign_key="application.id", index=True)
    imported_by: str = Field(max_length=100)
    imported_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    delivered_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    redeemed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    voided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    reissue_allowed_by: str | None = Field(default=None, max_length=100,
                                           description="the supervisor who let an expired code be replaced")
    reissue_allowed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class GiftCodeBatch(SQLModel, table=True):
    """A gift-code list (ギフトコード割当) for approved applications, under maker-checker control.

    One user prepares it, a different user approves it; freezing it assigns its codes, and from
    then on the database (triggers, migration 0026) refuses any change to it or its lines.
    """

    __tablename__ = "exchange_gift_code_batch"

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    status: str = Field(default="prepared", max_length=20, description="prepared | approved | frozen")
    line_count: int = 0
    total_yen: int = 0
    prepared_by: str = Field(max_length=100)
    prepared_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    approved_by: str | None = Field(default=None, max_length=100)
    approved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    frozen_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class GiftCodeLine(SQLModel, table=True):
    """One application of a gift-code batch and the code set aside for it. Each code appears in one
    line only, and each application once per attempt (1, then 2 after a supervisor let its expired
    code be replaced, migration 0028): unique constraints, so two batches prepared at once cannot
    both take a code or an application."""

    __tablename__ = "exchange_gift_code_line"
    __table_args__ = (UniqueConstraint("application_id", "attempt",
                                       name="uq_exchange_gift_code_line_application_attempt"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="exchange_gift_code_batch.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id")
    application_id: int = Field(foreign_key="application.id", index=True)
    attempt: int = Field(default=1, description="1, or the reissue's number after an expired code")
    gift_code_id: int = Field(foreign_key="exchange_gift_code.id", unique=True)
    household_number: str = Field(max_length=20)
    amount_yen: int


class GiftCodeCancelList(SQLModel, table=True):
    """A cancel list (取消依頼) sent to the provider: the codes not on any earlier list when it was
    made. Kept, so each code is asked to be cancelled once and a list can be downloaded again."""

    __tablename__ = "exchange_gift_code_cancel_list"

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    code_count: int = 0
    made_by: str = Field(max_length=100)
    made_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class GiftCodeCancelEntry(SQLModel, table=True):
    """One code on a cancel list, with the reason it was given. A code is on one list only (unique):
    two lists made at once cannot both carry it."""

    __tablename__ = "exchange_gift_code_cancel_entry"

    id: int | None = Field(default=None, primary_key=True)
    cancel_list_id: int = Field(foreign_key="exchange_gift_code_cancel_list.id", index=True)
    gift_code_id: int = Field(foreign_key="exchange_gift_code.id", unique=True)
    reason: str = Field(max_length=40, description="withdrawn_before_delivery | withdrawn_after_delivery | "
                                                   "expired_reissued")
