from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Index, UniqueConstraint, event
from sqlmodel import Field, Relationship, SQLModel

from secretariat.core.clock import utcnow
from secretariat.core.text import kana_keys


class Sex(StrEnum):
    male = "male"
    female = "female"
    unknown = "unknown"


class AccountType(StrEnum):
    """預金種目: the two kinds of account a benefit can be paid into."""

    ordinary = "ordinary"  # 普通
    current = "current"  # 当座


class HouseholdBase(SQLModel):
    household_number: str = Field(max_length=20, description="世帯番号")
    postal_code: str = Field(max_length=7, description="郵便番号, 7 digits without hyphen")
    address: str = Field(max_length=200, description="住所")
    address_extra: str = Field(default="", max_length=200, description="方書: building and room")
    phone: str = Field(default="", max_length=20, description="電話番号 as the municipality gave it")
    bank_code: str | None = Field(default=None, max_length=4, description="金融機関コード of the account on file")
    branch_code: str | None = Field(default=None, max_length=3, description="支店コード")
    account_type: str | None = Field(default=None, max_length=10, description="預金種目")
    account_number: str | None = Field(default=None, max_length=7, description="口座番号")
    account_holder_kana: str | None = Field(default=None, max_length=60, description="口座名義カナ")


class Household(HouseholdBase, table=True):
    """A target household (対象世帯) of one programme."""

    __tablename__ = "household"
    __table_args__ = (UniqueConstraint("programme_id", "household_number"),
                      Index("ix_household_phone", "phone"))  # the call center finds a caller by number

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    # no index of its own: the unique (programme_id, household_number) index serves programme lookups
    programme_id: int = Field(foreign_key="programme.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))

    persons: list["Person"] = Relationship(back_populates="household")


class PersonBase(SQLModel):
    resident_number: str = Field(max_length=20, description="宛名番号: the municipality's person number")
    name: str = Field(max_length=100, description="氏名")
    name_kana: str = Field(max_length=100, description="氏名カナ, stored as full-width katakana")
    birth_date: date = Field(description="生年月日")
    sex: str = Field(default=Sex.unknown.value, max_length=10, description="性別")
    relationship: str = Field(default="", max_length=20, description="続柄 to the head of household")
    is_head: bool = Field(default=False, description="世帯主")


class Person(PersonBase, table=True):
    """A member of a target household."""

    __tablename__ = "person"
    # a kana search asks for a key's prefix within the programmes in view; PostgreSQL's index must
    # compare bytes (text_pattern_ops) to answer LIKE 'キヨ%'
    __table_args__ = (UniqueConstraint("programme_id", "resident_number"),
                      Index("ix_person_kana_key", "programme_id", "kana_key",
                            postgresql_ops={"kana_key": "text_pattern_ops"}),
                      Index("ix_person_given_kana_key", "programme_id", "given_kana_key",
                            postgresql_ops={"given_kana_key": "text_pattern_ops"}))

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)
    # no index of its own: the unique (programme_id, resident_number) index serves programme lookups
    programme_id: int = Field(foreign_key="programme.id")
    kana_key: str = Field(default="", max_length=100, description="氏名カナ folded (text.kana_keys), for the search")
    given_kana_key: str = Field(default="", max_length=100, description="the given name's kana folded")

    household: Household | None = Relationship(back_populates="persons")


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def _keep_kana_keys(_mapper, _connection, person: Person) -> None:
    """Every ORM write of a person keeps its search keys in step with its 氏名カナ (the bulk import
    sets them itself: `households.service.insert_targets`)."""
    for column, key in kana_keys(person.name_kana or "").items():
        setattr(person, column, key)
