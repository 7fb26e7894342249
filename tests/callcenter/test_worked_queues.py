"""Call-backs and address changes are queues someone works: each closes with its outcome and leaves."""

from datetime import timedelta

import pytest
from sqlmodel import select

from callcenter.inquiries.models import AddressChange, Callback
from callcenter.inquiries.queues import (complete_callback, open_address_changes, open_callbacks,
                                         resolve_address_change)
from callcenter.inquiries.service import log_inquiry, note_address_change, schedule_callback
from secretariat.core.audit.models import AuditEvent
from secretariat.core.clock import utcnow
from secretariat.core.errors import InvalidInput
from secretariat.core.households.models import Household
from secretariat.core.programmes.models import Programme


@pytest.fixture
def tenant(factory):
    return factory.tenant(households=2)


def inquiry_of(session, agent, tenant, number=0):
    return log_inquiry(session=session, actor=agent, programme=session.get(Programme, tenant.programme.id),
                       household=session.get(Household, tenant.households[number].id), category="eligibility")


def owed_callback(factory, tenant, due_in=timedelta(hours=2)) -> int:
    agent = factory.actor("agent")
    with factory.session() as session:
        callback = schedule_callback(session=session, actor=agent, inquiry=inquiry_of(session, agent, tenant),
                                     phone="043-245-1234", due=utcnow() + due_in)
        session.commit()
        return callback.id


def noted_address(factory, tenant) -> int:
    agent = factory.actor("agent")
    with factory.session() as session:
        change = note_address_change(session=session, actor=agent, inquiry=inquiry_of(session, agent, tenant),
                                     postal_code="260-0013", address="千葉市中央区中央4-5-1 テスト荘101")
        session.commit()
        return change.id


def test_a_call_back_made_closes_with_its_outcome_and_leaves_the_queue(factory, tenant):
    callback_id = owed_callback(factory, tenant)
    agent = factory.actor("agent")
    with factory.session() as session:
        assert [c.id for c in open_callbacks(session=session, actor=agent)] == [callback_id]
        complete_callback(session=session, actor=agent, callback=session.get(Callback, callback_id),
                          outcome="本人と話し、審査の状況を伝えた")
        session.commit()
        assert open_callbacks(session=session, actor=agent) == []
        done = session.get(Callback, callback_id)
    assert done.done_by == agent.username and done.outcome == "本人と話し、審査の状況を伝えた"


def test_a_call_back_cannot_close_without_saying_what_came_of_it(factory, tenant):
    callback_id = owed_callback(factory, tenant)
    with factory.session() as session, pytest.raises(InvalidInput, match="結果を入力"):
        complete_callback(session=session, actor=factory.actor("agent"), callback=session.get(Callback, callback_id),
                          outcome="  ")


def test_the_call_back_page_marks_an_overdue_one_and_closes_it(factory, tenant, client, login):
    callback_id = owed_callback(factory, tenant, due_in=-timedelta(hours=1))
    token = login(factory.user("agent"))
    page = client.get("/callcenter/callbacks").text
    assert "未完了 1 件" in page and "期限切れ" in page and tenant.households[0].household_number in page
    answer = client.post(f"/callcenter/callbacks/{callback_id}/done",
                         data={"csrf_token": token, "outcome": "留守電に折り返しを依頼"}, follow_redirects=False)
    assert answer.status_code == 303
    assert "未完了 0 件" in client.get("/callcenter/callbacks").text


def test_a_confirmed_address_change_updates_the_household_and_leaves_the_queue(factory, tenant):
    change_id = noted_address(factory, tenant)
    liaison = factory.actor("liaison", tenant.municipality)
    with factory.session() as session:
        assert [c.id for c in open_address_changes(session=session, actor=liaison)] == [change_id]
        resolve_address_change(session=session, actor=liaison, change=session.get(AddressChange, change_id),
                               resolution="confirmed")
        session.commit()
        assert open_address_changes(session=session, actor=liaison) == []
        household = session.get(Household, tenant.households[0].id)
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "address_change_confirmed")).one()
    assert (household.postal_code, household.address) == ("2600013", "千葉市中央区中央4-5-1 テスト荘101")
    assert "中央区" not in audit.detail  # no address in the audit's words


def test_a_rejected_address_change_needs_a_reason_and_changes_nothing(factory, tenant):
    change_id = noted_address(factory, tenant)
    liaison = factory.actor("liaison", tenant.municipality)
    with factory.session() as session:
        before = session.get(Household, tenant.households[0].id).address
        with pytest.raises(InvalidInput, match="理由"):
            resolve_address_change(session=session, actor=liaison, change=session.get(AddressChange, change_id),
                                   resolution="rejected")
        resolve_address_change(session=session, actor=liaison, change=session.get(AddressChange, change_id),
                               resolution="rejected", note="住民票の異動が確認できない")
        session.commit()
        assert session.get(Household, tenant.households[0].id).address == before


def test_a_liaison_sees_only_their_own_municipalitys_address_changes(factory, tenant, client, login):
    noted_address(factory, tenant)
    stranger = factory.tenant(households=1, name="よその市")
    login(factory.user("liaison", stranger.municipality))
    assert "未処理 0 件" in client.get("/callcenter/address-changes").text


def test_the_liaison_confirms_an_address_change_on_the_page(factory, tenant, client, login):
    change_id = noted_address(factory, tenant)
    token = login(factory.user("liaison", tenant.municipality))
    page = client.get("/callcenter/address-changes").text
    assert "未処理 1 件" in page and "テスト荘101" in page
    answer = client.post(f"/callcenter/address-changes/{change_id}/resolve",
                         data={"csrf_token": token, "resolution": "confirmed", "confirm": "true"},
                         follow_redirects=False)
    assert answer.status_code == 303
    with factory.session() as session:
        assert session.get(Household, tenant.households[0].id).postal_code == "2600013"
