"""What a member of staff does first: log in, read the dashboard, open a household's timeline."""

import pytest

from secretariat.core.applications.states import Status

pytestmark = pytest.mark.browser


def log_in(page, base, username, password="correct-horse-battery"):
    page.goto(f"{base}/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_a_supervisor_logs_in_and_sees_the_dashboard(factory, live_server, page):
    tenant = factory.tenant(households=3)
    log_in(page, live_server, factory.user("supervisor", username="sato").username)
    page.wait_for_selector("h1")
    assert page.inner_text("[data-testid=current-user]") == "sato"
    assert tenant.programme.name in page.inner_text("main")
    assert page.inner_text(f"section[data-programme-id='{tenant.programme.id}'] [data-testid=total]") == "3"


def test_a_wrong_password_is_shown_on_the_login_page(factory, live_server, page):
    log_in(page, live_server, factory.user("agent").username, password="not-the-password")
    assert "ユーザー名またはパスワードが違います" in page.inner_text("[role=alert]")


def test_an_operator_opens_a_household_timeline_and_takes_a_manual_step(factory, live_server, page, tmp_path):
    tenant = factory.tenant(households=1)
    factory.advance(tenant.applications[0], Status.printed, Status.mailed)
    log_in(page, live_server, factory.user("operator").username)
    page.click(f"a[href='/programmes/{tenant.programme.id}']")
    page.click(f"a[href='/households/{tenant.households[0].id}']")
    timeline = page.inner_text("[data-testid=timeline]")
    assert "取込済み" in timeline and "発送済み" in timeline
    # only the manual steps are offered: receiving a form is the check-in's, expiring the supervisor's
    assert page.eval_on_selector_all("select[name=to] option", "options => options.map(o => o.value)") == [
        "withdrawn"]
    page.select_option("select[name=to]", "withdrawn")
    page.fill("input[name=reason]", "本人から書面で取下げ")
    page.click("form.transition button")
    page.wait_for_selector(".status-withdrawn")
    assert page.inner_text("[data-testid=status]") == "取下げ"
    assert "本人から書面で取下げ" in page.inner_text("[data-testid=timeline]")
    page.screenshot(path=str(tmp_path / "household.png"), full_page=True)


def test_a_liaison_cannot_open_another_municipalitys_household(factory, live_server, page):
    ours, theirs = factory.tenant(households=1, name="甲市"), factory.tenant(households=1, name="乙市")
    log_in(page, live_server, factory.user("liaison", ours.municipality).username)
    page.wait_for_selector("h1")
    answer = page.goto(f"{live_server}/households/{theirs.households[0].id}")
    assert answer.status == 404
    assert "乙市" not in page.inner_text("body")


def test_a_supervisor_starts_a_print_run_and_watches_it_finish(factory, live_server, page):
    tenant = factory.tenant(households=2)
    log_in(page, live_server, factory.user("supervisor").username)
    page.click("a[href='/print']")
    page.click(f"section[data-programme-id='{tenant.programme.id}'] button[type=submit]")
    page.wait_for_selector("text=印刷完了", timeout=30_000)
    assert page.inner_text("[data-testid=run-count]") == "2 / 2 世帯"
    assert page.is_visible("a:has-text('batch-0001.pdf')") and page.is_visible("a:has-text('manifest.csv')")
