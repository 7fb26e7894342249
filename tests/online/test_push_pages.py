"""The push answer's pages: behind the link's second factor, one household each; the supervisor's page."""

from datetime import timedelta

import pytest
from sqlmodel import select

from exchange.giftcodes.setting import set_giftcode_setting
from online.push_models import PushNotice
from secretariat.core.applications.states import Status
from secretariat.core.clock import today_jst
from secretariat.core.households.models import Household
from secretariat.core.sms.models import SmsRequest
from tests.conftest import csrf_from, log_in
from tests.factories import SYSTEM
from tests.online.conftest import photo

from .test_push import MOBILE, application_of, make_push_programme, move_decline_by, send_notices, texted_link


def sign_in(client, token, born):
    page = client.get(f"/a/{token}")
    return client.post(f"/a/{token}", data={"era": "seireki", "year": str(born.year), "month": str(born.month),
                                            "day": str(born.day), "csrf_token": csrf_from(page.text)},
                       follow_redirects=False)


@pytest.fixture
def texted(factory, tmp_path):
    """A push programme of two households, both told by SMS: (made, their links)."""
    made = make_push_programme(factory, tmp_path, 2, (MOBILE,))
    send_notices(factory, made)
    return made, [texted_link(factory, household) for household in made.tenant.households]


def test_the_push_page_is_behind_the_links_second_factor(client, texted):
    made, links = texted
    assert client.get(f"/a/{links[0]}/push", follow_redirects=False).headers["location"] == f"/a/{links[0]}"
    wrong = sign_in(client, links[0], made.births[0] + timedelta(days=1))
    assert wrong.status_code == 200 and "確認できませんでした" in wrong.text
    assert client.get(f"/a/{links[0]}/push", follow_redirects=False).status_code == 303


def test_after_the_second_factor_a_push_household_sees_its_amount_date_and_masked_account(client, texted, factory):
    made, links = texted
    assert sign_in(client, links[0], made.births[0]).headers["location"] == f"/a/{links[0]}/apply"
    page = client.get(f"/a/{links[0]}/apply")
    amount = application_of(factory, made.household(0)).amount_yen
    assert str(page.url).endswith("/push") and f"{amount:,}" in page.text and "＊＊＊＊567" in page.text
    assert "1234567" not in page.text


def test_a_signed_in_link_does_not_open_another_households_push_page(client, texted):
    made, links = texted
    sign_in(client, links[0], made.births[0])
    assert client.get(f"/a/{links[1]}/push", follow_redirects=False).headers["location"] == f"/a/{links[1]}"


def test_declining_on_the_page_asks_first_then_records_the_decline(client, texted, factory):
    made, links = texted
    sign_in(client, links[0], made.births[0])
    confirm = client.get(f"/a/{links[0]}/push/decline")
    assert "この画面からは取り消せません" in confirm.text
    done = client.post(f"/a/{links[0]}/push/decline", data={"csrf_token": csrf_from(confirm.text)})
    assert "辞退を受け付けました" in done.text
    assert application_of(factory, made.household(0)).status == "declined"


def test_after_the_decline_by_date_the_page_says_the_answers_are_closed(client, texted, factory):
    made, links = texted
    move_decline_by(factory, made, -1)
    sign_in(client, links[0], made.births[0])
    answer = client.get(f"/a/{links[0]}/push/decline")
    assert answer.status_code == 409 and "で終わりました" in answer.text and 'id="decline"' not in answer.text


def test_a_bad_new_account_is_refused_on_the_same_page_keeping_what_was_typed(client, texted):
    made, links = texted
    sign_in(client, links[0], made.births[0])
    form = client.get(f"/a/{links[0]}/push/account")
    answer = client.post(f"/a/{links[0]}/push/account", data={
        "csrf_token": csrf_from(form.text), "bank": "存在しない銀行", "branch": "001", "account_type": "ordinary",
        "account_number": "7654321", "account_holder_kana": "ヤマダ ハナコ", "phone": "09012345678"})
    assert answer.status_code == 422 and "「存在しない銀行」という金融機関は見つかりません" in answer.text
    assert 'value="7654321"' in answer.text


def test_a_paper_programmes_household_still_reaches_the_online_application(client, linked):
    link = linked(1)
    sign_in(client, link.tokens[0], link.births[0])
    assert "給付金の申請" in client.get(f"/a/{link.tokens[0]}/apply").text


# --- the supervisor's page -----------------------------------------------------------------------

@pytest.fixture
def supervised(client, factory, tmp_path):
    """A push programme of two households, its page open for a supervisor: post(action, **fields)."""
    made = make_push_programme(factory, tmp_path, 2, (MOBILE,))
    log_in(client, factory.user("supervisor").username)
    page = client.get(f"/programmes/{made.tenant.programme.id}/push")

    def post(action, **fields):
        return client.post(f"/programmes/{made.tenant.programme.id}/push/{action}",
                           data={"csrf_token": csrf_from(page.text), **fields})
    return post


def test_the_supervisor_sends_the_notices_from_the_programmes_push_page(supervised, factory):
    sent = supervised("notices")
    assert sent.status_code == 200 and "SMSの送信を依頼しました: 2 世帯" in sent.text
    with factory.session() as session:
        assert len(session.exec(select(SmsRequest)).all()) == len(session.exec(select(PushNotice)).all()) == 2


def test_dates_in_the_wrong_order_are_refused_on_the_page_keeping_what_was_typed(supervised):
    late, early = (today_jst() + timedelta(days=20)).isoformat(), (today_jst() + timedelta(days=10)).isoformat()
    answer = supervised("dates", decline_by=late, pay_by=early)
    assert answer.status_code == 422 and "より前の日にしてください" in answer.text and f'value="{late}"' in answer.text


def test_approval_is_refused_on_the_page_before_the_decline_by_date(supervised):
    answer = supervised("approve")
    assert answer.status_code == 409 and "まだ来ていません" in answer.text


def test_the_households_timeline_shows_the_web_decline_in_japanese(client, texted, factory):
    made, links = texted
    sign_in(client, links[0], made.births[0])
    confirm = client.get(f"/a/{links[0]}/push/decline")
    client.post(f"/a/{links[0]}/push/decline", data={"csrf_token": csrf_from(confirm.text)})
    client.cookies.clear()
    log_in(client, factory.user("supervisor").username)
    timeline = client.get(f"/households/{made.household(0).id}").text
    assert "発送済み → 辞退" in timeline and "支給のお知らせへの回答: 住民が本人確認のうえWeb画面で辞退" in timeline


def without_account(factory, household) -> None:
    with factory.session() as session:
        row = session.get(Household, household.id)
        row.bank_code = row.branch_code = row.account_number = row.account_holder_kana = None
        session.add(row)
        session.commit()


def test_a_declined_household_is_shown_no_pay_date_and_no_account(client, texted, factory):
    made, links = texted
    sign_in(client, links[0], made.births[0])
    confirm = client.get(f"/a/{links[0]}/push/decline")
    client.post(f"/a/{links[0]}/push/decline", data={"csrf_token": csrf_from(confirm.text)})
    page = client.get(f"/a/{links[0]}/push")
    assert "辞退を受け付けました" in page.text
    assert 'id="pay-by"' not in page.text and 'id="account"' not in page.text


def test_a_household_paid_by_gift_code_is_told_so_and_not_promised_a_transfer(client, texted, factory):
    made, links = texted
    with factory.session() as session:
        set_giftcode_setting(session=session, actor=SYSTEM, programme=made.tenant.programme, payout="gift_code",
                             provider="テストギフト")
        session.commit()
    sign_in(client, links[0], made.births[0])
    page = client.get(f"/a/{links[0]}/push")
    assert "デジタルギフト（コードは別にお知らせします）" in page.text and "デジタルギフトでお届けします" in page.text
    assert 'id="pay-by"' not in page.text and "お振込み" not in page.text


def test_after_the_period_a_household_without_an_account_is_sent_to_the_call_center_not_a_gone_button(
        client, texted, factory):
    made, links = texted
    without_account(factory, made.household(0))
    move_decline_by(factory, made, -1)
    sign_in(client, links[0], made.births[0])
    page = client.get(f"/a/{links[0]}/push")
    assert "コールセンターにお電話ください" in page.text
    assert "口座を変更する」から" not in page.text and 'id="change-account"' not in page.text


def test_a_paid_household_is_told_it_was_paid(client, texted, factory):
    made, links = texted
    move_decline_by(factory, made, -1)
    factory.advance(application_of(factory, made.household(0)), Status.approved, Status.paid)
    sign_in(client, links[0], made.births[0])
    page = client.get(f"/a/{links[0]}/push")
    assert "給付金のお支払いは済んでいます" in page.text and 'id="pay-by"' not in page.text


def test_a_household_without_an_account_is_texted_to_give_one_not_promised_a_transfer(factory, tmp_path):
    made = make_push_programme(factory, tmp_path, 1, (MOBILE,))
    without_account(factory, made.household(0))
    send_notices(factory, made)
    with factory.session() as session:
        body = session.exec(select(SmsRequest.body).where(SmsRequest.household_id == made.household(0).id)).one()
    assert "登録口座へお振込み" not in body and "受取口座の届出・辞退は" in body


def test_a_household_paid_after_a_paper_form_is_told_it_was_paid_not_that_it_is_being_checked(client, linked,
                                                                                              factory):
    link = linked(1)
    application = factory.advance(
        application_of(factory, link.household(0)), Status.received, Status.checking, Status.complete,
        Status.approved, Status.paid)
    assert application.status == "paid"
    sign_in(client, link.tokens[0], link.births[0])
    page = client.get(f"/a/{link.tokens[0]}/done")
    assert "給付金のお支払いは済んでいます" in page.text
    assert "確認しています" not in page.text and "受付番号" not in page.text


def test_the_application_page_shows_the_account_on_file_masked_with_its_bank_by_name(client, linked, factory):
    link = linked(1)
    with factory.session() as session:
        row = session.get(Household, link.household(0).id)
        row.bank_code, row.branch_code, row.account_type = "0001", "001", "ordinary"
        row.account_number, row.account_holder_kana = "7654321", "ﾃｽﾄ ﾊﾅｺ"
        session.add(row)
        session.commit()
    sign_in(client, link.tokens[0], link.births[0])
    page = client.get(f"/a/{link.tokens[0]}/apply").text
    assert "みずほ（0001） 東京営業部（001）" in page and "＊＊＊＊321" in page
    assert "7654321" not in page and "ﾃｽﾄ ﾊﾅｺ" not in page


def test_a_withdrawn_push_household_is_told_nothing_will_be_paid(client, texted, factory):
    made, links = texted
    factory.advance(application_of(factory, made.household(0)), Status.withdrawn)
    sign_in(client, links[0], made.births[0])
    page = client.get(f"/a/{links[0]}/push").text
    assert "この給付金は支給されません" in page
    assert 'id="pay-by"' not in page and 'id="account"' not in page and 'id="change-account"' not in page


@pytest.mark.parametrize("path, said", [((Status.undeliverable,), "まだ受け付けていません"),
                                        ((Status.withdrawn,), "取り下げられました")])
def test_the_done_page_of_a_household_that_sent_nothing_online_says_where_it_stands(client, linked, factory,
                                                                                    path, said):
    link = linked(1)
    factory.advance(application_of(factory, link.household(0)), *path)
    sign_in(client, link.tokens[0], link.births[0])
    page = client.get(f"/a/{link.tokens[0]}/done").text
    assert said in page and "申請の状況" in page
    assert "申請を受け付けました" not in page and "確認しています" not in page


def test_a_refused_submission_with_photos_asks_for_them_again(client, linked):
    link = linked(1)
    sign_in(client, link.tokens[0], link.births[0])
    form = client.get(f"/a/{link.tokens[0]}/apply")
    refused = client.post(f"/a/{link.tokens[0]}/apply", data={"csrf_token": csrf_from(form.text), "choice": ""},
                          files={"photo_id_copy": ("id.jpg", photo(seed=3), "image/jpeg")})
    assert refused.status_code == 422
    assert 'id="photos-again"' in refused.text and "写真をもう一度選んでください" in refused.text


def test_a_push_link_opened_in_english_stays_english_through_the_second_factor(client, texted):
    made, links = texted
    first = client.get(f"/a/{links[0]}/push?lang=en")  # redirected to the second factor
    assert '<html lang="en"' in first.text
    sign_in(client, links[0], made.births[0])
    assert '<html lang="en"' in client.get(f"/a/{links[0]}/push").text
