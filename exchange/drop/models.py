from datetime import datetime

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

from secretariat.core.clock import utcnow


class DropAccount(SQLModel, table=True):
    """A municipality's SFTP account on the drop: its login name and the public keys it may use.

    Its files live under `DATA_DIR/drop/<municipality code>/` in `inbox/`, `outbox/` and `archive/`.
    """

    __tablename__ = "exchange_drop_account"

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", unique=True)
    username: str = Field(max_length=60, unique=True)
    authorized_keys: str = Field(default="", max_length=20_000,
                                 description="OpenSSH public key lines, one per line")
    default_programme_id: int | None = Field(default=None, foreign_key="programme.id",
                                             description="where a target list in inbox/ goes")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
