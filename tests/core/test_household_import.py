
import pytest
from sqlalchemy import func
from sqlmodel import select

from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.errors import Conflict, InvalidInput
from secretariat.core.households.models import Household, Person
from secretariat.core.households.service import import_households
from tests.factories import SYSTEM


def row(household_number="00000001", *persons, **fields):
    persons = persons or (person("0000000001", head=True),)
    return dict(household_number=household_number, postal_code="263-0023", address="千葉市稲毛区緑町3丁目30-8",
                persons=list(persons)) | fields


def person(number, head=False, **fields):
    return dict(resident_number=number, name="山田　太郎", name_kana="ﾔﾏﾀﾞ ﾀﾛｳ", birth_date="1950-04-01",
                is_head=head, relationship="世帯主" if head else "子") | fields


def count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def test_an_import_creates_households_persons_and_one_application_each(factory, session):
    programme = factory.tenant(households=0).programme
    result = import_households(session=session, actor=SYSTEM, programme=programme, households=[
        row("1", person("11", head=True), person("12", birth_date="2015-06-01")), row("2", person("21", head=True))])
    session.commit()
    assert (result.households, result.persons, result.applications) == (2, 3, 2)
    assert (count(session, Household), count(session, Person), count(session, Application)) == (2, 3, 2)
    assert {e.to_status for e in session.exec(select(ApplicationEvent))} == {"imported"}


def test_the_amount_due_counts_the_children(factory, session):
    programme = factory.tenant(households=0).programme  # 30,000 per household + 20,000 per child
    import_households(session=session, actor=SYSTEM, programme=programme,
                      households=[row("1", person("11", head=True), person("12", birth_date="2015-06-01"))])
    assert session.exec(select(Application.amount_yen)).one() == 50_000


def test_half_width_kana_and_hyphenated_postal_codes_are_stored_normalised(factory, session):
    programme = factory.tenant(households=0).programme
    import_households(session=session, actor=SYSTEM, programme=programme, households=[row(phone="０４３-２４５-１１１１")])
    stored = session.exec(select(Person)).one()
    household = session.exec(select(Household)).one()
    assert (stored.name_kana, household.postal_code, household.phone) == ("ヤマダ　タロウ", "2630023", "0432451111")


def test_a_duplicate_resident_number_in_the_list_imports_nothing(factory, session):
    programme = factory.tenant(households=0).programme
    with pytest.raises(Conflict, match="宛名番号 0000000001 が一覧に2回あります"):
        import_households(session=session, actor=SYSTEM, programme=programme,
                          households=[row("1"), row("2")])
    session.rollback()
    assert count(session, Household) == 0


def test_a_resident_number_already_stored_imports_nothing(factory, session):
    tenant = factory.tenant(households=1)
    taken = session.exec(select(Person.resident_number)).first()
    with pytest.raises(Conflict, match=f"宛名番号 {taken} はこの事業の対象者としてすでに登録されています"):
        import_households(session=session, actor=SYSTEM, programme=tenant.programme,
                          households=[row("99999999", person("5555555555", head=True)),
                                      row("99999998", person(taken, head=True))])
    session.rollback()
    assert count(session, Household) == 1


@pytest.mark.parametrize("bad, problem", [
    (dict(persons=[person("1", head=True, birth_date="1950-02-30")]), r"1番目の世帯: persons\.0\.birth_date: 「1950-02-30」は日付として読めません"),
    (dict(persons=[person("1", head=True, name_kana="山田")]), "カタカナで書いてください"),
    (dict(persons=[person("1"), person("2")]), "世帯主は一世帯に一人です"),
    (dict(persons=[person("1", head=True), person("2", head=True)]), "この世帯には2人います"),
    (dict(postal_code="26300"), "郵便番号「26300」は7桁の数字で書いてください"),
    (dict(persons=[]), "一人以上の世帯員が必要です"),
])
def test_a_malformed_household_is_refused_naming_where(factory, session, bad, problem):
    programme = factory.tenant(households=0).programme
    with pytest.raises(InvalidInput, match=problem):
        import_households(session=session, actor=SYSTEM, programme=programme, households=[row(**bad)])
    assert count(session, Household) == 0


def test_every_problem_in_a_list_is_reported_at_once(factory, session):
    programme = factory.tenant(households=0).programme
    with pytest.raises(InvalidInput) as refused:
        import_households(session=session, actor=SYSTEM, programme=programme, households=[
            row("1", person("1", head=True, birth_date="1950-13-01")), row("2", postal_code="x")])
    assert "1番目の世帯:" in refused.value.message and "2番目の世帯:" in refused.value.message


def test_error_messages_carry_no_names(factory, session):
    programme = factory.tenant(households=0).programme
    with pytest.raises(InvalidInput) as refused:
        import_households(session=session, actor=SYSTEM, programme=programme,
                          households=[row(persons=[person("1", head=True, birth_date="bad")])])
    assert "山田" not in refused.value.message


def test_an_import_is_set_based(factory, session, engine):
    """One INSERT per table per chunk, whatever the number of households."""
    from sqlalchemy import event

    statements = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: statements.append(statement))
    factory.import_into(session, factory.tenant(households=0).programme, 300)
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) <= 10, len(inserts)
    assert session.exec(select(func.count()).select_from(Household)).one() == 300


def test_an_import_can_be_dated_when_the_list_arrived(factory, session):
    from datetime import datetime, timezone

    from secretariat.core.clock import as_utc

    arrived = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
    import_households(session=session, actor=SYSTEM, programme=factory.tenant(households=0).programme,
                      households=[row()], at=arrived)
    session.commit()
    assert as_utc(session.exec(select(ApplicationEvent.at)).one()) == arrived
