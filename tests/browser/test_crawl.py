"""Every page every role can reach, at a desk's width and a phone's: Japanese throughout, no serious
or critical accessibility violation (axe-core), no sideways scroll at 390 px, no error answer.

The crawl logs in as each role, starts at the dashboard and follows every same-origin link that
shows a page (downloads, the API and logout are left alone), a couple of URLs per route, on a store
where every page has something to show (`crawl_support.seed_store`). All crawls run once, two at a
time; each role and width is then its own test. With SECRETARIAT_SCREENSHOTS=docs/screenshots the
crawl also saves each role's main pages there, for the README; with SECRETARIAT_CRAWL_REPORT=FILE
it appends what it found to FILE as JSON lines.
"""

import json
import os
from pathlib import Path

import pytest
from fastapi.templating import Jinja2Templates

from secretariat.app import create_app
from secretariat.core.config import Settings
from secretariat.core.db import make_engine
from tests.browser.crawl_support import (EXPECTED_MISSING, SECOND_OPERATOR, USERNAMES, WIDTHS, Crawl, Job,
                                         crawl_all, seed_store)
from tests.factories import PASSWORD
from tests.web.live import served

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]  # seeding and crawling once, in the first test

ROLES = [*USERNAMES, "anonymous"]  # admin first: axe checks each route once, as the first role to reach it
# The pages each role's README screenshots show, by route pattern.
SCREENSHOT_PAGES = {"/": "dashboard", "/login": "login", "/programmes/{n}": "programme", "/households/{n}": "household",
                    "/print": "print", "/mailroom": "station", "/mailroom/review": "review",
                    "/mailroom/exceptions": "exceptions", "/mailroom/keying": "keying",
                    "/mailroom/keying/tasks/{n}/verify": "keying-verify", "/exchange": "exchange",
                    "/programmes/{n}/exchange": "programme-exchange", "/programmes/{n}/decisions": "decisions",
                    "/decisions/{n}": "decision", "/callcenter": "callcenter",
                    "/callcenter/households/{n}": "call", "/callcenter/escalations": "escalations",
                    "/callcenter/callbacks": "callbacks", "/callcenter/address-changes": "address-changes",
                    "/programmes/{n}/staffing": "staffing"}


def starts_for(role: str, seeded) -> list[str]:
    """The dashboard, and what no link reaches: the search answers and the error page."""
    if role == "anonymous":
        return ["/login"]
    starts = ["/"]
    if role in ("admin", "supervisor"):  # no page links the staffing plan yet
        starts.append(f"/programmes/{seeded.programme_id}/staffing")
    if role in ("admin", "supervisor", "agent"):
        starts += [f"/callcenter?q={seeded.caller_number}",
                   f"/programmes/{seeded.programme_id}?q={seeded.caller_number}"]
    if role == "admin":
        starts.append(EXPECTED_MISSING)
    return starts


@pytest.fixture(scope="module")
def crawls(stores, tmp_path_factory) -> dict[tuple[str, int], Crawl]:
    """Every role's crawl at every width, over the seeded store served on loopback. Each page says
    which template rendered it (a header added here), so that a finding can name it."""
    original = Jinja2Templates.TemplateResponse

    def traced(self, request, name, *args, **kwargs):
        answer = original(self, request, name, *args, **kwargs)
        answer.headers["x-crawl-template"] = name
        return answer

    url = stores.create()
    engine = make_engine(url)
    data_dir = tmp_path_factory.mktemp("crawl")
    seeded = seed_store(engine, data_dir)
    screenshots = os.environ.get("SECRETARIAT_SCREENSHOTS")
    usernames = set(USERNAMES.values()) | {SECOND_OPERATOR}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Jinja2Templates, "TemplateResponse", traced)
        app = create_app(Settings(data_dir=data_dir, database_url=url, secret_key="crawl-secret-key"), engine)
        with served(app) as base:
            axed: set = set()
            jobs = [Job(Crawl(role, width, base, usernames, Path(screenshots) if screenshots else None,
                              dict(SCREENSHOT_PAGES), axed), USERNAMES.get(role), starts_for(role, seeded))
                    for role in ROLES for width in WIDTHS]
            crawl_all(jobs, PASSWORD)
    engine.dispose()
    stores.drop(url)
    if os.environ.get("SECRETARIAT_CRAWL_REPORT"):
        with open(os.environ["SECRETARIAT_CRAWL_REPORT"], "w", encoding="utf-8") as report:
            for job in jobs:
                for finding in job.crawl.findings:
                    report.write(json.dumps(finding.__dict__, ensure_ascii=False) + "\n")
                report.write(json.dumps({"role": job.crawl.role, "width": job.crawl.width,
                                         "visited": job.crawl.visited}) + "\n")
    return {(job.crawl.role, job.crawl.width): job.crawl for job in jobs}


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_is_japanese_accessible_and_fits(crawls, role, width):
    crawl = crawls[role, width]
    assert len(crawl.visited) >= (1 if role == "anonymous" else 6), crawl.visited
    assert not crawl.findings, "\n".join(finding.line() for finding in crawl.findings)
