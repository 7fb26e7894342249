"""The tables of keying (申請データ入力): one task per form, and each person's entry of it."""

from datetime import datetime

from sqlalchemy import DateTime, Index
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow


class KeyedValues(SQLModel):
    """What is keyed from a form: the new account and the daytime phone, normalised as banks want them."""

    bank_code: str = Field(default="", max_length=4, description="金融機関コード")
    branch_code: str = Field(default="", max_length=3, description="支店コード")
    account_type: str = Field(default="", max_length=10, description="預金種目: ordinary | current")
    account_number: str = Field(default="", max_length=7, description="口座番号, 7 digits zero-filled")
    account_holder_kana: str = Field(default="", max_length=60, description="口座名義 in Zengin half-width kana")
    phone: str = Field(default="", max_length=20, description="日中の電話番号, digits only; may be blank")

    def account(self) -> tuple[str, str, str, str, str]:
        return (self.bank_code, self.branch_code, self.account_type, self.account_number, self.account_holder_kana)


class KeyingTask(KeyedValues, table=True):
    """One thing to key (入力票), of one of two kinds:
    - `form`: a counted form whose check completed with a new account chosen (`receipt_id` set);
    - `payment_correction`: the corrected account for a failed transfer (振込不能, `payment_line_id`
      set), created when the bank's results mark the line failed; it waits for the resident
      (`waiting_resident`) until the call center or a letter brings the new account.

    Its own value columns hold the settled values: the two entries when they agree, or what the
    verifier decided. `on_file_*` keep the household's account as it was when the settled values
    were applied, so both stay visible (see `flows.apply`: a form's account never overwrites the
    municipality's; a correction replaces the account that failed, which stays here for the record).
    """

    __tablename__ = "mailroom_keying_task"

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    kind: str = Field(default="form", max_length=20, description="form | payment_correction")
    receipt_id: int | None = Field(default=None, foreign_key="mailroom_receipt.id", unique=True)
    # exchange_payment_line.id; the foreign key is declared by migration 0016 only, so the mailroom's
    # tables load without the exchange's
    payment_line_id: int | None = Field(default=None, unique=True)
    channel: str = Field(default="", max_length=10,
                         description="how the resident gave a corrected account: phone | letter; '' for a form")
    status: str = Field(default="waiting_first", max_length=20, index=True,
                        description="waiting_resident | waiting_first | waiting_second | agreed | disputed | verified")
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    decision: str = Field(default="", max_length=20, description="agreement | first | second | correction")
    settled_by: str = Field(default="", max_length=100, description="the verifier; '' when the entries agreed")
    settled_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    applied: str = Field(default="", max_length=20,
                         description="filled (no account on file) | same (equal to it) | differs (both kept) | "
                                     "replaced (a correction of a failed account)")
    on_file_bank_code: str = Field(default="", max_length=4)
    on_file_branch_code: str = Field(default="", max_length=3)
    on_file_account_type: str = Field(default="", max_length=10)
    on_file_account_number: str = Field(default="", max_length=7)
    on_file_account_holder_kana: str = Field(default="", max_length=60)

    def on_file(self) -> tuple[str, str, str, str, str]:
        return (self.on_file_bank_code, self.on_file_branch_code, self.on_file_account_type,
                self.on_file_account_number, self.on_file_account_holder_kana)


class KeyingEntry(KeyedValues, table=True):
    """One person's keying of a task: round 1 and 2 are the blind double entry, round 3 a verifier's correction."""

    __tablename__ = "mailroom_keying_entry"
    __table_args__ = (Index("ux_mailroom_keying_entry_task_round", "task_id", "round", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="mailroom_keying_task.id")
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    round: int
    keyed_by: str = Field(max_length=100)
    keyed_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
