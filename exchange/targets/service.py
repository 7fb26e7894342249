"""Importing a target list: validate everything, then load all of it in one transaction, or nothing.

A full list creates households, persons and applications set-based (through the core's one
importer). A delta list (異動分) adds, changes or removes persons, recording each change; an
application already under way is never moved by a delta, its change is flagged for follow-up.
"""

from __future__ import annotations

from datetime import datetime
from itertools import groupby
from operator import attrgetter
from pathlib import Path

from sqlalchemy import delete, update
from sqlmodel import Session, select

from exchange.targets.encoding import Limits
from exchange.targets.flows import end_removed_household
from exchange.targets.mapping import Mapping, find_mapping
from exchange.targets.models import TargetChange, TargetFile
from exchange.targets.stored_mappings import mapping_for
from exchange.targets.validate import PersonRow, Problem, TargetList, read_target_list
from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import as_utc, in_jst, utcnow
from secretariat.core.errors import NotFound
from secretariat.core.households.models import Household, Person
from secretariat.core.households.service import insert_targets
from secretariat.core.programmes.models import Programme

# An application in one of these has not reached the resident yet: a removal may end it.
NOT_YET_UNDER_WAY = {Status.imported.value, Status.printed.value}
PERSON_FIELDS = ("name", "name_kana", "birth_date", "sex", "relationship", "is_head")
HOUSEHOLD_FIELDS = ("postal_code", "address", "address_extra", "phone")


def import_target_file(*, session: Session, actor: Actor, programme: Programme, path: Path, name: str | None = None,
                       mapping: str | Mapping | None = None, source: str = "web", at: datetime | None = None,
                       limits: Limits = Limits()) -> tuple[TargetFile, TargetList]:
    """Validate the file against itself and the store, then import it whole, or record why not.

    The file is read with the municipality's own mapping, or the default one if it has none;
    `mapping` (a shipped mapping's name, a YAML file's path, or a `Mapping`) overrides that. A
    birth after the programme's reference date is an error. A file beyond `limits` is recorded as
    rejected without being parsed."""
    actor.require(Role.admin, Role.supervisor, Role.liaison)
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    if mapping is None:
        mapping, mapping_id = mapping_for(session, programme.municipality_id)
    else:
        mapping, mapping_id = (find_mapping(mapping) if isinstance(mapping, str) else mapping), None
    listing = read_target_list(path, mapping, name=name, limits=limits, reference_date=programme.reference_date)
    record = TargetFile(municipality_id=programme.municipality_id, programme_id=programme.id, name=listing.name[:255],
                        sha256=listing.sha256, size=listing.size, encoding=listing.encoding,
                        mapping=mapping.name[:60], mapping_id=mapping_id,
                        kind="delta" if listing.is_delta else "full", status="rejected", rows=listing.rows,
                        households=len(listing.households), persons=len(listing.persons), source=source,
                        received_by=actor.username, received_at=as_utc(at) if at else utcnow())
    earlier = session.exec(select(TargetFile).where(TargetFile.programme_id == programme.id,
                                                    TargetFile.sha256 == listing.sha256,
                                                    TargetFile.status == "imported")).first()
    if earlier is not None:
        record.status = "duplicate"
        listing.add(Problem(0, "", "", "already_imported",
                            f"このファイルは{in_jst(earlier.received_at):%Y-%m-%d}にファイル{earlier.id}として"
                            "取込済みのため、もう一度は取り込みませんでした", "warning"))
    elif listing.ok:
        _check_against_store(session, programme, listing)
    if listing.ok and record.status != "duplicate":
        record.status = "imported"
        session.add(record)
        session.flush()
        if listing.is_delta:
            _apply_delta(session, actor, programme, record, listing, at)
        else:
            insert_targets(session=session, actor=actor, programme=programme, now=record.received_at,
                           households=_full_rows(listing))
    record.error_count, record.warning_count = listing.error_count, listing.warning_count
    record.report = _capped_report(listing)
    session.add(record)
    record_audit(session=session, actor=actor, action=f"target_file_{record.status}", entity="programme",
                 entity_id=programme.id, municipality_id=programme.municipality_id,
                 detail=f"{record.kind} file sha256={listing.sha256[:16]} rows={listing.rows} "
                        f"errors={listing.error_count} warnings={listing.warning_count}")
    session.flush()
    return record, listing


def _capped_report(listing: TargetList, keep: int = 1000) -> dict:
    report = listing.report()
    report["errors"], report["warnings"] = report["errors"][:keep], report["warnings"][:keep]
    return report


def _full_rows(listing: TargetList):
    """(household columns, its persons' columns) pairs, built one at a time as the insert asks:
    a million persons never exist as dicts all at once. A list grouped by household streams
    straight through; otherwise the persons are grouped first."""
    if listing.grouped:
        for number, persons in groupby(listing.persons, key=attrgetter("household_number")):
            yield listing.households[number].columns(), [_person_columns(person) for person in persons]
        return
    members: dict[str, list[PersonRow]] = {}
    for person in listing.persons:
        members.setdefault(person.household_number, []).append(person)
    for number, draft in listing.households.items():
        yield draft.columns(), [_person_columns(person) for person in members.pop(number)]


def _person_columns(person: PersonRow) -> dict:
    return dict(resident_number=person.resident_number, name=person.name, name_kana=person.name_kana,
                birth_date=person.birth_date, sex=person.sex, relationship=person.relationship,
                is_head=person.is_head)


def _stored(session: Session, model, column, programme: Programme, values: list[str]) -> set[str]:
    """Which of `values` the programme already holds in `column` of `model`."""
    found: set[str] = set()
    for start in range(0, len(values), 900):
        found.update(session.exec(select(column).where(column.in_(values[start:start + 900]),
                                                       model.programme_id == programme.id)))
    return found


def _check_against_store(session: Session, programme: Programme, listing: TargetList) -> None:
    if session.exec(select(Person.id).where(Person.programme_id == programme.id).limit(1)).first() is None \
            and not listing.is_delta:
        return  # a programme's first list: nothing stored to clash with
    residents = _stored(session, Person, Person.resident_number, programme,
                        [p.resident_number for p in listing.persons])
    if not listing.is_delta:
        households = _stored(session, Household, Household.household_number, programme, list(listing.households))
        for person in listing.persons:
            if person.resident_number in residents:
                listing.add(Problem(person.row, "宛名番号", person.resident_number, "already_target",
                                    f"宛名番号 {person.resident_number} はこの事業の対象者としてすでに登録されています"))
        for draft in listing.households.values():
            if draft.number in households:
                listing.add(Problem(draft.row, "世帯番号", draft.number, "household_exists",
                                    f"世帯番号 {draft.number} はこの事業の対象世帯としてすでに登録されています。"
                                    "変更は異動分のファイルで送ってください"))
        return
    for person in listing.persons:
        known = person.resident_number in residents
        if person.change == "add" and known:
            listing.add(Problem(person.row, "宛名番号", person.resident_number, "already_target",
                                f"宛名番号 {person.resident_number} はすでに対象者です。変更するときは異動区分を「変更」にしてください"))
        elif person.change in ("change", "remove") and not known:
            listing.add(Problem(person.row, "宛名番号", person.resident_number, "not_a_target",
                                f"宛名番号 {person.resident_number} はこの事業の対象者ではありません"))
    if listing.ok:
        _check_heads_after_delta(session, programme, listing)


def _check_heads_after_delta(session: Session, programme: Programme, listing: TargetList) -> None:
    """After the delta, every household still holding persons has exactly one head."""
    numbers = list({p.household_number for p in listing.persons})
    final: dict[str, dict[str, bool]] = {number: {} for number in numbers}
    for start in range(0, len(numbers), 900):
        for number, resident, is_head in session.exec(
                select(Household.household_number, Person.resident_number, Person.is_head)
                .join(Person, Person.household_id == Household.id)
                .where(Household.programme_id == programme.id,
                       Household.household_number.in_(numbers[start:start + 900]))):
            final[number][resident] = is_head
    first_row: dict[str, int] = {}
    for person in listing.persons:
        first_row.setdefault(person.household_number, person.row)
        if person.change == "remove":
            for members in final.values():
                members.pop(person.resident_number, None)
        else:
            for members in final.values():
                members.pop(person.resident_number, None)
            final[person.household_number][person.resident_number] = person.is_head
    for number, members in final.items():
        heads = sum(members.values())
        if members and heads != 1:
            listing.add(Problem(first_row[number], "続柄", "", "no_head" if heads == 0 else "several_heads",
                                (f"このファイルを取り込むと世帯番号 {number} の世帯主がいなくなります" if heads == 0 else
                                 f"このファイルを取り込むと世帯番号 {number} の世帯主が{heads}人になります")))


def _apply_delta(session: Session, actor: Actor, programme: Programme, record: TargetFile, listing: TargetList,
                 at: datetime | None) -> None:
    households = {h.household_number: h for h in session.exec(select(Household).where(
        Household.programme_id == programme.id,
        Household.household_number.in_(list({p.household_number for p in listing.persons}))))}
    new_households = [n for n in {p.household_number: None for p in listing.persons} if n not in households]
    additions = [p for p in listing.persons if p.change == "add" and p.household_number in new_households]
    if additions:
        members: dict[str, list[dict]] = {}
        for person in additions:
            members.setdefault(person.household_number, []).append(_person_columns(person))
        insert_targets(session=session, actor=actor, programme=programme, now=record.received_at,
                       households=((listing.households[n].columns(), members[n]) for n in members))
        households |= {h.household_number: h for h in session.exec(select(Household).where(
            Household.programme_id == programme.id, Household.household_number.in_(list(members))))}
    for person in listing.persons:
        household = households.get(person.household_number)
        change = TargetChange(municipality_id=programme.municipality_id, programme_id=programme.id,
                              target_file_id=record.id, household_id=household.id if household else None,
                              resident_number=person.resident_number, kind=person.change,
                              reason=person.change_reason[:60], change_date=person.change_date)
        if person.change == "add" and person in additions:
            change.fields = {"household": [None, person.household_number]}
        elif person.change == "add":
            session.add(Person(household_id=household.id, municipality_id=programme.municipality_id,
                               programme_id=programme.id, **_person_columns(person)))
            change.fields = {"household": [None, person.household_number]}
            change.follow_up = _under_way(session, household)
        elif person.change == "change":
            change.fields = _change_person(session, programme, person, listing)
            change.follow_up = _under_way(session, household)
        else:
            change.follow_up = _remove_person(session, actor, programme, person, at)
        session.add(change)
        session.flush()


def _under_way(session: Session, household: Household | None) -> bool:
    if household is None:
        return False
    status = session.exec(select(Application.status).where(Application.household_id == household.id)).first()
    return status not in NOT_YET_UNDER_WAY


def _change_person(session: Session, programme: Programme, row: PersonRow, listing: TargetList) -> dict:
    person = session.exec(select(Person).where(Person.programme_id == programme.id,
                                               Person.resident_number == row.resident_number)).one()
    new = _person_columns(row)
    changed = {name: [_plain(getattr(person, name)), _plain(new[name])]
               for name in PERSON_FIELDS if getattr(person, name) != new[name]}
    if changed:
        session.exec(update(Person).where(Person.id == person.id).values(**{k: new[k] for k in changed}))
    household = session.get(Household, person.household_id)
    draft = listing.households[row.household_number].columns()
    moved = {name: [getattr(household, name), draft[name]] for name in HOUSEHOLD_FIELDS
             if draft[name] != getattr(household, name)}
    if moved:
        session.exec(update(Household).where(Household.id == household.id).values(**{k: v[1] for k, v in moved.items()}))
    session.expire_all()
    return changed | moved


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _remove_person(session: Session, actor: Actor, programme: Programme, row: PersonRow,
                   at: datetime | None) -> bool:
    """Delete the person; an emptied household's application ends if it had not reached the resident.
    Returns whether staff must follow up (the application was under way and left as it was)."""
    person = session.exec(select(Person).where(Person.programme_id == programme.id,
                                               Person.resident_number == row.resident_number)).one()
    household_id = person.household_id
    session.exec(delete(Person).where(Person.id == person.id))
    remaining = session.exec(select(Person.id).where(Person.household_id == household_id)).first()
    application = session.exec(select(Application).where(Application.household_id == household_id)).one()
    if remaining is not None:
        return application.status not in NOT_YET_UNDER_WAY
    if application.status in NOT_YET_UNDER_WAY:
        end_removed_household(session=session, actor=actor, application=application,
                              reason=f"異動 ({row.change_reason or '削除'})", at=at)
        return False
    return True


def target_files(*, session: Session, actor: Actor, programme: Programme) -> list[TargetFile]:
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    return list(session.exec(select(TargetFile).where(TargetFile.programme_id == programme.id)
                             .order_by(TargetFile.id.desc())))
