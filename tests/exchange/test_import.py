from datetime import date, datetime, timezone

from sqlmodel import select

from exchange.targets.models import TargetChange, TargetFile
from exchange.targets.service import import_target_file
from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status
from secretariat.core.auth.actor import Actor
from secretariat.core.households.models import Household, Person

SYSTEM = Actor.system("test")


def count(session, model, programme):
    return len(session.exec(select(model.id).where(model.programme_id == programme.id)).all())


def run(factory, programme, path, actor=SYSTEM):
    with factory.session() as session:
        record, listing = import_target_file(session=session, actor=actor, programme=programme, path=path)
        session.commit()
        return record, listing


def test_a_clean_file_imports_every_household_in_one_go(factory, programme, rows, write, households):
    record, _ = run(factory, programme, write(rows))
    assert record.status == "imported"
    with factory.session() as session:
        assert count(session, Household, programme) == len(households)
        assert count(session, Person, programme) == len(rows) - 1
        assert count(session, Application, programme) == len(households)


def test_a_file_with_one_error_imports_nothing(factory, programme, rows, write):
    rows[-1][4] = "not a date"
    record, listing = run(factory, programme, write(rows))
    assert record.status == "rejected" and listing.error_count == 1
    with factory.session() as session:
        assert count(session, Person, programme) == 0
        assert session.get(TargetFile, record.id).report["errors"][0]["code"] == "bad_date"


def test_the_same_file_twice_imports_once(factory, programme, rows, write):
    path = write(rows)
    run(factory, programme, path)
    again, listing = run(factory, programme, path)
    assert again.status == "duplicate"
    assert [w.code for w in listing.warnings] == ["already_imported"]
    with factory.session() as session:
        assert count(session, Person, programme) == len(rows) - 1


def test_the_already_imported_warning_gives_the_day_in_japan(factory, programme, rows, write):
    path = write(rows)
    with factory.session() as session:  # 2026-11-29 20:00 UTC is 11-30 in Japan, as the screens show it
        import_target_file(session=session, actor=SYSTEM, programme=programme, path=path,
                           at=datetime(2026, 11, 29, 20, 0, tzinfo=timezone.utc))
        session.commit()
    _, listing = run(factory, programme, path)
    assert "2026-11-30に" in listing.warnings[0].message and "11-29" not in listing.warnings[0].message


def test_a_liaison_cannot_import_into_another_municipality(factory, programme, rows, write):
    import pytest

    from secretariat.core.errors import NotFound

    other = factory.tenant(households=0, name="別の市")
    liaison = factory.actor("liaison", other.municipality)
    with pytest.raises(NotFound):
        run(factory, programme, write(rows), actor=liaison)


def delta(rows, picks):
    """A delta file: the heading row plus 異動区分, 異動事由 and chosen rows marked."""
    out = [rows[0] + ["異動区分", "異動事由", "異動日"]]
    for index, change, reason in picks:
        out.append(rows[index] + [change, reason, "R8.11.1"])
    return out


def test_a_delta_removes_a_person_and_ends_a_not_yet_mailed_household(factory, programme, rows, write):
    run(factory, programme, write(rows))
    single = next(i for i in range(1, len(rows)) if sum(r[1] == rows[i][1] for r in rows[1:]) == 1)
    record, listing = run(factory, programme, write(delta(rows, [(single, "削除", "転出")]), "delta.csv"))
    assert record.status == "imported", listing.errors
    with factory.session() as session:
        household = session.exec(select(Household).where(Household.household_number == rows[single][1])).one()
        application = session.exec(select(Application).where(Application.household_id == household.id)).one()
        assert application.status == Status.ineligible.value
        change = session.exec(select(TargetChange)).one()
        assert (change.kind, change.reason, change.change_date, change.follow_up) == \
            ("remove", "転出", date(2026, 11, 1), False)


def test_a_delta_leaves_an_application_under_way_alone_and_flags_it(factory, programme, rows, write):
    run(factory, programme, write(rows))
    single = next(i for i in range(1, len(rows)) if sum(r[1] == rows[i][1] for r in rows[1:]) == 1)
    with factory.session() as session:
        household = session.exec(select(Household).where(Household.household_number == rows[single][1])).one()
        application = session.exec(select(Application).where(Application.household_id == household.id)).one()
    factory.advance(application, Status.printed, Status.mailed)
    run(factory, programme, write(delta(rows, [(single, "死亡", "死亡")]), "delta.csv"))
    with factory.session() as session:
        assert session.get(Application, application.id).status == Status.mailed.value
        assert session.exec(select(TargetChange)).one().follow_up is True


def test_a_delta_changes_an_address_and_records_before_and_after(factory, programme, rows, write):
    run(factory, programme, write(rows))
    members = [i for i in range(1, len(rows)) if rows[i][1] == rows[1][1]]
    changed = [list(rows[i]) for i in range(len(rows))]
    for i in members:
        changed[i][9] = "新しいマンション 101号"
    record, listing = run(factory, programme, write(delta(changed, [(i, "変更", "転居") for i in members]), "d.csv"))
    assert record.status == "imported", listing.errors
    with factory.session() as session:
        household = session.exec(select(Household).where(Household.household_number == rows[1][1])).one()
        assert household.address_extra == "新しいマンション 101号"
        change = session.exec(select(TargetChange)).all()[0]
        assert change.fields["address_extra"][1] == "新しいマンション 101号"


def test_a_delta_adding_a_known_person_is_refused_whole(factory, programme, rows, write):
    run(factory, programme, write(rows))
    record, listing = run(factory, programme, write(delta(rows, [(1, "追加", "転入")]), "d.csv"))
    assert record.status == "rejected"
    assert [p.code for p in listing.errors] == ["already_target"]


def test_a_list_whose_households_are_not_on_consecutive_rows_imports_the_same(factory, programme, rows, write):
    interleaved = [rows[0]] + rows[1::2] + rows[2::2]  # members of one household far apart
    record, listing = run(factory, programme, write(interleaved))
    assert record.status == "imported" and not listing.grouped
    with factory.session() as session:
        persons = session.exec(select(Person.resident_number, Household.household_number)
                               .join(Household, Household.id == Person.household_id)).all()
    assert sorted(persons) == sorted((row[0], row[1]) for row in rows[1:])
