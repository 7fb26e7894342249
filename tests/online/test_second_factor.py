"""The link alone opens nothing: the head's birth date does, with throttling, and no answer tells
whether a link belongs to a household."""

import re
from datetime import timedelta

from sqlalchemy import event

from online.access import LOCKOUT
from secretariat.core.clock import utcnow

WRONG = "入力された生年月日では確認できませんでした"
LOCKED = "15分ほどたってから"


def answer(client, token, born, address_headers=None):
    page = client.get(f"/a/{token}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(f"/a/{token}", data={"era": "seireki", "year": str(born.year), "month": str(born.month),
                                            "day": str(born.day), "csrf_token": csrf}, follow_redirects=False)


def test_the_right_birth_date_opens_the_households_application(client, linked):
    link = linked(1)
    answered = answer(client, link.tokens[0], link.births[0])
    assert answered.status_code == 303 and answered.headers["location"] == f"/a/{link.tokens[0]}/apply"
    assert link.household(0).household_number in client.get(f"/a/{link.tokens[0]}/apply").text


def test_a_wrong_birth_date_opens_nothing(client, linked):
    link = linked(1)
    answered = answer(client, link.tokens[0], link.births[0] + timedelta(days=1))
    assert answered.status_code == 200 and WRONG in answered.text
    assert client.get(f"/a/{link.tokens[0]}/apply", follow_redirects=False).status_code == 303


def test_five_wrong_answers_lock_the_link_even_against_the_right_one(client, linked):
    link = linked(1)
    for _ in range(5):
        answer(client, link.tokens[0], link.births[0] + timedelta(days=1))
    answered = answer(client, link.tokens[0], link.births[0])
    assert answered.status_code == 200 and LOCKED in answered.text


def test_the_lock_ends_after_fifteen_minutes(client, linked, factory):
    from online.models import OnlineAttempt
    from sqlmodel import select

    link = linked(1)
    for _ in range(5):
        answer(client, link.tokens[0], link.births[0] + timedelta(days=1))
    with factory.session() as session:
        for attempt in session.exec(select(OnlineAttempt)):
            attempt.locked_until = utcnow() - timedelta(seconds=1)
            attempt.window_started_at = utcnow() - LOCKOUT - timedelta(seconds=1)
            session.add(attempt)
        session.commit()
    assert answer(client, link.tokens[0], link.births[0]).status_code == 303


def test_an_address_guessing_across_many_links_is_locked(client, linked):
    link = linked(1)
    for number in range(20):
        answer(client, f"guessed-link-{number}", link.births[0])
    answered = answer(client, link.tokens[0], link.births[0])  # the right answer, from the same address
    assert answered.status_code == 200 and LOCKED in answered.text


def test_an_unknown_link_answers_exactly_as_a_wrong_birth_date(client, linked):
    link = linked(1)
    wrong = answer(client, link.tokens[0], link.births[0] + timedelta(days=1))
    unknown = answer(client, "A" * 43, link.births[0] + timedelta(days=1))
    same = lambda page, token: re.sub(r'value="[0-9a-f]{64}"', "", page.text).replace(token, "TOKEN")
    assert (wrong.status_code, same(wrong, link.tokens[0])) == (unknown.status_code, same(unknown, "A" * 43))
    assert dict(wrong.headers).keys() == dict(unknown.headers).keys()


def test_an_unknown_link_takes_the_same_database_work_as_a_wrong_answer(queue_only, linked, engine):
    """Equal work, statement for statement: the time to answer says nothing of which links exist.
    (The app runs no worker of its own here: a worker's look at the queue would be counted too.)"""
    client = queue_only
    link = linked(1)
    answer(client, "warm-up", link.births[0])  # the address's own count exists from here on, for both
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2].split()[0]))
    answer(client, link.tokens[0], link.births[0] + timedelta(days=1))
    for_wrong, statements[:] = list(statements), []
    answer(client, "B" * 43, link.births[0] + timedelta(days=1))
    assert statements == for_wrong


def test_an_unknown_link_gets_the_same_page_as_a_real_one(client, linked):
    link = linked(1)
    real, unknown = client.get(f"/a/{link.tokens[0]}"), client.get("/a/" + "C" * 43)
    assert real.status_code == unknown.status_code == 200
    assert link.household(0).household_number not in real.text
