"""Double entry from the keyboard: two operators key a form blind, they differ, a verifier settles it.

Prints keystrokes and seconds per form, the numbers a keying floor is run by."""

import time

import pytest
from sqlmodel import select

from mailroom.keying.models import KeyingEntry, KeyingTask
from secretariat.core.households.models import Household
from tests.browser.test_staff_journey import log_in
from tests.mailroom.keying.conftest import checked_form  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def key_form(page, base, username, number: str) -> tuple[int, float]:
    """Key the next form as the crops read; returns (keystrokes, seconds) from the page's first paint."""
    log_in(page, base, username)
    page.wait_for_selector("h1")
    page.goto(f"{base}/mailroom/keying/next")
    page.wait_for_selector("#bank_code:focus")  # polled selectors: the page's CSP refuses eval
    started = time.monotonic()
    keys = 0
    for text in ("0001", "001", "1", number):  # full code fields move on by themselves: no Tab
        page.keyboard.type(text)
        keys += len(text)
    page.wait_for_selector("#account_holder_kana:focus")
    page.wait_for_selector("#bank_name:text-is('みずほ')")
    page.wait_for_selector("#branch_name:text-is('東京営業部')")  # its own lookup, answered after the bank's
    page.keyboard.type("ﾔﾏﾀﾞ ﾀﾛｳ")
    page.keyboard.press("Tab")
    page.keyboard.type("0432001234")
    page.keyboard.press("Enter")
    keys += len("ﾔﾏﾀﾞ ﾀﾛｳ") + 1 + len("0432001234") + 1
    page.wait_for_selector("#counts")  # back on the keying overview: nothing else left for this operator
    return keys, time.monotonic() - started


def test_two_operators_key_a_form_blind_and_a_verifier_settles_their_difference(
        factory, live_server, browser, checked_form):
    receipt = checked_form(factory.tenant(households=1))
    measured = []
    for username, number in ((factory.user("operator").username, "1234567"),
                             (factory.user("operator").username, "1234561")):  # the second misreads the 7
        context = browser.new_context(locale="ja-JP")
        measured.append(key_form(context.new_page(), live_server, username, number))
        context.close()
    with factory.session() as session:
        task = session.exec(select(KeyingTask).where(KeyingTask.receipt_id == receipt.id)).one()
    assert task.status == "disputed"

    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    log_in(page, live_server, factory.user("supervisor").username)
    page.wait_for_selector("h1")
    page.goto(f"{live_server}/mailroom/keying")
    page.click(f"#disputed a[href='/mailroom/keying/tasks/{task.id}/verify']")
    page.wait_for_selector("#account_number:focus")
    # the crop has loaded (a busy machine may still be fetching it when focus lands)
    page.wait_for_function("() => document.querySelector('tr.differs img').complete", timeout=15_000)
    assert page.evaluate("document.querySelector('tr.differs img').naturalWidth") > 0
    started = time.monotonic()
    page.keyboard.press("Control+A")
    page.keyboard.type("1234567")  # the verifier reads the crop and keys the differing field
    page.keyboard.press("Enter")
    page.wait_for_selector("#counts")
    verifier = (1 + len("1234567") + 1, time.monotonic() - started)
    context.close()

    with factory.session() as session:
        task = session.get(KeyingTask, task.id)
        household = session.get(Household, receipt.household_id)
        rounds = session.exec(select(KeyingEntry.round).where(KeyingEntry.task_id == task.id)).all()
    assert (task.status, task.decision, task.account_number, task.applied) == (
        "verified", "correction", "1234567", "filled")
    assert household.account_number == "1234567" and sorted(rounds) == [1, 2, 3]
    for label, (keys, seconds) in zip(("1回目", "2回目", "ベリファイ"), measured + [verifier]):
        print(f"\nkeying {label}: {keys} keystrokes, {seconds:.2f} s")
    assert all(keys <= 40 for keys, _ in measured)
