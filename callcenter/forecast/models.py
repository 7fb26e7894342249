from datetime import datetime

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow


class ForecastSetting(SQLModel, table=True):
    """What a supervisor expects of a programme that the forecast cannot know yet: the share of
    households that will answer online or by letting a push notice stand (オンライン申請の見込み割合).
    Used until the programme's own answers are enough to measure it."""

    __tablename__ = "callcenter_forecast_setting"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", unique=True)
    expected_online_share: float = Field(ge=0, le=1, description="0 … 1: web and push households among those answering")
    set_by: str = Field(max_length=100)
    set_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
