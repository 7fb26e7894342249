"""An operator prints a programme's return letters (返戻通知) from the browser: from the station to
the programme's returns, a confirmation that says how many, the job's progress, then the PDFs."""

import pytest

from tests.browser.test_staff_journey import log_in
from tests.mailroom.checkin.conftest import mailed  # noqa: F401 (fixture)
from tests.mailroom.checkin.test_return_jobs import made_deficient

pytestmark = pytest.mark.browser


def test_an_operator_prints_the_waiting_return_letters_and_follows_the_job_to_the_pdfs(factory, live_server, page,
                                                                                        mailed):
    forms = mailed(2)
    made_deficient(factory, forms, 0, 1)
    log_in(page, live_server, factory.user("operator").username)
    page.wait_for_selector("h1")
    page.goto(f"{live_server}/mailroom")
    page.click("a[href='/mailroom/returns']")
    page.click(f"text={forms.tenant.programme.name}")
    assert page.locator("#waiting-returns tbody tr").count() == 2
    page.click("[data-testid=print-returns]")
    assert page.inner_text("[data-testid=returns-to-print]") == "2 通"
    page.click("[data-testid=confirm-print-returns]")
    # the app's own worker prints it; the page refreshes itself until it is done
    page.wait_for_selector("[data-testid=returns-state]:has-text('印刷完了')", timeout=30_000)
    assert page.inner_text("[data-testid=returns-count]") == "2 / 2 通"
    assert page.locator("[data-testid=returns-job-files] a").count() == 2
    assert "返戻通知を待っている様式はありません" in page.inner_text("main")
