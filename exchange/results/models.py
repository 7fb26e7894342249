from datetime import date, datetime

from sqlalchemy import DateTime, Index
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow


class BankProfile(SQLModel, table=True):
    """A programme's paying side as its bank knows it (振込依頼人), and how that bank wants the
    Zengin file: set once, so whoever prepares a payment batch does not retype it. Each batch
    copies the profile as it stood, so an exported batch keeps the file it was."""

    __tablename__ = "exchange_bank_profile"

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", unique=True)
    requester_code: str = Field(max_length=10, description="委託者コード, given by the bank")
    requester_name_kana: str = Field(max_length=40, description="委託者名, half-width as the file carries it")
    from_bank_code: str = Field(max_length=4, description="仕向銀行番号")
    from_branch_code: str = Field(max_length=3, description="仕向支店番号")
    from_account_type: str = Field(default="ordinary", max_length=10, description="預金種目: ordinary | current")
    from_account_number: str = Field(max_length=7)
    record_separator: str = Field(default="crlf", max_length=10, description="crlf | none")
    clearing_house_fill: str = Field(default="zeros", max_length=10, description="手形交換所番号: zeros | spaces")
    updated_by: str = Field(max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class PaymentBatch(SQLModel, table=True):
    """A payment list (振込データ) for approved applications, under maker-checker control.

    One user prepares it, a different user approves it; once exported its lines and totals are
    frozen (database triggers, migration 0012, refuse any later change), so the file the bank loaded is the record.
    """

    __tablename__ = "exchange_payment_batch"

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    status: str = Field(default="prepared", max_length=20, description="prepared | approved | exported")
    transfer_date: date = Field(description="振込指定日")
    requester_code: str = Field(max_length=10, description="委託者コード")
    requester_name_kana: str = Field(max_length=40)
    from_bank_code: str = Field(max_length=4)
    from_branch_code: str = Field(max_length=3)
    from_account_type: str = Field(default="ordinary", max_length=10)
    from_account_number: str = Field(max_length=7)
    # copied from the bank profile; the defaults are how batches were written before profiles
    record_separator: str = Field(default="crlf", max_length=10, description="crlf | none")
    clearing_house_fill: str = Field(default="spaces", max_length=10, description="手形交換所番号: zeros | spaces")
    line_count: int = 0
    total_yen: int = 0
    prepared_by: str = Field(max_length=100)
    prepared_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    approved_by: str | None = Field(default=None, max_length=100)
    approved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    exported_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    zengin_sha256: str = Field(default="", max_length=64)


class PaymentLine(SQLModel, table=True):
    """One transfer of a payment batch, and what the bank said of it (振込結果)."""

    __tablename__ = "exchange_payment_line"
    __table_args__ = (Index("ix_exchange_payment_line_result", "programme_id", "result"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="exchange_payment_batch.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id")
    application_id: int = Field(foreign_key="application.id", index=True)
    household_number: str = Field(max_length=20, description="世帯番号; the Zengin file's 顧客コード1 is the line's id")
    bank_code: str = Field(max_length=4)
    branch_code: str = Field(max_length=3)
    account_type: str = Field(max_length=10)
    account_number: str = Field(max_length=7)
    recipient_kana: str = Field(max_length=30, description="受取人名 as the file carries it (half-width)")
    amount_yen: int
    result: str = Field(default="pending", max_length=20, description="pending | paid | failed")
    failure_reason: str = Field(default="", max_length=100, description="不能事由, e.g. 口座なし")
    result_on: date | None = None
    follow_up_done_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True),
                                               description="when the call center closed the failure")
