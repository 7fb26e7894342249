from datetime import datetime

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow


class MunicipalityBase(SQLModel):
    code: str = Field(max_length=6, unique=True, index=True, description="全国地方公共団体コード (6 digits with check digit)")
    name: str = Field(max_length=100, description="e.g. 千葉県千葉市")


class Municipality(MunicipalityBase, table=True):
    """A municipality (自治体) that hands us its programmes: the unit of tenancy."""

    __tablename__ = "municipality"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
