"""The one search box (the call center's and a programme's household list): what it understands, and
that every result says which municipality and programme it belongs to."""

from datetime import date

import pytest
from sqlalchemy import event
from sqlmodel import select

from callcenter.inquiries.lookup import find_callers
from secretariat.core.households.models import Household, Person
from secretariat.core.households.service import read_search, search_households


@pytest.fixture
def tenant(factory):
    return factory.tenant(households=4)


@pytest.fixture
def agent(factory):
    return factory.actor("agent")


def set_head(factory, household_id, **values):
    """Give the household's head known details (a name, a birth date) to search for."""
    with factory.session() as session:
        head = session.exec(select(Person).where(Person.household_id == household_id, Person.is_head.is_(True))).one()
        for name, value in values.items():
            setattr(head, name, value)
        session.add(head)
        session.commit()
        return head


def set_household(factory, household_id, **values):
    with factory.session() as session:
        household = session.get(Household, household_id)
        for name, value in values.items():
            setattr(household, name, value)
        session.add(household)
        session.commit()
        return household


def found_ids(factory, actor, typed):
    with factory.session() as session:
        return [row.household_id for row in find_callers(session=session, actor=actor, query=typed)]


def test_two_municipalities_households_with_the_same_number_are_told_apart(factory, tenant, agent):
    other = factory.tenant(households=1, name="別の市")
    set_household(factory, tenant.households[0].id, household_number="00100003")
    set_household(factory, other.households[0].id, household_number="00100003")
    with factory.session() as session:
        found = find_callers(session=session, actor=agent, query="00100003")
    assert {(row.municipality_name, row.programme_name) for row in found} == {
        ("テスト市", tenant.programme.name), ("別の市", other.programme.name)}


@pytest.mark.parametrize("typed", ["00000090", "90", "0090", "００９０"])
def test_a_household_number_is_found_with_or_without_its_leading_zeros(factory, tenant, agent, typed):
    set_household(factory, tenant.households[1].id, household_number="00000090")
    found = found_ids(factory, agent, typed)
    assert found[0] == tenant.households[1].id


@pytest.mark.parametrize("typed", ["渡辺", "渡辺　さくら", "渡辺 さくら", "さくら"])
def test_a_name_in_kanji_finds_the_household(factory, tenant, agent, typed):
    set_head(factory, tenant.households[2].id, name="渡辺　さくら", name_kana="ワタナベ　サクラ")
    assert tenant.households[2].id in found_ids(factory, agent, typed)


@pytest.mark.parametrize("typed", ["263-0031 1950-04-01", "2630031 19500401", "〒263-0031 1950/4/1",
                                   "２６３－００３１　１９５０－０４－０１", "1950-04-01 263-0031",
                                   "263-0031 S25.4.1", "263-0031 昭和25年4月1日"])
def test_a_postal_code_and_a_birth_date_typed_together_find_the_household(factory, tenant, agent, typed):
    set_household(factory, tenant.households[3].id, postal_code="2630031")
    set_head(factory, tenant.households[3].id, birth_date=date(1950, 4, 1))
    with factory.session() as session:
        found = find_callers(session=session, actor=agent, query=typed)
    assert [(row.household_id, row.matched_by) for row in found] == [(tenant.households[3].id,
                                                                      "postal_code+birth_date")]


def test_a_member_found_by_birth_date_is_named_beside_the_head(factory, agent):
    tenant = factory.tenant(households=1)
    with factory.session() as session:
        household = session.get(Household, tenant.households[0].id)
        session.add(Person(household_id=household.id, municipality_id=household.municipality_id,
                           programme_id=household.programme_id, resident_number="X0000001", name="試験　花子",
                           name_kana="シケン　ハナコ", birth_date=date(2001, 2, 3), relationship="子"))
        session.commit()
        found = find_callers(session=session, actor=agent, query=f"{household.postal_code} 2001-02-03")
    assert [(row.household_id, row.matched_person) for row in found] == [(tenant.households[0].id, "試験　花子")]


def test_a_name_in_kana_is_found_by_its_given_name_too(factory, tenant, agent):
    set_head(factory, tenant.households[0].id, name_kana="ワタナベ　キョウコ")
    assert tenant.households[0].id in found_ids(factory, agent, "ｷｮｳｺ")


def test_a_whole_kana_name_typed_with_large_kana_finds_one_stored_with_small_ones(factory, tenant, agent):
    set_head(factory, tenant.households[1].id, name_kana="サイトウ　ジョウタロウ")
    set_head(factory, tenant.households[2].id, name_kana="サイトウ　ジロウ")
    assert found_ids(factory, agent, "サイトウジヨウ") == [tenant.households[1].id]


@pytest.mark.parametrize("typed, hint", [("1950-04-01", "郵便番号と一緒に"), ("263-0031", "生年月日と一緒に"),
                                         ("ア", "2文字以上")])
def test_what_cannot_be_searched_alone_says_what_to_add(typed, hint):
    terms = read_search(typed)
    assert not terms and hint in terms.hint


def test_a_programmes_household_list_understands_the_same_box(factory, tenant, agent):
    set_head(factory, tenant.households[2].id, name="渡辺　さくら", name_kana="ワタナベ　サクラ")
    with factory.session() as session:
        rows = search_households(session=session, actor=agent, programme=tenant.programme, query="渡辺")
    assert [row.household_id for row in rows] == [tenant.households[2].id]


def test_a_liaison_finds_no_household_of_another_municipality_by_its_number(factory, tenant):
    other = factory.tenant(households=1, name="別の市")
    set_household(factory, tenant.households[0].id, household_number="00700007")
    set_household(factory, other.households[0].id, household_number="00700007")
    liaison = factory.actor("liaison", other.municipality)
    assert found_ids(factory, liaison, "700007") == [other.households[0].id]


def test_a_household_imported_from_a_target_list_is_found_by_its_heads_given_name(factory, tenant, agent):
    with factory.session() as session:
        head = session.exec(select(Person).where(Person.household_id == tenant.households[3].id,
                                                 Person.is_head.is_(True))).one()
    given = head.name_kana.split("\u3000")[1]
    assert tenant.households[3].id in found_ids(factory, agent, given)


def test_a_person_whose_kana_changes_is_found_by_the_new_name_only(factory, tenant, agent):
    set_head(factory, tenant.households[0].id, name_kana="ヤマモト　ハナコ")
    set_head(factory, tenant.households[0].id, name_kana="ハシモト　ハナエ")
    assert tenant.households[0].id not in found_ids(factory, agent, "ヤマモト")
    assert tenant.households[0].id in found_ids(factory, agent, "ハシモトハナエ")


def kana_search_plan(factory, agent, typed) -> str:
    """The database's plan for the kana search's own statement, as the search sent it."""
    sent = []

    def keep(connection, cursor, statement, parameters, context, executemany):
        if "kana_key" in statement:
            sent.append((statement, parameters))

    engine = factory.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        found_ids(factory, agent, typed)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    plans = []
    with engine.connect() as connection:
        for statement, parameters in sent:
            if engine.dialect.name == "sqlite":
                rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            else:  # a few test rows: only a plan without a table scan shows whether the index can serve
                connection.exec_driver_sql("SET enable_seqscan = off")
                rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            plans.append("\n".join(str(row) for row in rows))
    return "\n".join(plans)


def test_a_kana_search_reads_the_kana_indexes_not_every_person(factory, tenant, agent):
    plan = kana_search_plan(factory, agent, "ﾜﾀﾅﾍﾞ")
    assert "ix_person_kana_key" in plan and "ix_person_given_kana_key" in plan, plan
