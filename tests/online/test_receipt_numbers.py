"""A resident quotes the 受付番号 their online application gave them; the agent types it as heard
and finds the household, and the caller's record and the household page show it."""

import pytest

from callcenter.inquiries.lookup import find_callers
from mailroom.checkin.receipt_numbers import receipt_id_in, receipt_number
from online import flows
from .conftest import photo
from .test_applying import answers, submit


def submitted(factory, linked, tmp_path):
    """An online application of the first household of a fresh linked programme: (its receipt, the household)."""
    link = linked(1)
    household = link.household(0)
    done, _ = submit(factory, tmp_path, household, answers(), {"id_copy": photo(seed=1), "bank_book_copy": photo(seed=2)})
    return done.receipt, household


@pytest.mark.parametrize("typed, receipt_id", [("W00000222", 222), ("w222", 222), ("Ｗ００００００２２２", 222),
                                                ("W-00000222", 222), (" W 222 ", 222), ("222", None),
                                                ("WX222", None), ("ＷＷ222", None)])
def test_a_receipt_number_is_read_however_it_is_typed(typed, receipt_id):
    assert receipt_id_in(typed) == receipt_id


def test_an_agent_finds_the_household_by_its_online_receipt_number(factory, linked, tmp_path):
    receipt, household = submitted(factory, linked, tmp_path)
    typed = f"w{receipt.id}"  # as heard, without the leading zeros
    with factory.session() as session:
        found = find_callers(session=session, actor=factory.actor("agent"), query=typed)
    assert [(row.household_id, row.matched_by) for row in found] == [(household.id, "receipt")]


def test_a_receipt_number_of_another_municipality_finds_nothing(factory, linked, tmp_path):
    receipt, _ = submitted(factory, linked, tmp_path)
    other = factory.tenant(households=1, name="乙市")
    with factory.session() as session:
        found = find_callers(session=session, actor=factory.actor("liaison", other.municipality),
                             query=receipt_number(receipt))
    assert found == []


def test_the_callers_record_and_the_household_page_show_the_receipt_number(client, login, factory, linked, tmp_path):
    receipt, household = submitted(factory, linked, tmp_path)
    number = flows.receipt_number(receipt)
    login(factory.user("agent"))
    assert f"受付番号 {number}" in client.get(f"/callcenter/households/{household.id}").text
    login(factory.user("supervisor"))
    assert f"受付番号 {number}" in client.get(f"/households/{household.id}").text
