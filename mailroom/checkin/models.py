from datetime import date, datetime

from sqlalchemy import JSON, DateTime, Index
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow

UNREAD = "unread"  # the machine state of a box no scanner read: an operator judged the paper by hand


class Receipt(SQLModel, table=True):
    """A returned form checked in (受付): one per envelope, by handheld scan or from a scan batch.

    A double scan of the same form finds the same receipt. A second form for the same household,
    a voided (reissued) form or a late one is still recorded, flagged for review, and never moves
    the application a second time (`counted` is False).

    The database holds one receipt per form and `arrival` (0 for the form's first arrival, 1 for
    its return after a 返戻, …), so two stations scanning one envelope at once cannot both
    record it: the second insert fails on the unique index and is answered as a double scan.
    """

    __tablename__ = "mailroom_receipt"
    __table_args__ = (Index("ux_mailroom_receipt_form_arrival", "form_id", "arrival", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    form_id: str = Field(max_length=32)
    arrival: int = Field(default=0, description="which arrival of this form: 0 first, 1 after its first return…")
    arrived_on: date = Field(description="到着日")
    postmarked_on: date | None = Field(default=None, description="消印日 when keyed")
    received_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    received_by: str = Field(max_length=100)
    scan_batch_id: int | None = Field(default=None, foreign_key="mailroom_scan_batch.id", index=True)
    counted: bool = Field(default=True, description="moved the application; False for a flagged extra copy")
    late: bool = False
    voided_form: bool = False
    duplicate: bool = False
    flag_note: str = Field(default="", max_length=500)
    outcome: str = Field(default="pending", max_length=20,
                         description="pending (not yet scanned) | review | complete | deficient")
    page_count: int = 0
    attachment_pages: int = 0
    checked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    channel: str = Field(default="paper", max_length=10, description="paper | web (the residents' online form)")

    @property
    def flagged(self) -> bool:
        return self.late or self.voided_form or self.duplicate


class ScanBatch(SQLModel, table=True):
    """One scanner output folder taken in (スキャンバッチ)."""

    __tablename__ = "mailroom_scan_batch"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=500)
    stored_in: str = Field(default="", max_length=500)
    started_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    started_by: str = Field(max_length=100)
    file_count: int = 0
    page_count: int = 0
    form_count: int = 0
    exception_count: int = 0


class ScannedPage(SQLModel, table=True):
    """One page image from a batch, filed as a form page, an attachment, a blank back, or an exception."""

    __tablename__ = "mailroom_scanned_page"

    id: int | None = Field(default=None, primary_key=True)
    scan_batch_id: int = Field(foreign_key="mailroom_scan_batch.id", index=True)
    receipt_id: int | None = Field(default=None, foreign_key="mailroom_receipt.id", index=True)
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id", index=True)
    source_name: str = Field(max_length=500, description="file name (and #page in a multi-page file)")
    image_path: str = Field(default="", max_length=500, description="the stored copy the operator sees")
    sha256: str = Field(default="", max_length=64, index=True)
    role: str = Field(max_length=20, description="form | attachment | blank | exception")
    form_id: str = Field(default="", max_length=32)
    page_number: int = 0
    rotation: int = 0
    error_code: str = Field(default="", max_length=40)
    error_message: str = Field(default="", max_length=500)
    resolved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    resolved_by: str = Field(default="", max_length=100)


class FieldReading(SQLModel, table=True):
    """What the machine read in one input box, and what an operator confirmed (目視確認)."""

    __tablename__ = "mailroom_field_reading"

    id: int | None = Field(default=None, primary_key=True)
    receipt_id: int = Field(foreign_key="mailroom_receipt.id", index=True)
    scanned_page_id: int | None = Field(default=None, foreign_key="mailroom_scanned_page.id",
                                        description="None when an operator judged the paper by hand")
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    field: str = Field(max_length=60)
    option: str = Field(default="", max_length=40, description="the choice's option, '' for other kinds")
    kind: str = Field(max_length=20)
    machine_state: str = Field(max_length=10)
    ink_mm2: float = 0.0
    crop_path: str = Field(default="", max_length=500)
    confirmed_state: str | None = Field(default=None, max_length=10)
    confirmed_by: str = Field(default="", max_length=100)
    confirmed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))

    @property
    def state(self) -> str:
        return self.confirmed_state or self.machine_state

    @property
    def overridden(self) -> bool:
        return self.confirmed_state is not None and self.machine_state not in (UNREAD, "uncertain", self.confirmed_state)


class DeficiencyRecord(SQLModel, table=True):
    """One reason a form goes back (不備), kept for the return letter and for counting by type."""

    __tablename__ = "mailroom_deficiency"

    id: int | None = Field(default=None, primary_key=True)
    receipt_id: int = Field(foreign_key="mailroom_receipt.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    household_id: int = Field(foreign_key="household.id")
    code: str = Field(max_length=80)
    field: str = Field(default="", max_length=60)
    message: str = Field(max_length=300)
    fix: str = Field(default="", max_length=300)
    found_on: date


class ReturnBatch(SQLModel, table=True):
    """A print batch of return letters (返戻通知) with their fresh return-envelope faces."""

    __tablename__ = "mailroom_return_batch"

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    directory: str = Field(max_length=500)
    letters_file: str = Field(max_length=200)
    envelopes_file: str = Field(max_length=200)
    letter_count: int = 0
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class ReturnLetter(SQLModel, table=True):
    """A return letter for one deficient receipt: which deficiencies it listed."""

    __tablename__ = "mailroom_return_letter"

    id: int | None = Field(default=None, primary_key=True)
    return_batch_id: int = Field(foreign_key="mailroom_return_batch.id", index=True)
    receipt_id: int = Field(foreign_key="mailroom_receipt.id", unique=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    household_id: int = Field(foreign_key="household.id")
    deficiency_codes: list[str] = Field(default_factory=list, sa_type=JSON)


class UndeliverableMail(SQLModel, table=True):
    """A pack that came back unopened (あて所に尋ねあたりません): on the municipality's list to resolve."""

    __tablename__ = "mailroom_undeliverable"

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    household_id: int = Field(foreign_key="household.id", unique=True)
    form_id: str = Field(max_length=32)
    returned_on: date
    reason: str = Field(default="あて所に尋ねあたりません", max_length=200)
    recorded_by: str = Field(max_length=100)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
