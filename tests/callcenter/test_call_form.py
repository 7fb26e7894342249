"""The caller's record and the queues refuse bad input on the same page, in Japanese, keeping what was
typed; the server checks every limit the browser's maxlength also holds."""

import pytest
from sqlmodel import select

from callcenter.inquiries.models import AddressChange, Escalation, Inquiry
from callcenter.inquiries.service import escalate, log_inquiry, note_address_change
from secretariat.core.households.models import Household


@pytest.fixture
def tenant(factory):
    return factory.tenant(households=1)


def post_call(client, tenant, token, **fields):
    return client.post(f"/callcenter/households/{tenant.households[0].id}/inquiries",
                       data={"csrf_token": token, "category": "other", **fields}, follow_redirects=False)


def test_a_note_over_the_limit_is_refused_on_the_record_page_with_the_note_kept(factory, client, login, tenant):
    token = login(factory.user("agent"))
    answer = post_call(client, tenant, token, text="あ" * 5000 + "END")
    assert answer.status_code == 422
    assert "4,000文字以内" in answer.text and 'id="inquiry-form"' in answer.text
    assert "あ" * 5000 + "END</textarea>" in answer.text
    with factory.session() as session:
        assert session.exec(select(Inquiry)).all() == []


def test_every_field_of_the_call_form_carries_its_limit(factory, client, login, tenant):
    login(factory.user("agent"))
    page = client.get(f"/callcenter/households/{tenant.households[0].id}").text
    for name, limit in (("text", 4000), ("question", 4000), ("phone", 30), ("postal_code", 10), ("address", 200)):
        assert f'name="{name}"' in page
        assert f'maxlength="{limit}"' in page.split(f'name="{name}"', 1)[1].split(">", 1)[0]


def test_a_call_back_without_a_number_on_file_or_typed_is_refused_on_the_page(factory, client, login, tenant):
    with factory.session() as session:
        household = session.get(Household, tenant.households[0].id)
        household.phone = ""
        session.add(household)
        session.commit()
    token = login(factory.user("agent"))
    answer = post_call(client, tenant, token, action="callback", text="折り返し希望")
    assert answer.status_code == 422 and "折り返し先の電話番号を入力してください" in answer.text
    assert "折り返し希望" in answer.text


def opened_escalation(factory, tenant):
    agent = factory.actor("agent")
    with factory.session() as session:
        inquiry = log_inquiry(session=session, actor=agent, programme=tenant.programme,
                              household=session.get(Household, tenant.households[0].id), category="eligibility")
        made = escalate(session=session, actor=agent, inquiry=inquiry, question="対象ですか")
        session.commit()
        return made.id


def test_an_answer_over_the_limit_comes_back_on_its_escalation_with_the_text_kept(factory, client, login, tenant):
    escalation_id = opened_escalation(factory, tenant)
    token = login(factory.user("liaison", tenant.municipality))
    answer = client.post(f"/callcenter/escalations/{escalation_id}/answer",
                         data={"csrf_token": token, "answer": "い" * 4001, "confirm": "true"})
    assert answer.status_code == 422 and "4,000文字以内" in answer.text and "い" * 4001 in answer.text
    with factory.session() as session:
        assert session.get(Escalation, escalation_id).status == "open"


def test_an_answer_is_sent_only_once_the_liaison_has_ticked_that_it_is_final(factory, client, login, tenant):
    escalation_id = opened_escalation(factory, tenant)
    token = login(factory.user("liaison", tenant.municipality))
    answer = client.post(f"/callcenter/escalations/{escalation_id}/answer",
                         data={"csrf_token": token, "answer": "対象です"})
    assert answer.status_code == 422 and "修正できません" in answer.text and "対象です</textarea>" in answer.text
    with factory.session() as session:
        assert session.get(Escalation, escalation_id).status == "open"


def test_a_rejection_without_a_reason_comes_back_on_the_address_change_page(factory, client, login, tenant):
    agent = factory.actor("agent")
    with factory.session() as session:
        inquiry = log_inquiry(session=session, actor=agent, programme=tenant.programme,
                              household=session.get(Household, tenant.households[0].id), category="address_change")
        change = note_address_change(session=session, actor=agent, inquiry=inquiry, postal_code="2600013",
                                     address="千葉市中央区中央4-5-1")
        session.commit()
    token = login(factory.user("liaison", tenant.municipality))
    answer = client.post(f"/callcenter/address-changes/{change.id}/resolve",
                         data={"csrf_token": token, "resolution": "rejected", "confirm": "true"})
    assert answer.status_code == 422 and "理由を入力してください" in answer.text and "未処理 1 件" in answer.text
    with factory.session() as session:
        assert session.get(AddressChange, change.id).resolved_at is None
