"""The locust users of `benchmarks/load.py` (run by it; read its docstring).

Operators work the check-in station (受付): log in, open the station, check in a form by its page
code as the handheld scanner types it, now and then open the exceptions queue. Agents work the call
center's search: log in, search by kana, phone or 世帯番号 as a caller gives it, open the household
and log the inquiry. Each waits 1–3 s between steps, as a person does.

The measured window is the working day, not the morning's logins: logging in (argon2id, a
deliberately costly hash) is timed apart into LOAD_LOGINS, the statistics are reset once every user
has logged in, and the test stops LOAD_DURATION seconds later.

Set by load.py: LOAD_SAMPLE (households and page codes), LOAD_PASSWORD, LOAD_PORTS (web processes;
users are spread over them), LOAD_OPERATORS, LOAD_AGENTS, LOAD_SEED, LOAD_DURATION, LOAD_LOGINS,
LOAD_TRACE (where to write every request's time, endpoint and latency; empty: not kept).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time

import gevent
from locust import HttpUser, between, events, task

SAMPLE = json.loads(open(os.environ["LOAD_SAMPLE"], encoding="utf-8").read())
PORTS = os.environ["LOAD_PORTS"].split(",")
PASSWORD = os.environ["LOAD_PASSWORD"]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HOUSEHOLD_LINK = re.compile(r'href="/callcenter/households/(\d+)"')
RANDOM = random.Random(int(os.environ.get("LOAD_SEED", "1")))
CODES = iter(SAMPLE["codes"])
CATEGORIES = ("eligibility", "how_to_fill_in", "payment_date", "other")
USERS = int(os.environ.get("LOAD_OPERATORS", "50")) + int(os.environ.get("LOAD_AGENTS", "100"))
LOGINS: list[float] = []  # seconds from opening the login page to the first page after it


@events.test_start.add_listener
def measure_after_logins(environment, **_) -> None:
    def window() -> None:
        while len(LOGINS) < USERS:
            gevent.sleep(0.2)
        environment.runner.stats.reset_all()
        gevent.sleep(int(os.environ.get("LOAD_DURATION", "60")))
        environment.runner.quit()

    gevent.spawn(window)


TRACE_PATH = os.environ.get("LOAD_TRACE", "")
TRACE: list[tuple[float, str, float]] = []  # (when, endpoint, ms), with LOAD_TRACE set (load.py --trace)


@events.request.add_listener
def trace(request_type, name, response_time, **_) -> None:
    if TRACE_PATH:
        TRACE.append((time.time(), name, response_time))


@events.quitting.add_listener
def write_logins(environment, **_) -> None:
    if path := os.environ.get("LOAD_LOGINS"):
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(LOGINS, handle)
    if TRACE_PATH:
        with open(TRACE_PATH, "w", encoding="utf-8") as handle:
            json.dump(TRACE, handle)


class StaffUser(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    role = ""
    address_offset = 0
    numbers: itertools.count

    def __init__(self, environment):
        number = next(self.numbers)
        self.username = f"{self.role}{number:03d}"
        self.host = f"http://127.0.0.1:{PORTS[number % len(PORTS)]}"
        super().__init__(environment)
        # each person's own address, as the reverse proxy passes it on (the web processes trust
        # 127.0.0.1): the login throttle counts attempts per address, and 150 people are not one
        index = number + self.address_offset  # in 198.18.0.0/15, the range set aside for benchmarks
        self.client.headers["X-Forwarded-For"] = f"198.18.{index // 250}.{index % 250 + 1}"

    def on_start(self) -> None:
        """Log in, and as a person would, try again (up to five times) when the page says it failed."""
        started = time.perf_counter()
        try:
            for _ in range(5):
                try:
                    page = self.client.get("/login", name="GET /login")
                    with self.client.post("/login", name="POST /login", catch_response=True, data={
                            "username": self.username, "password": PASSWORD, "next": "/",
                            "csrf_token": self.csrf(page.text)}) as answer:
                        if answer.ok and not answer.url.split("?")[0].endswith("/login"):
                            break
                        answer.failure(f"login refused ({answer.status_code})")
                except OSError:  # a connection reset: the request is already counted as failed
                    pass
                gevent.sleep(RANDOM.uniform(1, 3))
        finally:
            LOGINS.append(time.perf_counter() - started)  # the window waits for every user's attempt

    def csrf(self, text: str) -> str:
        found = CSRF.search(text)
        return found.group(1) if found else ""


class Operator(StaffUser):
    """A mailroom operator at the check-in station (受付)."""

    role = "operator"
    address_offset = 0
    numbers = itertools.count(1)
    fixed_count = int(os.environ.get("LOAD_OPERATORS", "50"))

    def on_start(self) -> None:
        super().on_start()
        self.token = self.csrf(self.client.get("/mailroom", name="GET /mailroom").text)

    @task(6)
    def check_in(self) -> None:
        code = next(CODES, None) or RANDOM.choice(SAMPLE["codes"])  # past the end: double scans
        with self.client.post("/mailroom/check-in", name="POST /mailroom/check-in", catch_response=True, data={
                "csrf_token": self.token, "mode": "check_in", "code": code, "arrived_on": ""}) as answer:
            if answer.status_code == 200 and 'data-level="error"' in answer.text:
                answer.failure("the station refused the code")

    @task(1)
    def open_station(self) -> None:
        self.token = self.csrf(self.client.get("/mailroom", name="GET /mailroom").text) or self.token

    @task(1)
    def exceptions(self) -> None:
        self.client.get("/mailroom/exceptions", name="GET /mailroom/exceptions")


class Agent(StaffUser):
    """A call-center agent: a caller gives a name, a number or the 世帯番号."""

    role = "agent"
    address_offset = 10_000
    numbers = itertools.count(1)
    fixed_count = int(os.environ.get("LOAD_AGENTS", "100"))

    @task
    def take_a_call(self) -> None:
        household = RANDOM.choice(SAMPLE["households"])
        by = RANDOM.choice(("kana", "phone", "number"))
        query = household[by] or household["number"]
        search = self.client.get("/callcenter", params={"q": query}, name=f"GET /callcenter?q=<{by}>")
        found = HOUSEHOLD_LINK.findall(search.text)
        household_id = found[0] if found else household["id"]
        self.wait()
        record = self.client.get(f"/callcenter/households/{household_id}", name="GET /callcenter/households/<id>")
        self.wait()
        self.client.post(f"/callcenter/households/{household_id}/inquiries",
                         name="POST /callcenter/households/<id>/inquiries", data={
                             "csrf_token": self.csrf(record.text), "category": RANDOM.choice(CATEGORIES),
                             "channel": "phone", "language": "ja", "action": "answered",
                             "text": "負荷試験の問い合わせ（架空）"})
