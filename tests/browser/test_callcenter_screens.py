"""The call center's screens as agents and liaisons see them: search results that say whose they are,
one box that reads what is typed, escalations with their household and due date, forms that keep
what was typed when refused, answers that fit the household, Japanese throughout."""

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from callcenter.inquiries.answers import load_answer_templates
from callcenter.inquiries.models import Inquiry
from callcenter.inquiries.service import escalate, log_inquiry
from mailroom.printing.models import IssuedForm
from secretariat.core.applications.states import Status
from secretariat.core.households.models import Household, Person
from tests.browser.test_call_center import printed  # noqa: F401  (a fixture: households printed once)
from tests.browser.test_staff_journey import log_in

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/callcenter-shots")
WIDTHS = {"wide": 1280, "narrow": 390}


def shoot(page, name):
    """Screenshots at both widths for a person to look at; the page must not scroll sideways."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, f"{name} scrolls sideways at {width}"
    page.set_viewport_size({"width": 1280, "height": 900})


def as_agent(factory, live_server, page):
    log_in(page, live_server, factory.user("agent").username)
    page.wait_for_selector("h1")


def search(page, live_server, typed):
    page.goto(f"{live_server}/callcenter")
    page.fill("[data-testid=caller-search]", typed)
    page.keyboard.press("Enter")
    page.wait_for_selector("#callers")
    return page.inner_text("#callers")


def edit(factory, model, row_id, **values):
    with factory.session() as session:
        row = session.get(model, row_id)
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)
        session.commit()


def head_id(factory, household_id):
    with factory.session() as session:
        return session.exec(select(Person.id).where(Person.household_id == household_id,
                                                    Person.is_head.is_(True))).one()


def test_search_results_name_their_municipality_and_programme(factory, live_server, page):
    chiba, sakai = factory.tenant(households=1, name="千葉市"), factory.tenant(households=1, name="堺市")
    for tenant in (chiba, sakai):
        edit(factory, Household, tenant.households[0].id, household_number="00100003")
    as_agent(factory, live_server, page)
    search(page, live_server, "00100003")
    rows = page.locator("#callers tbody tr")
    assert rows.count() == 2
    assert sorted(rows.nth(i).locator("[data-testid=municipality]").inner_text() for i in range(2)) == ["千葉市", "堺市"]
    assert {rows.nth(i).locator("[data-testid=programme]").inner_text() for i in range(2)} == {
        chiba.programme.name, sakai.programme.name}
    shoot(page, "search-two-municipalities")


@pytest.mark.parametrize("typed", ["00000090", "90", "渡辺", "263-0031 1950-04-01", "2630031 19500401",
                                   "263-0031 S25.4.1"])
def test_one_search_box_finds_the_caller_however_it_is_typed(factory, live_server, page, typed):
    tenant = factory.tenant(households=2)
    household_id = tenant.households[1].id
    edit(factory, Household, household_id, household_number="00000090", postal_code="2630031")
    edit(factory, Person, head_id(factory, household_id), name="渡辺　さくら", birth_date=date(1950, 4, 1))
    as_agent(factory, live_server, page)
    search(page, live_server, typed)
    assert page.locator(f"#callers tr[data-household-id='{household_id}']").count() == 1


def test_a_birth_date_alone_says_to_add_the_postal_code(factory, live_server, page):
    factory.tenant(households=1)
    as_agent(factory, live_server, page)
    page.goto(f"{live_server}/callcenter?q=1950-04-01")
    assert "郵便番号と一緒に" in page.inner_text("[data-testid=search-hint]")


def escalated(factory, tenant, question="11月に転入した世帯は対象ですか"):
    agent = factory.actor("agent")
    with factory.session() as session:
        household = session.get(Household, tenant.households[0].id)
        inquiry = log_inquiry(session=session, actor=agent, programme=tenant.programme, household=household,
                              category="eligibility", text="転入したばかり")
        escalate(session=session, actor=agent, inquiry=inquiry, question=question)
        session.commit()
        return session.exec(select(Person).where(Person.household_id == household.id,
                                                 Person.is_head.is_(True))).one()


def test_the_liaison_sees_whose_escalation_it_is_its_due_date_and_how_many_wait(factory, live_server, page):
    tenant = factory.tenant(households=2)
    head = escalated(factory, tenant)
    escalated(factory, tenant, question="口座の名義が違う場合は")
    log_in(page, live_server, factory.user("liaison", tenant.municipality).username)
    page.wait_for_selector("h1")
    page.goto(f"{live_server}/callcenter/escalations")
    row = page.locator("#escalations [data-escalation-id]").first
    assert row.locator("[data-testid=head-name]").inner_text() == head.name
    assert row.locator("[data-testid=household-number]").inner_text() == tenant.households[0].household_number
    assert row.locator("[data-testid=resident-number]").inner_text() == head.resident_number
    assert date.fromisoformat(row.locator("[data-testid=due]").inner_text()) > date(2000, 1, 1)
    assert "未回答 2 件" in page.inner_text("[data-testid=open-escalations]")
    assert "回答待ち" in row.inner_text() and "open" not in row.inner_text()
    shoot(page, "escalations-liaison")
    row.locator("[data-testid=timeline-link]").click()
    page.wait_for_selector("h1")
    assert page.url.endswith(f"/households/{tenant.households[0].id}")


def open_record(factory, live_server, page, tenant, index=0):
    as_agent(factory, live_server, page)
    page.goto(f"{live_server}/callcenter/households/{tenant.households[index].id}")
    page.wait_for_selector("#inquiry-form")


def refused_call(page, category, action, **typed):
    """Fill the call's form and submit it; it comes back refused, on the same page."""
    page.select_option("select[name=category]", category)
    page.select_option("[data-testid=action]", action)
    for selector, value in typed.items():
        page.fill(selector, value)
    page.click("#inquiry-form button[type=submit]")
    page.wait_for_selector("[data-testid=form-error]")


def test_an_escalation_without_a_question_comes_back_with_what_was_typed(factory, live_server, page):
    tenant = factory.tenant(households=1)
    open_record(factory, live_server, page, tenant)
    refused_call(page, "eligibility", "escalate", **{"input[name=phone]": "090-1111-2222"})
    assert "照会内容を入力してください" in page.inner_text("#problem-question")
    assert page.input_value("input[name=phone]") == "090-1111-2222"
    assert page.input_value("[data-testid=action]") == "escalate"
    assert page.locator("header nav").count() == 1  # still the agent's screen, menu and all
    shoot(page, "record-refused")
    with factory.session() as session:
        assert session.exec(select(Inquiry)).all() == []


def test_an_address_change_without_an_address_comes_back_with_what_was_typed(factory, live_server, page):
    tenant = factory.tenant(households=1)
    open_record(factory, live_server, page, tenant)
    refused_call(page, "address_change", "address_change",
                 **{"textarea[name=text]": "引っ越した", "input[name=postal_code]": "260-0013"})
    assert "新しい住所を入力してください" in page.inner_text("#problem-address")
    assert (page.input_value("input[name=postal_code]"), page.input_value("textarea[name=text]")) == (
        "260-0013", "引っ越した")


def test_the_browser_stops_a_note_at_its_limit(factory, live_server, page):
    tenant = factory.tenant(households=1)
    open_record(factory, live_server, page, tenant)
    page.fill("textarea[name=text]", "あ" * 5000)
    assert len(page.input_value("textarea[name=text]")) == 4000


def test_an_answer_found_by_search_is_filled_for_the_household_or_names_what_is_missing(factory, live_server, page):
    tenant = factory.tenant(households=1)
    factory.advance(tenant.applications[0], Status.printed, Status.mailed, Status.received)
    with factory.session() as session:
        load_answer_templates(session)
        session.commit()
    open_record(factory, live_server, page, tenant)
    page.fill("[data-testid=answer-search]", "審査が完了")
    page.keyboard.press("Enter")
    page.wait_for_selector("#answers")
    answers = page.inner_text("#answers")
    assert "〈審査完了日〉" in answers and "{" not in answers
    assert "に到着し" in answers and "〈到着日〉" not in answers  # this household's form has arrived


def test_a_declined_household_is_not_told_its_review_takes_two_weeks(factory, live_server, page):
    tenant = factory.tenant(households=1)
    factory.advance(tenant.applications[0], Status.printed, Status.mailed, Status.received, Status.declined)
    with factory.session() as session:
        load_answer_templates(session)
        session.commit()
    open_record(factory, live_server, page, tenant)
    suggested = page.inner_text("#suggestions")
    assert "辞退を承っています" in suggested and "審査には2週間" not in suggested


def forms_of(session, tenant):
    return session.exec(select(IssuedForm).where(IssuedForm.household_id == tenant.households[0].id)).all()


def test_a_reissue_asks_first_and_says_the_old_form_becomes_void(factory, live_server, page, printed):
    open_record(factory, live_server, page, printed)
    page.select_option("select[name=category]", "how_to_fill_in")
    page.select_option("[data-testid=action]", "reissue")
    page.click("#inquiry-form button[type=submit]")
    page.wait_for_selector("[data-testid=reissue-confirmation]")
    assert "無効" in page.inner_text("[data-testid=reissue-confirmation]")
    with factory.session() as session:
        assert len(forms_of(session, printed)) == 1  # nothing reissued yet
    shoot(page, "reissue-confirm")
    page.click("[data-testid=confirm-reissue]")
    page.wait_for_selector("[data-testid=done]")
    with factory.session() as session:
        assert len(forms_of(session, printed)) == 2


def test_the_record_speaks_japanese_after_a_call_is_logged(factory, live_server, page):
    tenant = factory.tenant(households=1)
    open_record(factory, live_server, page, tenant)
    page.select_option("select[name=category]", "eligibility")
    page.fill("textarea[name=text]", "対象か知りたい")
    page.click("#inquiry-form button[type=submit]")
    page.wait_for_selector("[data-testid=done]")
    assert page.inner_text("[data-testid=done]") == "問い合わせを記録しました。"
    history = page.inner_text("#inquiries")
    assert "対象かどうか" in history and "回答済み" in history and "電話" in history
    assert "eligibility" not in history and "answered" not in history
    shoot(page, "record-logged")
