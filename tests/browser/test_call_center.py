"""An agent takes a call: finds the caller two ways, logs the inquiry, reissues the form and
escalates a question; the municipality's liaison sees the escalation and answers it."""

import jaconv
import pytest
from sqlmodel import select

from callcenter.router import DONE_JA
from mailroom.printing.models import IssuedForm
from mailroom.printing.runs import print_programme
from secretariat.core.households.models import Household, Person
from tests.browser.test_staff_journey import log_in
from tests.factories import SYSTEM

pytestmark = pytest.mark.browser


@pytest.fixture
def printed(factory, tmp_path):
    """A municipality whose households have all been printed (a form to reissue)."""
    tenant = factory.tenant(households=4)
    with factory.session() as session:
        print_programme(session=session, actor=SYSTEM, programme=session.merge(tenant.programme),
                        out_root=tmp_path / "print")
        session.commit()
    return tenant


def log_inquiry(page, category: str, text: str, action: str, question: str = ""):
    """Fill the inquiry form on the caller's record and submit it; it comes back saying it was done."""
    page.select_option("select[name=category]", category)
    page.fill("textarea[name=text]", text)
    page.select_option("[data-testid=action]", action)
    if question:
        page.fill("textarea[name=question]", question)
    page.click("#inquiry-form button[type=submit]")
    if action == "reissue":  # a reissue voids the form in the resident's hands: it asks first
        page.wait_for_selector("[data-testid=reissue-confirmation]")
        page.click("[data-testid=confirm-reissue]")
    page.wait_for_selector("[data-testid=done]")
    assert DONE_JA[action] == page.inner_text("[data-testid=done]")


def test_an_agent_finds_logs_reissues_and_escalates_and_the_liaison_sees_it(factory, live_server, page, browser,
                                                                             printed):
    with factory.session() as session:
        household = next(h for h in session.exec(select(Household).where(
            Household.programme_id == printed.programme.id).order_by(Household.id)) if h.phone)
        head = session.exec(select(Person).where(Person.household_id == household.id, Person.is_head.is_(True))).one()
    agent = factory.user("agent")
    log_in(page, live_server, agent.username)
    page.wait_for_selector("h1")

    hyphenated = f"{household.phone[:3]}-{household.phone[3:7]}-{household.phone[7:]}"
    page.goto(f"{live_server}/callcenter")
    page.fill("[data-testid=caller-search]", hyphenated)
    page.keyboard.press("Enter")
    page.wait_for_selector("#callers")
    assert household.household_number in page.inner_text("#callers")

    page.fill("[data-testid=caller-search]", jaconv.z2h(head.name_kana, kana=True))  # half-width, as typed
    page.keyboard.press("Enter")
    page.wait_for_selector("#callers")
    page.click(f"text={household.household_number}")
    page.wait_for_selector("#inquiry-form")
    assert head.name in page.inner_text("main")

    log_inquiry(page, "how_to_fill_in", "様式を紛失した", "reissue")
    log_inquiry(page, "eligibility", "転入したばかりだが対象か", "escalate", question="11月に転入した世帯は対象ですか")
    with factory.session() as session:
        forms = session.exec(select(IssuedForm).where(IssuedForm.household_id == household.id)).all()
        assert len(forms) == 2 and sum(form.voided_at is None for form in forms) == 1  # reissued, old one voided

    liaison_page = browser.new_context(locale="ja-JP").new_page()
    log_in(liaison_page, live_server, factory.user("liaison", printed.municipality).username)
    liaison_page.wait_for_selector("h1")
    liaison_page.goto(f"{live_server}/callcenter/escalations")
    liaison_page.wait_for_selector("#escalations")
    assert "11月に転入した世帯は対象ですか" in liaison_page.inner_text("#escalations")
    liaison_page.fill("#escalations textarea[name=answer]", "対象です。基準日に住民登録があれば対象です。")
    liaison_page.check("#escalations input[name=confirm]")  # a sent answer cannot be changed: it asks first
    liaison_page.click("#escalations button[type=submit]")
    liaison_page.wait_for_selector("#escalations")
    assert "未回答の照会はありません" in liaison_page.inner_text("#escalations")
