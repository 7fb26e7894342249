"""A resident applies on a phone (390 px wide) from the link on their notice (ファストパス)."""

from datetime import date

import pytest
from sqlmodel import select

from mailroom.printing.runs import print_programme, record_mailing
from online.flows import issue_tokens
from secretariat.core.applications.models import Application
from secretariat.core.households.models import Person
from tests.factories import SYSTEM
from tests.online.conftest import photo

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def resident(factory, tmp_path):
    """(household, link, head's birth date, photo file) of a printed and mailed household."""
    tenant = factory.tenant(households=1)
    with factory.session() as session:
        programme = session.merge(tenant.programme)
        run = print_programme(session=session, actor=SYSTEM, programme=programme, out_root=tmp_path / "print")
        record_mailing(session=session, actor=SYSTEM, run=run, mailed_on=date(2026, 11, 20))
        [(_number, token)] = issue_tokens(session=session, actor=SYSTEM, programme=programme)
        born = session.exec(select(Person.birth_date).where(Person.household_id == tenant.households[0].id,
                                                            Person.is_head.is_(True))).one()
        session.commit()
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(photo())
    return tenant.households[0], token, born, picture


def sign_in(page, live_server, token, born):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/a/{token}")
    page.select_option("#era", "seireki")
    page.fill("input[name=year]", str(born.year))
    page.fill("input[name=month]", str(born.month))
    page.fill("input[name=day]", str(born.day))
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/a/{token}/**")  # signed in: the redirect to the household's page, loaded


def fill_new_account(page):
    for confirmation in page.locator("input[name=confirmations]").all():
        confirmation.check()
    page.check("input[name=choice][value=receive]")
    page.check("input[name=account_choice][value=new]")
    page.fill("input[name=bank]", "みずほ銀行")
    page.fill("input[name=branch]", "001")
    page.fill("input[name=account_number]", "1234567")
    page.fill("input[name=account_holder_kana]", "ヤマダ タロウ")
    page.fill("input[name=phone]", "090-1234-5678")


def status_of(factory, household):
    with factory.session() as session:
        return session.exec(select(Application.status).where(Application.household_id == household.id)).one()


def test_a_resident_applies_with_a_new_account_and_photos_and_is_complete(page, live_server, resident, factory):
    household, token, born, picture = resident
    sign_in(page, live_server, token, born)
    assert page.locator("#head-name").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing wider than the phone
    fill_new_account(page)
    page.set_input_files("input[name=photo_id_copy]", str(picture))
    page.set_input_files("input[name=photo_bank_book_copy]", str(picture))
    page.click("button[type=submit]")
    assert page.locator("#receipt-number").inner_text().startswith("W")
    assert "不足はありません" in page.locator("#outcome").inner_text()
    assert status_of(factory, household) == "complete"


def test_a_resident_missing_an_attachment_is_told_what_to_fix_and_completes(page, live_server, resident, factory):
    household, token, born, picture = resident
    sign_in(page, live_server, token, born)
    fill_new_account(page)
    page.set_input_files("input[name=photo_id_copy]", str(picture))
    page.click("button[type=submit]")
    told = page.locator("#deficiencies li").all_inner_texts()
    assert told == ["「通帳またはキャッシュカード」の写真がありません。写真を撮って送ってください。"]
    assert status_of(factory, household) == "deficient"
    page.click("text=直して出し直す")
    assert page.locator("input[name=bank]").input_value() == "みずほ銀行"  # the answers given are kept
    page.set_input_files("input[name=photo_bank_book_copy]", str(picture))
    page.click("button[type=submit]")
    assert "不足はありません" in page.locator("#outcome").inner_text()
    assert status_of(factory, household) == "complete"
