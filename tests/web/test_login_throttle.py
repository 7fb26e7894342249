"""Login throttling holds against real simultaneous clients, and cannot be dodged with proxy headers.

These run the app under uvicorn as `secretariat serve` does, because the test client serves one
request at a time and has no peer address of its own.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from secretariat.app import create_app
from secretariat.core.web.security import SESSION_COOKIE
from tests.web.live import Browser, served

WRONG = "wrong-password!"


def test_forty_simultaneous_logins_try_at_most_five_passwords_and_then_refuse_even_the_right_one(factory, app):
    user = factory.user("operator")
    with served(app) as base:
        browsers = [Browser(base) for _ in range(40)]
        guessers, holder = browsers[:39], browsers[39]
        everyone_ready = threading.Barrier(len(guessers))
        answered, five_answered, lock = [0], threading.Event(), threading.Lock()

        def guess(browser: Browser) -> int:
            everyone_ready.wait()
            status = browser.log_in(user.username, WRONG).status_code
            with lock:
                answered[0] += 1
                if answered[0] >= 5:
                    five_answered.set()
            return status

        def right_password() -> int:
            # Among the last: sent once five guesses have been answered, while others are still in flight.
            assert five_answered.wait(timeout=120)
            return holder.log_in(user.username).status_code

        with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
            guesses = [pool.submit(guess, browser) for browser in guessers]
            right = pool.submit(right_password)
            statuses = sorted(future.result() for future in guesses)
            right_status = right.result()
        for browser in browsers:
            browser.close()
    assert statuses == [403] * 5 + [429] * 34  # 403: a password was checked; 429: refused unchecked
    assert right_status == 429


def test_without_trusted_proxies_forwarded_headers_do_not_escape_an_address_lockout(app):
    with served(app) as base:
        browser = Browser(base)
        statuses = [browser.log_in(f"guess{number}", WRONG, headers={
            "X-Forwarded-For": f"203.0.113.{number}", "Forwarded": f"for=203.0.113.{number}"}).status_code
                    for number in range(21)]
        browser.close()
    assert statuses == [403] * 20 + [429]


def test_behind_a_trusted_proxy_the_lockout_applies_to_the_forwarded_client_address(settings, engine):
    proxied = create_app(replace(settings, trusted_proxies=("127.0.0.1",)), engine)
    with served(proxied) as base:
        browser = Browser(base)
        first = [browser.log_in(f"guess{number}", WRONG, headers={"X-Forwarded-For": "203.0.113.7"}).status_code
                 for number in range(20)]
        locked = browser.log_in("guess20", WRONG, headers={"X-Forwarded-For": "203.0.113.7"})
        neighbour = browser.log_in("guess21", WRONG, headers={"X-Forwarded-For": "203.0.113.8"})
        browser.close()
    assert first == [403] * 20
    assert locked.status_code == 429 and neighbour.status_code == 403


def test_behind_a_trusted_proxy_that_terminates_tls_the_session_cookie_is_secure(factory, settings, engine):
    proxied = create_app(replace(settings, trusted_proxies=("127.0.0.1",)), engine)
    with served(proxied) as base:
        browser = Browser(base)
        answer = browser.log_in(factory.user("operator").username, headers={"X-Forwarded-Proto": "https"})
        browser.close()
    cookie = next(value for value in answer.headers.get_list("set-cookie") if value.startswith(SESSION_COOKIE))
    assert answer.status_code == 303 and "secure" in cookie.lower()
