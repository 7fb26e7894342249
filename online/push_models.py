"""The tables of push-type programmes (支給のお知らせ, プッシュ型: paid unless declined).

A push programme's households are told "we will pay X yen to the account on file by D unless you
decline or change the account by E"; after E the rest are approved without a reply. The dates
are the programme's (`PushSetting`); each household's notice and what it answered are
`PushNotice`. The answers themselves are steps of the application (a decline) or a web receipt
(a new account), recorded where paper records them; the notice only says which one it was.
"""

from datetime import date, datetime

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow

DECLINED = "declined"  # 辞退した
ACCOUNT_CHANGED = "account_changed"  # 口座変更を届け出た
ANSWERS = (DECLINED, ACCOUNT_CHANGED)


class PushSetting(SQLModel, table=True):
    """A push programme's two dates: decline or change the account by E, paid by D."""

    __tablename__ = "online_push_setting"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", unique=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    decline_by_date: date = Field(description="E: the last day to decline or change the account")
    pay_by_date: date = Field(description="D: the day the transfer is made by")
    set_by: str = Field(max_length=100)
    set_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class PushNotice(SQLModel, table=True):
    """One household's 支給のお知らせ: the amount it was told, how it went (SMS or a letter), and
    its answer, if any."""

    __tablename__ = "online_push_notice"

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", unique=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    amount_yen: int = Field(ge=0, description="the amount under the programme's rules, as the notice said it")
    sms_request_id: int | None = Field(default=None, foreign_key="sms_request.id")
    by_letter: bool = Field(default=False, description="no mobile number: the notice goes by letter")
    sent_by: str = Field(max_length=100)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    answer: str = Field(default="", max_length=20, description="'' (none yet) | declined | account_changed")
    answered_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
