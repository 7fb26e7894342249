from datetime import date, datetime

from sqlalchemy import JSON, DateTime, Index, Text
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow


class ColumnMapping(SQLModel, table=True):
    """A municipality's own column mapping (項目定義), as an admin uploaded it: the YAML itself.

    Every upload is kept; the latest is the one its files are read with, and each target file
    records the one that read it.
    """

    __tablename__ = "exchange_column_mapping"

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    source: str = Field(sa_type=Text, description="the YAML as uploaded")
    sha256: str = Field(max_length=64)
    title: str = Field(default="", max_length=200)
    uploaded_by: str = Field(max_length=100)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class TargetFile(SQLModel, table=True):
    """A target list (対象者一覧) or a delta (異動分) received from a municipality, and what became of it.

    The same file (by SHA-256) is imported once per programme; a second arrival is recorded as
    a duplicate and changes nothing.
    """

    __tablename__ = "exchange_target_file"
    __table_args__ = (Index("ix_exchange_target_file_hash", "programme_id", "sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    name: str = Field(max_length=255, description="the file's name as sent")
    sha256: str = Field(max_length=64)
    size: int = 0
    encoding: str = Field(default="", max_length=20)
    mapping: str = Field(default="default", max_length=60, description="the mapping's name, or the municipality's code")
    mapping_id: int | None = Field(default=None, foreign_key="exchange_column_mapping.id",
                                   description="the municipality's stored mapping that read the file, if one did")
    kind: str = Field(default="full", max_length=10, description="full | delta")
    status: str = Field(max_length=20, description="imported | rejected | duplicate")
    rows: int = 0
    households: int = 0
    persons: int = 0
    error_count: int = 0
    warning_count: int = 0
    report: dict = Field(default_factory=dict, sa_type=JSON, description="the validation report, problems capped")
    source: str = Field(default="web", max_length=20, description="web | sftp | cli")
    received_by: str = Field(max_length=100)
    received_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class TargetChange(SQLModel, table=True):
    """One change a delta file made to the targets (異動): a person added, changed or removed.

    `follow_up` marks a change staff must look at because the household's application was
    already under way and was left as it was.
    """

    __tablename__ = "exchange_target_change"

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    target_file_id: int = Field(foreign_key="exchange_target_file.id", index=True)
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    resident_number: str = Field(max_length=20)
    kind: str = Field(max_length=10, description="add | change | remove")
    reason: str = Field(default="", max_length=60, description="異動事由: 転出, 死亡, 転入 …")
    change_date: date | None = None
    fields: dict = Field(default_factory=dict, sa_type=JSON, description="field → [before, after]")
    follow_up: bool = False
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
