from datetime import date, datetime

from sqlalchemy import JSON, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow


class PrintRun(SQLModel, table=True):
    """A print run (印刷ロット): one wave of packs for one programme, in batch files for the printer.

    Its mail-out date and size (発送日・発送数) feed the call center's forecast.
    """

    __tablename__ = "mailroom_print_run"

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    wave: int = Field(default=1, ge=1)
    pack: list[str] = Field(default_factory=list, sa_type=JSON, description="template keys, in pack order")
    directory: str = Field(max_length=500)
    household_count: int = 0
    page_count: int = 0
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    batches_queued_at: datetime | None = Field(
        default=None, sa_type=DateTime(timezone=True),
        description="when its last batch was reserved and queued: the batch jobs ending after it may finish the run")
    completed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    mailed_date: date | None = Field(default=None, description="発送日")
    mailed_count: int = 0


class PrintBatch(SQLModel, table=True):
    """One PDF of a run. Its households are reserved (and marked printed) before the file is
    written, so a crash leaves a batch to re-render, never a household printed twice or skipped."""

    __tablename__ = "mailroom_print_batch"
    __table_args__ = (UniqueConstraint("print_run_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    print_run_id: int = Field(foreign_key="mailroom_print_run.id", index=True)
    number: int
    file_name: str = Field(max_length=200)
    household_count: int = 0
    page_count: int = 0
    sha256: str | None = Field(default=None, max_length=64)
    written_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class IssuedForm(SQLModel, table=True):
    """A form issued to a household (発行済み様式): the form id its page codes carry.

    A reissue (lost form) voids the old one, so a late old form is recognised at check-in.
    """

    __tablename__ = "mailroom_issued_form"
    __table_args__ = (Index("ix_mailroom_issued_form_household", "household_id", "voided_at"),)

    id: int | None = Field(default=None, primary_key=True)
    form_id: str = Field(max_length=32, unique=True, index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id")
    household_id: int = Field(foreign_key="household.id")
    pack: list[str] = Field(default_factory=list, sa_type=JSON, description="template keys printed for it")
    issue_number: int = Field(default=1, ge=1, description="1 for the first pack, 2… for reissues")
    print_batch_id: int | None = Field(default=None, foreign_key="mailroom_print_batch.id", index=True)
    position: int = Field(default=0, description="order within its batch file")
    first_page: int = Field(default=0, description="1-based page in its batch file where its pack starts")
    page_count: int = 0
    file_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    voided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    void_reason: str = Field(default="", max_length=200)


class MailedLetters(SQLModel):
    """What a run of letters mailed in one go records: one PDF of letters, when it was printed, and
    the day it went to the post office (発送日), which the call forecast counts as a wave of calls."""

    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    directory: str = Field(max_length=500)
    letters_file: str = Field(default="", max_length=200)
    letter_count: int = 0
    printed_on: date = Field(description="the day the letters were printed")
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    mailed_date: date | None = Field(default=None, description="発送日")
    mailed_count: int = 0


class ReminderRun(MailedLetters, table=True):
    """A run of reminder letters (督促状) for households that have not replied as the deadline nears:
    who had not replied by the day it was printed. The call center expects a wave of calls after it.
    """

    __tablename__ = "mailroom_reminder_run"

    id: int | None = Field(default=None, primary_key=True)


class ReminderLetter(SQLModel, table=True):
    """One household's reminder: a household is reminded once per programme."""

    __tablename__ = "mailroom_reminder_letter"
    __table_args__ = (UniqueConstraint("programme_id", "household_id", name="uq_mailroom_reminder_letter_household"),)

    id: int | None = Field(default=None, primary_key=True)
    reminder_run_id: int = Field(foreign_key="mailroom_reminder_run.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id")
    household_id: int = Field(foreign_key="household.id")
    position: int = Field(default=0, description="order in the letters file (postal-code order)")


class LetterRun(MailedLetters, table=True):
    """A run of letters that are mailings of their own, neither packs nor reminders: the push
    programmes' notices by letter (支給のお知らせ) and the gift-code letters (デジタルギフトのお知らせ).

    A sibling of `ReminderRun` (the same record, `MailedLetters`), not a generalisation of it:
    reminders keep their own table, which the call forecast and the daily reminder job read, and
    their one-reminder-per-household rule; these runs are printed by other sides (online, exchange)
    through `mailroom.printing.letters`.
    """

    __tablename__ = "mailroom_letter_run"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, description="push_notice | giftcode")


class Letter(SQLModel, table=True):
    """One household's letter in a letter run, in the file's order (postal-code order)."""

    __tablename__ = "mailroom_letter"
    __table_args__ = (UniqueConstraint("letter_run_id", "household_id", name="uq_mailroom_letter_household"),)

    id: int | None = Field(default=None, primary_key=True)
    letter_run_id: int = Field(foreign_key="mailroom_letter_run.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    position: int = Field(default=0, description="order in the letters file (postal-code order)")
