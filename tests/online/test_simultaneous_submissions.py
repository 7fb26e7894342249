"""Two tabs, a double click: the same resident's form posted many times at once, against a real
server (uvicorn, as `secretariat serve`), since the test client serves one request at a time."""

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx2
from sqlmodel import select

from mailroom.checkin.models import Receipt
from tests.conftest import csrf_from
from tests.web.live import served

from .conftest import photo

CONFIRMED = ["confirm_tax_exempt", "confirm_not_dependent"]
TABS = 20
ANSWER_WITHIN_S = 60  # far beyond a submission's work; a request waiting on a lock its holder cannot free waits forever


def test_twenty_simultaneous_submissions_are_all_answered_and_make_one_receipt(app, linked, factory):
    link = linked(1)
    with served(app) as base:
        tabs = signed_in_tabs(base, link.tokens[0], link.births[0])
        statuses = post_at_once(tabs, link.tokens[0], {"photo_bank_book_copy": BANK_BOOK, "photo_id_copy": ID_COPY})
    assert statuses == [303] + [422] * (TABS - 1)  # one accepted; the others told it is already in
    assert len(receipts_of(factory, link.household(0))) == 1


def test_twenty_simultaneous_fixes_of_a_deficient_application_make_one_new_receipt(app, linked, factory):
    link = linked(1)
    with served(app) as base:
        tabs = signed_in_tabs(base, link.tokens[0], link.births[0])
        assert post_at_once(tabs[:1], link.tokens[0], {"photo_id_copy": ID_COPY}) == [303]  # no bank book: deficient
        statuses = post_at_once(tabs, link.tokens[0], {"photo_bank_book_copy": BANK_BOOK})
    assert statuses == [303] + [422] * (TABS - 1)
    assert len(receipts_of(factory, link.household(0))) == 2  # the deficient one, and the fixed one


ID_COPY, BANK_BOOK = ("id.jpg", photo(seed=1), "image/jpeg"), ("bank.jpg", photo(seed=2), "image/jpeg")


def post_at_once(tabs: list[httpx2.Client], token: str, photos: dict) -> list:
    """Each tab posts the application with `photos` at the same moment: their answers' statuses."""
    form = {"csrf_token": csrf_from(tabs[0].get(f"/a/{token}/apply").text), "choice": "receive",
            "account_choice": "new", "phone": "0432451234", "confirmations": CONFIRMED, "bank": "0001",
            "branch": "001", "account_type": "ordinary", "account_number": "1234567",
            "account_holder_kana": "ヤマダ タロウ"}
    everyone_ready = threading.Barrier(len(tabs))

    def submit(tab: httpx2.Client) -> int | str:
        everyone_ready.wait()
        try:
            return tab.post(f"/a/{token}/apply", data=form, files=photos).status_code
        except httpx2.TimeoutException:
            return "no answer"

    with ThreadPoolExecutor(max_workers=len(tabs)) as pool:
        return sorted(pool.map(submit, tabs), key=str)


def receipts_of(factory, household) -> list[Receipt]:
    with factory.session() as session:
        return list(session.exec(select(Receipt).where(Receipt.household_id == household.id)))


def signed_in_tabs(base: str, token: str, born) -> list[httpx2.Client]:
    """TABS browser tabs sharing one resident's cookies, after the second factor."""
    first = httpx2.Client(base_url=base, timeout=ANSWER_WITHIN_S, follow_redirects=False)
    page = first.get(f"/a/{token}")
    first.post(f"/a/{token}", data={"era": "seireki", "year": str(born.year), "month": str(born.month),
                                    "day": str(born.day), "csrf_token": csrf_from(page.text)})
    return [first] + [httpx2.Client(base_url=base, timeout=ANSWER_WITHIN_S, follow_redirects=False,
                                    cookies=dict(first.cookies), limits=httpx2.Limits(max_keepalive_connections=0))
                      for _ in range(TABS - 1)]
