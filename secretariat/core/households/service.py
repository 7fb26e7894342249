"""Importing target households in bulk and reading them back, audited and tenant-scoped.

The import is set-based (one INSERT statement per chunk, not one ORM object per row) so a
municipality's list of a few hundred thousand persons loads in seconds. It validates the
whole batch first: a batch with any problem imports nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
import re
import unicodedata
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from sqlalchemy import func, literal, text
from sqlmodel import Session, select

from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.states import INITIAL, Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.assignments import in_view, programmes_served, require_assignment
from secretariat.core.auth.roles import Role
from secretariat.core.clock import as_utc, utcnow
from secretariat.core.db import insert_rows
from secretariat.core.errors import Conflict, InvalidInput, NotFound
from secretariat.core.households.models import AccountType, Household, Person, Sex
from secretariat.core.programmes.amounts import household_amount
from secretariat.core.programmes.models import Programme
from secretariat.core.tenancy.models import Municipality
from secretariat.core.text import (KANA_DROP, fold_kana, kana_keys, normalise_kana, normalise_phone,
                                  normalise_postal_code, to_halfwidth_digits, validate_kana)

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
            raise ValueError("宛名番号は英数字だけで書いてください")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value:
            raise ValueError("氏名が空欄です")
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
            raise ValueError("世帯には一人以上の世帯員が必要です")
        if heads != 1:
            raise ValueError(f"世帯主は一世帯に一人です（この世帯には{heads}人います）")
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
        raise NotFound.of("事業", programme.id)
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
                person.update(scope, id=next(person_ids), household_id=household_id, **kana_keys(person["name_kana"]))
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
                problems.append(f"{position}番目の世帯: {where}: {_plain(detail)}")
    if problems:
        raise InvalidInput(_summarise("世帯一覧に誤りがあるため、何も取り込みませんでした", problems))
    if not batch:
        raise InvalidInput("世帯一覧が空のため、何も取り込みませんでした")
    return batch


def _plain(detail: dict) -> str:
    """Pydantic's English for the errors an import can meet, in Japanese; our own validators' as they are."""
    kind = str(detail.get("type", ""))
    if kind.startswith("date"):
        return f"「{detail.get('input')}」は日付として読めません（例: 1950-04-01）"
    if kind == "missing":
        return "項目がありません"
    if kind == "enum":
        return f"「{detail.get('input')}」は使えない値です"
    message = str(detail["msg"])
    return message.removeprefix("Value error, ")


def _refuse_duplicates(session: Session, programme: Programme, batch: list[HouseholdImport]) -> None:
    problems: list[str] = []
    resident_counts = Counter(p.resident_number for item in batch for p in item.persons)
    household_counts = Counter(item.household_number for item in batch)
    problems += [f"宛名番号 {number} が一覧に{count}回あります"
                 for number, count in resident_counts.items() if count > 1]
    problems += [f"世帯番号 {number} が一覧に{count}回あります"
                 for number, count in household_counts.items() if count > 1]
    for chunk in _chunks_of(sorted(resident_counts), 900):
        taken = session.scalars(select(Person.resident_number).where(
            Person.programme_id == programme.id, Person.resident_number.in_(chunk)))
        problems += [f"宛名番号 {number} はこの事業の対象者としてすでに登録されています" for number in taken]
    for chunk in _chunks_of(sorted(household_counts), 900):
        taken = session.scalars(select(Household.household_number).where(
            Household.programme_id == programme.id, Household.household_number.in_(chunk)))
        problems += [f"世帯番号 {number} はこの事業の対象世帯としてすでに登録されています" for number in taken]
    if problems:
        raise Conflict(_summarise("世帯一覧の中、または登録済みの世帯と重なるため、"
                                  "何も取り込みませんでした", problems))


def _summarise(headline: str, problems: list[str]) -> str:
    shown = problems[:MAX_REPORTED]
    more = f"\n…ほか{len(problems) - len(shown)}件" if len(problems) > len(shown) else ""
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


def households_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Household]:
    """The households with these ids, by id, in one query: for a list already limited to what the
    actor may see (their applications, mail, call-backs) that shows each row's household."""
    wanted = {household_id for household_id in ids if household_id is not None}
    if not wanted:
        return {}
    return {household.id: household
            for household in session.exec(select(Household).where(Household.id.in_(list(wanted))))}


def get_household(*, session: Session, actor: Actor, household_id: int) -> Household:
    """The household if the actor's tenancy (and an agent's programmes) allow it; no audit (use
    `read_household_record` to show it)."""
    household = session.get(Household, household_id)
    if household is None or not in_view(session, actor, household.municipality_id, household.programme_id):
        raise NotFound(f"世帯 {household_id} は見つかりません")
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


# ---- Finding households: one search box, read the way staff and callers say things --------------

MATCH_LIMIT = 500  # matches kept per search; beyond that the agent should type more
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ]")
_KATAKANA = re.compile(r"^[\u30A0-\u30FF\u3000 ]+$")
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−()]")
_POSTAL = re.compile(r"^\d{3}-?\d{4}$")
_WESTERN = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$|^(\d{4})(\d{2})(\d{2})$")
# 和暦 as staff type it (S25.4.1, 昭和25年4月1日, 平成元年…): the era's first year in the western calendar
_ERA_YEARS = {"明治": 1868, "M": 1868, "大正": 1912, "T": 1912, "昭和": 1926, "S": 1926, "平成": 1989, "H": 1989,
              "令和": 2019, "R": 2019}
_ERA = re.compile(r"^(明治|大正|昭和|平成|令和|[MTSHR])(元|\d{1,2})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")

def national_phone(text: str) -> str:
    """A Japanese phone number in any form (090-1234-5678, +81 90 1234 5678, ０９０…) as the national
    digits the store holds (09012345678), or a clear error."""
    digits = re.sub(r"[^\d+]", "", to_halfwidth_digits(text))
    if digits.startswith("+81"):
        digits = "0" + digits[3:]
    elif digits.startswith("81") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not digits.startswith("0") or not 10 <= len(digits) <= 11 or not digits.isdigit():
        raise InvalidInput(f"「{text}」は日本の電話番号ではありません（例: 090-1234-5678）")
    return digits


@dataclass(frozen=True)
class SearchTerms:
    """What the search box held, read: a household matching any of the set fields is found."""

    numbers: tuple[str, ...] = ()  # 世帯番号 or 宛名番号, each way of writing it with leading zeros
    phone: str = ""  # national digits
    kana: str = ""  # folded (fold_kana)
    name: tuple[str, ...] = ()  # parts of a name in kanji, each of which must appear
    postal_code: str = ""
    birth_date: date | None = None
    household_ids: tuple[int, ...] = ()  # households a 受付番号 names (read by the mailroom; matched as `receipt`)
    hint: str = ""  # why nothing can be searched, in Japanese, when the box held something unreadable

    def __bool__(self) -> bool:
        return bool(self.numbers or self.phone or self.kana or self.name or (self.postal_code and self.birth_date)
                    or self.household_ids)


def read_search(query: str) -> SearchTerms:
    """Read one search box: a phone number, 世帯番号 or 宛名番号 (leading zeros optional), a name in
    kana or kanji, or a postal code and a birth date typed together (263-0031 1950-04-01,
    2630031 19500401, 263-0031 S25.4.1)."""
    text = unicodedata.normalize("NFKC", query).strip()[:100]
    if not text:
        return SearchTerms()
    tokens = text.replace("〒", " ").split()
    for postal, rest in ((tokens[0], tokens[1:]), (tokens[-1], tokens[:-1])):
        if rest and _POSTAL.match(postal) and (born := _birth_date("".join(rest))):
            return SearchTerms(postal_code=postal.replace("-", ""), birth_date=born)
    if not text.isdigit() and _birth_date("".join(tokens)):
        return SearchTerms(hint="生年月日は郵便番号と一緒に入力してください（例: 263-0031 1950-04-01）")
    compact = _SEPARATORS.sub("", text)
    if len(tokens) == 1 and _POSTAL.match(text) and "-" in text:
        return SearchTerms(hint="郵便番号だけでは探せません。生年月日と一緒に入力してください（例: 263-0031 1950-04-01）")
    if compact.lstrip("+").isdigit():
        try:
            phone = national_phone(compact)
        except InvalidInput:
            phone = ""
        return SearchTerms(numbers=_with_leading_zeros(compact) if compact.isdigit() else (), phone=phone)
    if _IDEOGRAPH.search(text):
        return SearchTerms(name=tuple(token.replace("%", "").replace("_", "") for token in tokens))
    if _KATAKANA.match(normalise_kana(text)):
        key = fold_kana(text)
        if len(key) < 2:
            return SearchTerms(hint="カナ氏名は2文字以上入力してください")
        return SearchTerms(kana=key)
    if compact.isascii() and compact.isalnum():  # a 宛名番号 with letters
        return SearchTerms(numbers=(compact, compact.upper()))
    return SearchTerms(hint="電話番号・世帯番号・宛名番号・氏名（カナ・漢字）・郵便番号と生年月日のどれかを入力してください")


def _with_leading_zeros(digits: str) -> tuple[str, ...]:
    """00000004, 0004 and 4 name the same 世帯番号: every width it may be stored at, up to the column's 20."""
    bare = digits.lstrip("0") or "0"
    return tuple(bare.rjust(width, "0") for width in range(len(bare), 21))


def _birth_date(text: str) -> date | None:
    try:
        if found := _WESTERN.match(text):
            year, month, day = (int(part) for part in found.groups() if part)
            return date(year, month, day)
        if found := _ERA.match(text.upper() if text.isascii() else text):
            era, year, month, day = found.groups()
            return date(_ERA_YEARS[era] + (1 if year == "元" else int(year)) - 1, int(month), int(day))
    except ValueError:
        return None
    return None


@dataclass
class HouseholdRow:
    """A household as a search lists it: whose, which programme of which municipality, and what matched."""

    household_id: int
    household_number: str
    head_name: str
    head_name_kana: str
    status: Status
    phone: str = ""
    programme_id: int = 0
    programme_name: str = ""
    municipality_name: str = ""
    municipality_code: str = ""
    matched_by: str = ""  # phone | household_number | resident_number | postal_code+birth_date | name | kana | receipt
    matched_person: str = ""  # the member who matched, when not the head


def programmes_in_view(*, session: Session, actor: Actor) -> list[int]:
    """The programmes a search covers: those of the actor's municipality (a liaison), those they
    serve (an agent, as the checks before the search read them), else all."""
    if actor.is_programme_bound:
        return programmes_served(session, actor.user_id)
    return list(session.exec(select(Programme.id).where(actor.scope(Programme.municipality_id, Programme.id))))


def find_households(*, session: Session, actor: Actor, terms: SearchTerms | str, programme: Programme | None = None,
                    status: Status | None = None, limit: int = 30, offset: int = 0,
                    by_number: bool = False) -> list[HouseholdRow]:
    """Households matching the search, with their municipality and programme, best match first (or in
    世帯番号 order, `by_number`). Empty terms list the programme's households (a programme is then needed).

    The list shows names, so it is audited as a read of every household it returns."""
    if programme is not None and not in_view(session, actor, programme.municipality_id, programme.id):
        raise NotFound.of("事業", programme.id)
    require_assignment(session, actor)
    terms = read_search(terms) if isinstance(terms, str) else terms
    programme_ids = [programme.id] if programme is not None else programmes_in_view(session=session, actor=actor)
    statement = (select(Household, Person.name, Person.name_kana, Application.status, Programme.name,
                        Municipality.name, Municipality.code)
                 .join(Person, (Person.household_id == Household.id) & Person.is_head.is_(True))
                 .join(Application, Application.household_id == Household.id)
                 .join(Programme, Programme.id == Household.programme_id)
                 .join(Municipality, Municipality.id == Household.municipality_id)
                 .where(Household.programme_id.in_(programme_ids)))
    if status is not None:
        statement = statement.where(Application.status == status.value)
    matched: dict[int, tuple[str, int | None]] = {}
    if terms:
        matched = _matches(session, terms, programme_ids)
        if not matched:
            return []
        if status is None and not by_number:  # only the page asked for is read, in the order found
            matched = dict(list(matched.items())[offset:offset + min(limit, 200)])
            offset = 0
        statement = statement.where(Household.id.in_(list(matched)))
    elif programme is None:
        return []
    if by_number or not matched:
        statement = statement.order_by(Household.household_number, Household.id).limit(min(limit, 200)).offset(offset)
        found = list(session.exec(statement))
    else:
        rank = {household_id: place for place, household_id in enumerate(matched)}
        found = sorted(session.exec(statement), key=lambda row: rank[row[0].id])[offset:offset + min(limit, 200)]
    members = _names_of(session, [person_id for _, person_id in matched.values() if person_id])
    rows = [HouseholdRow(household_id=h.id, household_number=h.household_number, head_name=name, head_name_kana=kana,
                         status=Status(state), phone=h.phone, programme_id=h.programme_id, programme_name=programme_name,
                         municipality_name=municipality_name, municipality_code=municipality_code,
                         matched_by=matched.get(h.id, ("", None))[0],
                         matched_person=_member(members, matched.get(h.id, ("", None))[1], name))
            for h, name, kana, state, programme_name, municipality_name, municipality_code in found]
    for municipality_id in sorted({h.municipality_id for h, *_ in found}):
        record_audit(session=session, actor=actor, action="list", entity="household", municipality_id=municipality_id,
                     detail="ids=" + ",".join(str(h.id) for h, *_ in found if h.municipality_id == municipality_id))
    return rows


def search_households(*, session: Session, actor: Actor, programme: Programme, query: str = "",
                      status: Status | None = None, limit: int = 50, offset: int = 0) -> list[HouseholdRow]:
    """A programme's households in 世帯番号 order, narrowed by the same search box as the call center's."""
    return find_households(session=session, actor=actor, terms=query, programme=programme, status=status,
                           limit=limit, offset=offset, by_number=True)


def _matches(session: Session, terms: SearchTerms, programme_ids: list[int]) -> dict[int, tuple[str, int | None]]:
    """household id → (what matched, the person who matched or None), in the order the kinds are tried."""
    found: dict[int, tuple[str, int | None]] = {}
    in_view = Household.programme_id.in_(programme_ids)
    people = Person.programme_id.in_(programme_ids)

    def add(kind: str, rows) -> None:
        for household_id, person_id in rows:
            found.setdefault(household_id, (kind, person_id))

    if terms.household_ids:
        add("receipt", ((household_id, None) for household_id in session.exec(
            select(Household.id).where(in_view, Household.id.in_(terms.household_ids)).limit(MATCH_LIMIT))))
    if terms.phone:
        add("phone", ((household_id, None) for household_id in session.exec(
            select(Household.id).where(in_view, Household.phone == terms.phone).limit(MATCH_LIMIT))))
    if terms.numbers:
        add("household_number", ((household_id, None) for household_id in session.exec(select(Household.id).where(
            in_view, Household.household_number.in_(terms.numbers)).limit(MATCH_LIMIT))))
        add("resident_number", session.exec(select(Person.household_id, Person.id).where(
            people, Person.resident_number.in_(terms.numbers)).limit(MATCH_LIMIT)))
    if terms.postal_code and terms.birth_date:
        add("postal_code+birth_date", session.exec(
            select(Person.household_id, Person.id).join(Household, Household.id == Person.household_id)
            .where(people, Household.postal_code == terms.postal_code, Person.birth_date == terms.birth_date)
            .limit(MATCH_LIMIT)))
    if terms.name:
        squeezed = _squeezed(Person.name)
        add("name", session.exec(select(Person.household_id, Person.id).where(
            people, *(squeezed.like(f"%{part}%") for part in terms.name))
            .order_by(Person.is_head.desc(), Person.id).limit(MATCH_LIMIT)))
    if terms.kana:
        add("kana", _kana_matches(session, terms.kana, people))
    return dict(list(found.items())[:MATCH_LIMIT])


def _squeezed(column):
    """The column without the characters a name search forgives, in SQL both databases speak."""
    for character in KANA_DROP:
        column = func.replace(column, character, "")
    return column


def _kana_matches(session: Session, key: str, people) -> list[tuple[int, int]]:
    """(household, person) whose whole name or given name starts with the folded key, heads first.
    One statement per key column, so each is answered from its (programme, key) index."""
    dialect = session.get_bind().dialect.name
    found = {row for column in (Person.kana_key, Person.given_kana_key) for row in session.exec(
        select(Person.is_head, Person.id, Person.household_id).where(people, _starts_with(column, key, dialect))
        .order_by(Person.is_head.desc(), Person.id).limit(MATCH_LIMIT))}
    return [(household_id, person_id) for _, person_id, household_id in
            sorted(found, key=lambda row: (not row[0], row[1]))[:MATCH_LIMIT]]


def _starts_with(column, key: str, dialect: str):
    """`column` starts with the folded kana `key`, asked so that each database answers from the
    column's index rather than reading every person: GLOB on SQLite (its LIKE ignores the index of a
    case-sensitive column), LIKE on PostgreSQL (whose index compares bytes, text_pattern_ops). The
    key is katakana only (`read_search`), so it holds no wildcard, and is written into the statement
    because a planner can use an index only for a prefix it can see."""
    if dialect == "sqlite":
        return column.op("GLOB", is_comparison=True)(literal(key + "*", literal_execute=True))
    return column.like(literal(key + "%", literal_execute=True))


def _names_of(session: Session, person_ids: list[int]) -> dict[int, tuple[str, bool]]:
    if not person_ids:
        return {}
    return {person_id: (name, is_head) for person_id, name, is_head in session.exec(
        select(Person.id, Person.name, Person.is_head).where(Person.id.in_(person_ids)))}


def _member(members: dict[int, tuple[str, bool]], person_id: int | None, head_name: str) -> str:
    name, is_head = members.get(person_id, ("", True))
    return "" if is_head or name == head_name else name
