import pytest
from sqlmodel import select

from callcenter.inquiries.answers import AnswerTemplate, filled, household_facts, load_answer_templates, search_answers, \
    suggestions
from secretariat.core.applications.states import Status
from secretariat.core.households.models import Household


@pytest.fixture
def templates(factory):
    with factory.session() as session:
        load_answer_templates(session)
        session.commit()


def test_the_shipped_templates_load_once(factory, templates):
    with factory.session() as session:
        assert load_answer_templates(session) == 0
        assert len(session.exec(select(AnswerTemplate)).all()) == 23


@pytest.mark.parametrize("query, title", [("通帳の写し", "口座の書き方"), ("ATMの操作", "詐欺への注意"),
                                          ("振込", "振込済み"), ("再発行", "様式の紛失（再発行）")])
def test_templates_are_found_by_any_japanese_phrase_in_them(factory, templates, query, title):
    with factory.session() as session:
        assert title in [t.title for t in search_answers(session, query)]


def test_a_phrase_in_no_template_finds_nothing(factory, templates):
    with factory.session() as session:
        assert search_answers(session, "宇宙旅行の予約") == []


def test_a_new_template_is_searchable_at_once(factory, templates):
    with factory.session() as session:
        session.add(AnswerTemplate(category="other", title="窓口の場所", body="市役所本庁舎の2階、臨時給付金窓口です。"))
        session.commit()
        assert [t.title for t in search_answers(session, "本庁舎の2階")] == ["窓口の場所"]


def test_suggestions_speak_of_this_households_own_dates(factory, templates):
    tenant = factory.tenant(households=1)
    factory.advance(tenant.applications[0], Status.printed, Status.mailed, Status.received, Status.checking,
                    Status.complete)
    with factory.session() as session:
        household = session.get(Household, tenant.households[0].id)
        said = [text for _, text in suggestions(session, household, "payment_date")]
    assert any("に到着し、" in text and "審査が完了しています" in text for text in said)
    assert not any("{" in text for text in said)
    assert not any("振り込みました" in text for text in said)  # not paid yet: that template is not offered


def test_suggestions_fill_in_the_facts_a_page_has_already_read(factory, templates):
    tenant = factory.tenant(households=1)
    with factory.session() as session:
        household = session.get(Household, tenant.households[0].id)
        facts = household_facts(session, household) | {"deadline": "1月7日"}
        said = [text for _, text in suggestions(session, household, "payment_date", facts=facts)]
    assert any("1月7日" in text for text in said)


# each state and the path that reaches it from mailed
PATHS = {
    Status.mailed: (),
    Status.received: (Status.received,),
    Status.declined: (Status.received, Status.declined),
    Status.expired: (Status.expired,),
    Status.undeliverable: (Status.undeliverable,),
    Status.paid: (Status.received, Status.checking, Status.complete, Status.approved, Status.paid),
    Status.payment_failed: (Status.received, Status.checking, Status.complete, Status.approved,
                            Status.payment_failed),
}


def payment_date_answers(factory, status):
    tenant = factory.tenant(households=1)
    factory.advance(tenant.applications[0], Status.printed, Status.mailed, *PATHS[status])
    with factory.session() as session:
        return [text for _, text in suggestions(session, session.get(Household, tenant.households[0].id),
                                                "payment_date")]


@pytest.mark.parametrize("status", [Status.declined, Status.expired, Status.undeliverable, Status.paid,
                                    Status.payment_failed, Status.mailed])
def test_a_household_past_or_before_review_is_not_told_that_review_takes_two_weeks(factory, templates, status):
    said = payment_date_answers(factory, status)
    assert said and not any("審査には2週間" in text for text in said)


@pytest.mark.parametrize("status, words", [(Status.declined, "辞退を承っています"), (Status.expired, "期限切れ"),
                                           (Status.undeliverable, "宛所不明"), (Status.paid, "振り込みました"),
                                           (Status.payment_failed, "振込不能"), (Status.received, "審査には2週間")])
def test_the_suggested_answer_speaks_of_the_households_own_state(factory, templates, status, words):
    assert any(words in text for text in payment_date_answers(factory, status))


def test_a_template_found_by_search_shows_a_missing_date_by_its_japanese_name():
    assert filled("申請書は{received_on}に到着し、{complete_on}に審査が完了しています。", {"received_on": "12月3日"}) == \
        "申請書は12月3日に到着し、〈審査完了日〉に審査が完了しています。"
