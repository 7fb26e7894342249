"""Two stations scanning the same envelope at once: one receipt, one step, and a double-scan
answer for the other; with real concurrent HTTP clients and real concurrent CLI processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import httpx2
from sqlmodel import func, select

from mailroom.checkin.models import Receipt
from secretariat.core.applications.models import ApplicationEvent
from tests.conftest import csrf_from
from tests.factories import PASSWORD
from tests.web.live import served

STATIONS, SCANS = 10, 50  # ten logged-in stations, five simultaneous posts each


def counts(factory) -> tuple[int, int]:
    with factory.session() as session:
        receipts = session.exec(select(func.count()).select_from(Receipt)).one()
        received = session.exec(select(func.count()).where(ApplicationEvent.to_status == "received")).one()
    return receipts, received


def logged_in_client(base: str, username: str) -> tuple[httpx2.Client, str]:
    client = httpx2.Client(base_url=base, timeout=120)
    page = client.get("/login")
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf_token": csrf_from(page.text), "next": "/mailroom"})
    assert answer.status_code == 303, answer.text
    return client, csrf_from(client.get("/mailroom").text)


def test_fifty_stations_scanning_ten_forms_at_once_record_ten_receipts(factory, app, mailed):
    m = mailed(10)
    codes = [m.code(number) for number in range(10)]
    operators = [factory.user("operator").username for _ in range(5)]
    with served(app) as base:
        stations = [logged_in_client(base, operators[i % len(operators)]) for i in range(STATIONS)]
        start = Barrier(SCANS)

        def scan(i: int) -> httpx2.Response:
            client, token = stations[i % STATIONS]
            start.wait()
            return client.post("/mailroom/check-in", data={"code": codes[i % 10], "csrf_token": token})
        with ThreadPoolExecutor(SCANS) as pool:
            answers = list(pool.map(scan, range(SCANS)))
        for client, _ in stations:
            client.close()
    assert [a.status_code for a in answers] == [200] * SCANS
    assert not any("locked" in a.text for a in answers)
    assert sum("受け付けました" in a.text for a in answers) == 10
    assert sum("二重読取り" in a.text for a in answers) == SCANS - 10
    assert counts(factory) == (10, 10)


def test_concurrent_cli_check_ins_of_one_form_record_one_receipt(factory, mailed, database_url, tmp_path):
    m = mailed(1)
    env = {**os.environ, "SECRETARIAT_DATABASE_URL": database_url, "SECRETARIAT_DATA_DIR": str(tmp_path)}
    command = [str(Path(sys.executable).with_name("secretariat")), "mailroom", "checkin", m.code(0)]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(4)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0] * 4, outputs
    assert counts(factory) == (1, 1)
