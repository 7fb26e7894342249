"""The link alone opens nothing: the head's birth date does, with throttling, and no answer tells
whether a link belongs to a household."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx2
from sqlalchemy import event

from online.access import ADDRESS_MAX_FAILURES, LOCKOUT, TOKEN_MAX_FAILURES
from online.router import RESIDENT_COOKIE
from secretariat.core.clock import utcnow
from tests.web.live import served

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


def test_forty_simultaneous_wrong_answers_check_at_most_five_birth_dates_and_then_refuse_the_right_one(app, linked):
    """Real simultaneous clients (uvicorn, as `secretariat serve`): the throttle must count each
    answer before it is checked, or answers that arrive together all see the count from before."""
    link = linked(1)
    token, born = link.tokens[0], link.births[0]
    with served(app) as base:
        residents = [Resident(base, token) for _ in range(40)]
        everyone_ready = threading.Barrier(len(residents))

        def guess(resident: "Resident", days: int) -> str:
            everyone_ready.wait()
            return resident.answer(born + timedelta(days=days))

        with ThreadPoolExecutor(max_workers=len(residents)) as pool:
            said = list(pool.map(guess, residents, range(1, 41)))
        right = residents[0].answer(born)
        for resident in residents:
            resident.close()
    assert said.count("wrong") <= TOKEN_MAX_FAILURES - 1  # the fifth wrong answer already says locked
    assert said.count("locked") >= len(said) - (TOKEN_MAX_FAILURES - 1)
    assert right == "locked"


class Resident:
    """One phone: its own cookies, holding the second factor's form it was shown."""

    def __init__(self, base_url: str, token: str):
        self.token = token
        self.http = httpx2.Client(base_url=base_url, timeout=120, follow_redirects=False,
                                  limits=httpx2.Limits(max_keepalive_connections=0))
        page = self.http.get(f"/a/{token}")
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def answer(self, born) -> str:
        """"opened", "wrong" or "locked": what the page says to the answer `born`."""
        page = self.http.post(f"/a/{self.token}", data={"era": "seireki", "year": str(born.year),
                                                         "month": str(born.month), "day": str(born.day),
                                                         "csrf_token": self.csrf})
        if page.status_code == 303:
            return "opened"
        return "locked" if LOCKED in page.text else "wrong" if WRONG in page.text else f"other {page.status_code}"

    def close(self) -> None:
        self.http.close()


def test_right_answers_from_one_address_never_lock_it(client, linked):
    """A help desk's computer signs residents in all day: only wrong answers count against it."""
    link = linked(1)
    opened = []
    for _ in range(ADDRESS_MAX_FAILURES + 1):
        client.cookies.delete(RESIDENT_COOKIE)  # the next resident, on the same computer
        opened.append(answer(client, link.tokens[0], link.births[0]).status_code)
    assert opened == [303] * (ADDRESS_MAX_FAILURES + 1)
