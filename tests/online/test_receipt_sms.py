"""An online application in: a receipt text with its 受付番号 waits in the SMS outbox where a mobile is known."""

from sqlmodel import select

from online import flows
from secretariat.core.households.models import Household
from secretariat.core.sms.models import SmsRequest

from .conftest import photo
from .test_applying import answers, submit

PHOTOS = {"id_copy": photo(seed=1), "bank_book_copy": photo(seed=2)}


def with_phone(factory, household: Household, phone: str) -> Household:
    with factory.session() as session:
        found = session.get(Household, household.id)
        found.phone = phone
        session.add(found)
        session.commit()
        return found


def outbox(factory) -> list[SmsRequest]:
    with factory.session() as session:
        return list(session.exec(select(SmsRequest)))


def test_an_online_submission_asks_for_a_receipt_text_with_its_receipt_number(factory, linked, tmp_path):
    household = with_phone(factory, linked(1).household(0), "09011112222")
    done, _ = submit(factory, tmp_path, household, answers(), PHOTOS)
    [text] = outbox(factory)
    assert (text.household_id, text.kind, text.state) == (household.id, flows.RECEIPT_SMS, "waiting")
    assert text.body == f"【給付金事務局】オンライン申請を受け付けました（受付番号 {flows.receipt_number(done.receipt)}）。"


def test_a_household_with_no_mobile_gets_no_receipt_text(factory, linked, tmp_path):
    household = with_phone(factory, linked(1).household(0), "0432451234")
    submit(factory, tmp_path, household, answers(), PHOTOS)
    assert outbox(factory) == []


def test_a_receipt_text_for_an_application_with_something_to_fix_says_so(factory, linked, tmp_path):
    household = with_phone(factory, linked(1).household(0), "09011112222")
    submit(factory, tmp_path, household, answers(), {"id_copy": PHOTOS["id_copy"]})  # the bank book left out
    [text] = outbox(factory)
    assert text.body.startswith("【給付金事務局】オンライン申請を受け付けました（受付番号 W")
    assert "直していただきたい点があります" in text.body
