"""The supervisor's /jobs page: every job with its state, attempts, duration and error, filtered
by state with the failed ones offered first."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session

from secretariat.core.jobs.models import Job
from tests.conftest import log_in

STARTED = datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)


@pytest.fixture
def supervisor_page(queue_only, factory):
    """Logged in as a supervisor, on an app with no worker of its own: the jobs stay as the test leaves them."""
    assert log_in(queue_only, factory.user("supervisor").username).status_code == 303
    return queue_only


def add_job(engine, key: str, state: str, **values) -> None:
    with Session(engine) as session:
        session.add(Job(kind="mailroom.print_run", key=key, state=state, **values))
        session.commit()


def rows(page: str) -> list[str]:
    return [part.split('"', 1)[0] for part in page.split('<tr data-state="')[1:]]


def test_filtered_by_failed_the_page_shows_only_the_failed_jobs_with_error_attempts_and_duration(
        engine, supervisor_page):
    add_job(engine, "run-1", "done", attempts=1, started_at=STARTED, finished_at=STARTED + timedelta(seconds=42))
    add_job(engine, "run-2", "failed", attempts=4, started_at=STARTED, finished_at=STARTED + timedelta(minutes=3, seconds=5),
            last_error="OSError (render.py:10 draw)")
    page = supervisor_page.get("/jobs?state=failed").text
    assert rows(page) == ["failed"]
    assert "OSError (render.py:10 draw)" in page and "4 / 4" in page and "3分05秒" in page and "失敗" in page


def test_the_filter_offers_the_failed_jobs_first_with_how_many_there_are_in_each_state(engine, supervisor_page):
    add_job(engine, "run-1", "done")
    add_job(engine, "run-2", "failed", attempts=4)
    add_job(engine, "run-3", "queued")
    page = supervisor_page.get("/jobs").text
    nav = page[page.index('data-testid="job-filter"'):page.index("</nav>", page.index('data-testid="job-filter"'))]
    offered = ["すべて（3）", "失敗（1）", "実行中（0）", "待機中（1）", "完了（1）"]
    assert sorted(offered, key=lambda label: nav.find(label)) == offered and all(label in nav for label in offered)
    assert rows(page) == ["queued", "failed", "done"]


def test_a_state_with_no_job_says_so_in_japanese(supervisor_page):
    assert "失敗のジョブはありません" in supervisor_page.get("/jobs?state=failed").text


def test_an_unknown_state_is_named_in_a_japanese_error_and_every_job_is_shown(engine, supervisor_page):
    add_job(engine, "run-1", "done")
    answer = supervisor_page.get("/jobs?state=broken")
    assert answer.status_code == 200
    assert "状態「broken」はありません" in answer.text and rows(answer.text) == ["done"]
