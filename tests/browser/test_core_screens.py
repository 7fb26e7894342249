"""The core's screens as staff see them: the shell at 390 px, the staff pages, the timeline, Japanese labels."""

from datetime import timedelta
from pathlib import Path

import pytest

from secretariat.core.applications.models import Application
from secretariat.core.applications.service import transition
from secretariat.core.applications.states import Status
from secretariat.core.clock import utcnow
from tests.factories import SYSTEM

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/core-shots")


def log_in(page, base, username, password="correct-horse-battery"):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=current-user]")


def shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("role", ["admin", "supervisor", "operator", "agent", "liaison"])
def test_at_390px_no_page_scrolls_sideways_and_menu_items_stay_whole(factory, live_server, browser, role):
    tenant = factory.tenant(households=2)
    user = factory.user(role, tenant.municipality if role == "liaison" else None)
    context = browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, live_server, user.username)
        links = [link for link in page.eval_on_selector_all("header nav a", "as => as.map(a => a.pathname)")]
        for path in ["/", f"/programmes/{tenant.programme.id}", f"/households/{tenant.households[0].id}", *links]:
            page.goto(f"{live_server}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width} px wide at 390 px"
            # a menu item is one line: no taller than its text's line, never one character per line
            tall = page.eval_on_selector_all(
                "header nav a", "as => as.filter(a => a.getBoundingClientRect().height > 2 * parseFloat("
                                "getComputedStyle(a).lineHeight || 20)).map(a => a.textContent)")
            assert tall == [], f"{path}: {tall} wrap inside themselves"
        page.goto(f"{live_server}/")
        shoot(page, f"dashboard-{role}-390")
    finally:
        context.close()


def test_an_admin_adds_a_member_of_staff_then_disables_them_after_confirming(factory, live_server, page):
    tenant = factory.tenant(households=0)
    log_in(page, live_server, factory.user("admin").username)
    page.click("a[href='/staff']")
    page.fill("[data-testid=add-staff] input[name=username]", "yamada")
    page.fill("[data-testid=add-staff] input[name=display_name]", "山田 一郎")
    page.select_option("[data-testid=add-staff] select[name=role]", "liaison")
    page.select_option("[data-testid=add-staff] select[name=municipality_code]", tenant.municipality.code)
    page.fill("[data-testid=add-staff] input[name=password]", "correct-horse-battery")
    page.click("[data-testid=add-staff] button[type=submit]")
    assert page.inner_text("[data-testid=role]") == "自治体担当者"
    shoot(page, "staff-user-1280")
    page.click("text=無効にする…")
    assert "ログインできなくなり" in page.inner_text("[data-testid=confirm]")
    shoot(page, "staff-disable-confirm-1280")
    page.click("[data-testid=confirm-disable]")
    assert page.inner_text("[data-testid=state]") == "無効"
    page.click("a[href='/staff']")
    assert "無効" in page.inner_text("tr[data-username=yamada]")
    shoot(page, "staff-1280")


def test_an_admin_resets_a_password_and_the_new_one_logs_in(factory, live_server, page, browser):
    agent = factory.user("agent")
    log_in(page, live_server, factory.user("admin").username)
    page.goto(f"{live_server}/staff/{agent.id}")
    page.click("text=パスワードを再設定…")
    page.fill("input[name=password]", "a-brand-new-secret")
    page.fill("input[name=again]", "a-brand-new-secret")
    page.click("[data-testid=confirm-password]")
    assert "パスワードを再設定しました" in page.inner_text("[data-testid=done]")
    other = browser.new_context(locale="ja-JP").new_page()
    log_in(other, live_server, agent.username, "a-brand-new-secret")
    assert other.inner_text("[data-testid=current-user]") == agent.username
    other.context.close()


def test_the_timeline_lists_steps_in_the_order_they_were_taken(factory, live_server, page):
    """A form checked in at 06:04 but stamped 09:00 on its arrival day still shows 受付済み before 審査中."""
    tenant = factory.tenant(households=1)
    factory.advance(tenant.applications[0], Status.printed, Status.mailed)
    with factory.session() as session:
        application = session.get(Application, tenant.applications[0].id)
        transition(session=session, application=application, to=Status.received, actor=SYSTEM,
                   at=utcnow() + timedelta(hours=3))
        transition(session=session, application=application, to=Status.checking, actor=SYSTEM)
        session.commit()
    log_in(page, live_server, factory.user("supervisor").username)
    page.goto(f"{live_server}/households/{tenant.households[0].id}")
    steps = page.eval_on_selector_all("[data-testid=timeline] .step", "s => s.map(e => e.textContent.trim())")
    assert steps[-2:] == ["発送済み → 受付済み", "受付済み → 審査中"]


def test_the_audit_log_names_actions_in_japanese(factory, live_server, page):
    log_in(page, live_server, factory.user("supervisor").username)
    page.goto(f"{live_server}/audit")
    text = page.inner_text("table.audit")
    assert "ログイン（login）" in text and "ユーザー" in text
    shoot(page, "audit-1280")
