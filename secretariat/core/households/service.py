"""Importing target households in bulk and reading them back, audited and tenant-scoped.

The import is set-based (one INSERT statement per chunk, not one ORM object per row) so a
municipality's list of a few hundred thousand persons loads in seconds. It validates the
whole batch first: a batch with any problem imports nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from sqlalchemy import func, or_, text
from sqlmodel import Session, select

from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.states import INITIAL, Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import as_utc, utcnow
from secretariat.core.db import insert_rows
from secretariat.core.errors import Conflict, InvalidInput, NotFound
from secretariat.core.households.models import AccountType, Household, Person, Sex
from secretariat.core.programmes.amounts import household_amount
from secretariat.core.programmes.models import Programme
from secretariat.core.text import normalise_kana, normalise_phone, normalise_postal_code, validate_kana

CHUNK = 5_000
MAX_REPORTED = 50


class PersonImport(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    resident_number: str
    name: str
    name_kana: str
    birth_date: date
    sex: Sex = Sex.unknown
    relationship: str = ""
    is_head: bool = False

    @field_validator("resident_number")
    @classmethod
    def _digits(cls, value: str) -> str:
        if not value.isascii() or not value.isalnum():
            raise ValueError("宛名番号 must be letters and digits only")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value:
            raise ValueError("氏名 must not be empty")
        return value

    @field_validator("name_kana")
    @classmethod
    def _kana(cls, value: str) -> str:
        try:
            return validate_kana(value)
        except InvalidInput as error:
            raise ValueError(error.message) from None


class HouseholdImport(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    household_number: str
    postal_code: str
    address: str
    address_extra: str = ""
    phone: str = ""
    bank_code: str | None = None
    branch_code: str | None = None
    account_type: AccountType | None = None
    account_number: str | None = None
    account_holder_kana: str | None = None
    persons: list[PersonImport]

    @field_validator("postal_code")
    @classmethod
    def _postal(cls, value: str) -> str:
        try:
            return normalise_postal_code(value)
        except InvalidInput as error:
            raise ValueError(error.message) from None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        try:
            return normalise_phone(value)
        except InvalidInput as error:
            raise ValueError(error.message) from None

    @model_validator(mode="after")
    def _one_head(self) -> "HouseholdImport":
        heads = sum(person.is_head for person in self.persons)
        if not self.persons:
            raise ValueError("a household needs at least one person")
        if heads != 1:
            raise ValueError(f"a household needs exactly one head (世帯主); this one has {heads}")
        return self


@dataclass(frozen=True)
class ImportResult:
    households: int
    persons: int
    applications: int


def import_households(*, session: Session, actor: Actor, programme: Programme,
                      households: Iterable[HouseholdImport | dict], at: datetime | None = None) -> ImportResult:
    """Validate the whole batch, then insert households, persons, applications and their first
    timeline events set-based, in the caller's transaction.

    `at` is when the municipality's list arrived, if not now, so timelines start on the right day.
    """
    actor.require(Role.admin, Role.supervisor)
    if not actor.can_see(programme.municipality_id):
        raise NotFound(f"no programme {programme.id}")
    batch = _validated(households)
    _refuse_duplicates(session, programme, batch)

    now = as_utc(at) if at else utcnow()
    result = insert_targets(session=session, actor=actor, programme=programme, now=now,
                            households=((_household_row(item), [_person_row(person) for person in item.persons])
                                        for item in batch))
    record_audit(session=session, actor=actor, action="import", entity="programme", entity_id=programme.id,
                 municipality_id=programme.municipality_id,
                 detail=f"{result.households} households, {result.persons} persons")
    session.flush()
    return result


def insert_targets(*, session: Session, actor: Actor, programme: Programme, now: datetime,
                   households: Iterable[tuple[dict, list[dict]]]) -> ImportResult:
    """Insert already-validated households (their columns, their persons' columns) with one
    application and its first timeline event each, set-based, in the caller's transaction.
    The dicts passed in are completed in place (tenant, ids) and should not be reused.

    Every importer (the staff API above, the exchange's target lists) ends here, so there is
    one place that creates applications and decides their amount.

    Primary keys are handed out before the insert (`_Ids`), so one chunk's households,
    persons, applications and events are built together with no reading back. (A writer
    thread overlapping SQLite's work with the next chunk's was tried: the driver takes the
    GIL back for every row, and the two threads slowed each other down.)
    """
    scope = dict(municipality_id=programme.municipality_id, programme_id=programme.id)
    connection = session.connection()
    ids = _Ids(session, connection)
    households_total = persons_total = 0
    for chunk in _chunks_of(households, CHUNK):
        household_ids = ids.take(Household, len(chunk))
        application_ids = ids.take(Application, len(chunk))
        event_ids = ids.take(ApplicationEvent, len(chunk))
        person_ids = iter(ids.take(Person, sum(len(persons) for _, persons in chunk)))
        person_rows, applications, events = [], [], []
        for (columns, persons), household_id, application_id, event_id in zip(
                chunk, household_ids, application_ids, event_ids):
            # the callers' dicts are completed in place: a million persons, a million fewer dicts
            columns.update(scope, id=household_id, created_at=now)
            for person in persons:
                person.update(scope, id=next(person_ids), household_id=household_id)
                person_rows.append(person)
            applications.append(dict(scope, id=application_id, household_id=household_id,
                                     status=INITIAL.value, amount_yen=_amount(programme, persons),
                                     created_at=now, status_changed_at=now))
            events.append(dict(scope, id=event_id, application_id=application_id, from_status=None,
                               to_status=INITIAL.value, actor=actor.username, at=now, reason="対象者一覧から取込"))
        for table, rows in ((Household.__table__, [columns for columns, _ in chunk]),
                            (Person.__table__, person_rows), (Application.__table__, applications),
                            (ApplicationEvent.__table__, events)):
            insert_rows(connection, table, rows)
        persons_total += len(person_rows)
        households_total += len(chunk)
    return ImportResult(households=households_total, persons=persons_total, applications=households_total)


class _Ids:
    """Primary keys for rows about to be inserted.

    PostgreSQL hands them out from each table's sequence, safe beside other writers. SQLite has
    one writer at a time: once this transaction holds the write lock, the next ids are simply
    the highest stored id plus one, counting up.
    """

    def __init__(self, session: Session, connection):
        self.session, self.connection = session, connection
        self.sqlite = connection.dialect.name == "sqlite"
        self.next: dict = {}
        if self.sqlite:
            # a no-op write takes SQLite's write lock now, so no other writer can take these ids
            connection.execute(text("UPDATE programme SET id = id WHERE 0"))

    def take(self, model, count: int) -> list[int]:
        if not self.sqlite:
            return [row[0] for row in self.connection.execute(
                text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
                {"table": model.__tablename__, "count": count})]
        start = self.next.get(model) or _max_id(self.session, model) + 1
        self.next[model] = start + count
        return list(range(start, start + count))


def _chunks_of(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _amount(programme: Programme, persons: list[dict]) -> int:
    return household_amount(per_household_yen=programme.amount_per_household_yen,
                            per_child_yen=programme.amount_per_child_yen, child_max_age=programme.child_max_age,
                            reference_date=programme.reference_date,
                            birth_dates=[person["birth_date"] for person in persons])


def _max_id(session: Session, model) -> int:
    return session.execute(select(func.coalesce(func.max(model.id), 0))).scalar_one()


def _validated(households: Iterable[HouseholdImport | dict]) -> list[HouseholdImport]:
    batch: list[HouseholdImport] = []
    problems: list[str] = []
    for position, item in enumerate(households, start=1):
        try:
            batch.append(item if isinstance(item, HouseholdImport) else HouseholdImport.model_validate(item))
        except ValidationError as error:
            for detail in error.errors():
                where = ".".join(str(part) for part in detail["loc"])
                problems.append(f"household {position}: {where}: {_plain(detail)}")
    if problems:
        raise InvalidInput(_summarise("the household list has problems; nothing was imported", problems))
    if not batch:
        raise InvalidInput("the household list is empty; nothing was imported")
    return batch


def _plain(detail: dict) -> str:
    message = str(detail["msg"])
    return message.removeprefix("Value error, ")


def _refuse_duplicates(session: Session, programme: Programme, batch: list[HouseholdImport]) -> None:
    problems: list[str] = []
    resident_counts = Counter(p.resident_number for item in batch for p in item.persons)
    household_counts = Counter(item.household_number for item in batch)
    problems += [f"宛名番号 {number} appears {count} times in the list"
                 for number, count in resident_counts.items() if count > 1]
    problems += [f"世帯番号 {number} appears {count} times in the list"
                 for number, count in household_counts.items() if count > 1]
    for chunk in _chunks_of(sorted(resident_counts), 900):
        taken = session.scalars(select(Person.resident_number).where(
            Person.programme_id == programme.id, Person.resident_number.in_(chunk)))
        problems += [f"宛名番号 {number} is already a target of this programme" for number in taken]
    for chunk in _chunks_of(sorted(household_counts), 900):
        taken = session.scalars(select(Household.household_number).where(
            Household.programme_id == programme.id, Household.household_number.in_(chunk)))
        problems += [f"世帯番号 {number} is already a target of this programme" for number in taken]
    if problems:
        raise Conflict(_summarise("the household list clashes with itself or with what is stored; "
                                  "nothing was imported", problems))


def _summarise(headline: str, problems: list[str]) -> str:
    shown = problems[:MAX_REPORTED]
    more = f"\n… and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    return headline + ":\n" + "\n".join(f"- {line}" for line in shown) + more


def _household_row(item: HouseholdImport) -> dict:
    row = item.model_dump(exclude={"persons"})
    row["account_type"] = item.account_type.value if item.account_type else None
    return row


def _person_row(person: PersonImport) -> dict:
    return person.model_dump() | dict(sex=person.sex.value)


@dataclass
class HouseholdRecord:
    """What staff see on a household's page: the household, its members and its application."""

    household: Household
    persons: list[Person]
    application: Application | None


def get_household(*, session: Session, actor: Actor, household_id: int) -> Household:
    """The household if the actor's tenancy allows it; no audit (use `read_household_record` to show it)."""
    household = session.get(Household, household_id)
    if household is None or not actor.can_see(household.municipality_id):
        raise NotFound(f"no household {household_id}")
    return household


def read_household_record(*, session: Session, actor: Actor, household_id: int) -> HouseholdRecord:
    """A household's full record for display to staff, and the audit row saying who saw it."""
    household = get_household(session=session, actor=actor, household_id=household_id)
    persons = list(session.exec(select(Person).where(Person.household_id == household.id)
                                .order_by(Person.is_head.desc(), Person.birth_date)))
    application = session.exec(select(Application).where(Application.household_id == household.id)).first()
    record_audit(session=session, actor=actor, action="read", entity="household", entity_id=household.id,
                 municipality_id=household.municipality_id)
    return HouseholdRecord(household=household, persons=persons, application=application)


@dataclass
class HouseholdRow:
    household_id: int
    household_number: str
    head_name: str
    head_name_kana: str
    status: Status


def search_households(*, session: Session, actor: Actor, programme: Programme, query: str = "",
                      status: Status | None = None, limit: int = 50, offset: int = 0) -> list[HouseholdRow]:
    """Households of a programme matching 世帯番号, 宛名番号, phone or the start of the head's kana name.

    The list shows names, so it is audited as a read of every household it returns.
    """
    if not actor.can_see(programme.municipality_id):
        raise NotFound(f"no programme {programme.id}")
    statement = (select(Household.id, Household.household_number, Person.name, Person.name_kana, Application.status)
                 .join(Person, (Person.household_id == Household.id) & Person.is_head.is_(True))
                 .join(Application, Application.household_id == Household.id)
                 .where(Household.programme_id == programme.id)
                 .order_by(Household.household_number).limit(min(limit, 200)).offset(offset))
    if status is not None:
        statement = statement.where(Application.status == status.value)
    query = query.strip()
    if query:
        members = select(Person.household_id).where(Person.programme_id == programme.id, or_(
            Person.resident_number == query,
            func.replace(Person.name_kana, "\u3000", "").like(_kana_prefix(query))))
        statement = statement.where(or_(Household.household_number == query,
                                        Household.phone == _digits_or_blank(query),
                                        Household.id.in_(members)))
    rows = [HouseholdRow(household_id=row[0], household_number=row[1], head_name=row[2], head_name_kana=row[3],
                         status=Status(row[4])) for row in session.exec(statement)]
    if rows:
        record_audit(session=session, actor=actor, action="list", entity="household",
                     municipality_id=programme.municipality_id,
                     detail="ids=" + ",".join(str(row.household_id) for row in rows))
    return rows


def _kana_prefix(query: str) -> str:
    key = normalise_kana(query).replace("\u3000", "").replace("%", "").replace("_", "")
    return key[:40] + "%"


def _digits_or_blank(query: str) -> str:
    try:
        return normalise_phone(query) or "-"
    except InvalidInput:
        return "-"
