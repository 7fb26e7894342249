from datetime import date, datetime, timezone

import pytest
from sqlmodel import select

from callcenter.inquiries.clock import business_days_between, is_business_day
from callcenter.inquiries.lookup import find_callers, fold_kana, to_e164
from callcenter.inquiries.service import (answer_escalation, business_days_open, escalate, escalations,
                                          log_inquiry, pause, record_decline, resume)
from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status
from secretariat.core.audit.models import AuditEvent
from secretariat.core.errors import InvalidInput, PermissionDenied
from secretariat.core.households.models import Household, Person


@pytest.fixture
def tenant(factory):
    return factory.tenant(households=6)


@pytest.fixture
def agent(factory):
    return factory.actor("agent")


def head_of(session, household_id):
    return session.exec(select(Person).where(Person.household_id == household_id, Person.is_head.is_(True))).one()


@pytest.mark.parametrize("typed", ["090-1234-5678", "09012345678", "+81 90 1234 5678", "０９０－１２３４－５６７８",
                                   "81-90-1234-5678"])
def test_every_way_of_writing_a_mobile_number_is_the_same_e164(typed):
    assert to_e164(typed) == "+819012345678"


def test_a_landline_becomes_e164_too():
    assert to_e164("043-123-4567") == "+81431234567"


def test_something_else_is_not_a_phone_number():
    with pytest.raises(InvalidInput):
        to_e164("12-34")


def test_kana_folds_widths_small_letters_long_vowels_and_spaces():
    assert fold_kana("ｷｮｳｺ") == fold_kana("きょうこ") == fold_kana("キヨウコ") == "キヨウコ"
    assert fold_kana("サトー　ユーキ") == fold_kana("ｻﾄ ﾕｷ")


def test_a_caller_is_found_by_a_hyphenated_phone_number(factory, tenant, agent):
    with factory.session() as session:
        household = next(h for h in tenant.households if h.phone)
        typed = f"{household.phone[:3]}-{household.phone[3:7]}-{household.phone[7:]}"
        found = find_callers(session=session, actor=agent, query=typed)
        session.commit()
    assert [c.household_id for c in found] == [household.id] and found[0].matched_by == "phone"


def test_a_caller_is_found_by_half_width_kana(factory, tenant, agent):
    import jaconv

    with factory.session() as session:
        head = head_of(session, tenant.households[0].id)
        typed = jaconv.z2h(head.name_kana, kana=True)
        found = find_callers(session=session, actor=agent, query=typed)
    assert tenant.households[0].id in [c.household_id for c in found]


def test_a_caller_is_found_by_resident_number_and_by_postal_code_with_birth_date(factory, tenant, agent):
    with factory.session() as session:
        head = head_of(session, tenant.households[1].id)
        household = session.get(Household, tenant.households[1].id)
        by_number = find_callers(session=session, actor=agent, resident_number=head.resident_number)
        by_birth = find_callers(session=session, actor=agent, postal_code=household.postal_code,
                                birth_date=head.birth_date)
    assert [c.household_id for c in by_number] == [household.id]
    assert household.id in [c.household_id for c in by_birth]


def test_a_lookup_is_audited_as_a_read_of_what_it_showed(factory, tenant, agent):
    with factory.session() as session:
        find_callers(session=session, actor=agent, query=head_of(session, tenant.households[0].id).resident_number)
        session.commit()
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "list")).all()
    assert audit and str(tenant.households[0].id) in audit[-1].detail


def test_a_liaison_finds_no_one_of_another_municipality(factory, tenant):
    other = factory.tenant(households=1, name="別市")
    liaison = factory.actor("liaison", other.municipality)
    with factory.session() as session:
        head = head_of(session, tenant.households[0].id)
        assert find_callers(session=session, actor=liaison, resident_number=head.resident_number) == []


def inquiry_for(factory, tenant, agent, **kwargs):
    with factory.session() as session:
        made = log_inquiry(session=session, actor=agent, programme=tenant.programme,
                           household=session.get(Household, tenant.households[0].id),
                           category=kwargs.pop("category", "eligibility"), **kwargs)
        session.commit()
        return made


def test_an_unknown_category_is_refused(factory, tenant, agent):
    with pytest.raises(InvalidInput, match="区分"):
        inquiry_for(factory, tenant, agent, category="weather")


def test_an_operator_may_not_log_inquiries(factory, tenant):
    with pytest.raises(PermissionDenied):
        inquiry_for(factory, tenant, factory.actor("operator"))


def test_a_decline_by_phone_moves_the_application(factory, tenant, agent):
    factory.advance(tenant.applications[0], Status.printed, Status.mailed)
    inquiry = inquiry_for(factory, tenant, agent, category="decline")
    with factory.session() as session:
        record_decline(session=session, actor=agent, inquiry=session.get(type(inquiry), inquiry.id))
        session.commit()
        assert session.get(Application, tenant.applications[0].id).status == Status.declined.value


def test_the_liaison_sees_and_answers_their_escalation(factory, tenant, agent):
    inquiry = inquiry_for(factory, tenant, agent)
    liaison = factory.actor("liaison", tenant.municipality)
    stranger = factory.actor("liaison", factory.tenant(households=0, name="他市").municipality)
    with factory.session() as session:
        escalate(session=session, actor=agent, inquiry=session.get(type(inquiry), inquiry.id), question="対象ですか")
        session.commit()
        assert escalations(session=session, actor=stranger) == []
        [escalation] = escalations(session=session, actor=liaison)
        answer_escalation(session=session, actor=liaison, escalation=escalation, answer="対象です")
        session.commit()
        assert escalations(session=session, actor=liaison) == []


def test_the_response_clock_counts_business_days_and_stops_while_paused(factory, tenant, agent):
    inquiry = inquiry_for(factory, tenant, agent)
    with factory.session() as session:
        escalation = escalate(session=session, actor=agent, inquiry=session.get(type(inquiry), inquiry.id),
                              question="?")
        escalation.opened_at = datetime(2026, 12, 25, 1, tzinfo=timezone.utc)  # a Friday
        # 12/28, then the year-end closure, then 1/4, 1/5 and 1/6
        assert business_days_open(escalation, date(2027, 1, 6)) == 4
        pause(session=session, actor=agent, escalation=escalation, on=date(2027, 1, 4))
        assert business_days_open(escalation, date(2027, 1, 6)) == 2  # the clock stood still from 1/4
        resume(session=session, actor=agent, escalation=escalation, on=date(2027, 1, 6))
        assert business_days_open(escalation, date(2027, 1, 7)) == 3


def test_business_days_skip_weekends_national_holidays_and_the_year_end():
    assert not is_business_day(date(2026, 11, 23))  # 勤労感謝の日
    assert not is_business_day(date(2026, 12, 30)) and not is_business_day(date(2027, 1, 2))
    assert business_days_between(date(2026, 11, 20), date(2026, 11, 27)) == 4  # Mon 23rd is a holiday


def test_an_agent_pauses_the_clock_from_the_queue(factory, client, login, tenant, agent):
    inquiry = inquiry_for(factory, tenant, agent)
    with factory.session() as session:
        escalation = escalate(session=session, actor=agent, inquiry=session.get(type(inquiry), inquiry.id),
                              question="?")
        session.commit()
    token = login(factory.user("agent"))
    client.post(f"/callcenter/escalations/{escalation.id}/pause", data={"csrf_token": token})
    with factory.session() as session:
        assert escalations(session=session, actor=agent)[0].status == "paused"
    client.post(f"/callcenter/escalations/{escalation.id}/pause", data={"csrf_token": token, "resume": "true"})
    with factory.session() as session:
        assert escalations(session=session, actor=agent)[0].status == "open"


def test_a_programme_with_its_own_taxonomy_uses_it(factory, tenant, agent):
    with factory.session() as session:
        programme = session.merge(tenant.programme)
        programme.inquiry_categories = ["eligibility", "bank_account", "other"]
        session.add(programme)
        session.commit()
    tenant.programme.inquiry_categories = ["eligibility", "bank_account", "other"]
    assert inquiry_for(factory, tenant, agent, category="bank_account").category == "bank_account"
    with pytest.raises(InvalidInput, match="区分"):
        inquiry_for(factory, tenant, agent, category="payment_date")
