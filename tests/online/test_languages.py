"""The residents' pages in their language: one catalogue per language, each with every key of Japanese and
the same placeholders; the language picked from the menu sticks, the browser's is the default."""

from datetime import date, timedelta

import pytest

from mailroom.checkin.models import DeficiencyRecord
from mailroom.scanning.images import DEFAULT_LIMITS
from online import flows
from online.catalogue import (JA, LANGUAGES, ResidentInvalid, Said, Translator, catalogue, from_accept_language,
                              placeholders, plain, sentence)
from tests.conftest import csrf_from

from .test_push import MOBILE, make_push_programme, send_notices, texted_link
from .test_push_pages import sign_in

OTHERS = [language for language in LANGUAGES if language != JA]


@pytest.mark.parametrize("language", OTHERS)
def test_each_language_has_exactly_the_keys_of_japanese(language):
    assert sorted(catalogue(language)) == sorted(catalogue(JA))


@pytest.mark.parametrize("language", OTHERS)
def test_each_sentence_has_the_placeholders_of_its_japanese(language):
    differing = [key for key, text in catalogue(JA).items() if placeholders(catalogue(language)[key]) != placeholders(text)]
    assert differing == []


def test_easy_japanese_draws_furigana_as_ruby_and_plain_text_keeps_the_kanji():
    assert "<ruby>申請<rt>しんせい</rt></ruby>" in sentence("ja-easy", Said("apply.heading"))
    assert plain("ja-easy", Said("apply.heading")) == "給付金の　申請"


def test_values_are_escaped_and_dates_written_the_languages_way():
    said = Said("problem.bank_unknown", {"text": "<b>"})
    assert "&lt;b&gt;" in sentence("en", said) and "<b>" not in sentence("en", said)
    assert plain("en", Said("apply.deadline", {"date": date(2027, 1, 15)})) == "Deadline for applying: 2027/1/15"
    assert plain("vi", Said("apply.deadline", {"date": date(2027, 1, 15)})) == "Hạn đăng ký: ngày 15/1/2027"


def deficiency_record(code: str, message: str, fix: str) -> DeficiencyRecord:
    return DeficiencyRecord(code=code, message=message, fix=fix, receipt_id=1, municipality_id=1, programme_id=1,
                            household_id=1, found_on=date(2026, 11, 30))


def test_a_missing_attachment_is_worded_for_a_photo_on_the_screen_not_for_an_envelope():
    record = deficiency_record("attachment:id_copy", "「本人確認書類の写し」が同封されていません。", "写しを同封してください。")
    assert Translator("ja").deficiency(record) == "「本人確認書類」の写真がありません。写真を撮って送ってください。"
    assert Translator("en").deficiency(record) == "The photo of your identity document is missing. Please send a photo of it."


def test_a_code_the_catalogue_does_not_know_shows_the_form_templates_own_sentence():
    record = deficiency_record("blank:pet_name", "「ペットの名前」が記入されていません。", "記入してください。")
    assert Translator("ja").deficiency(record) == "「ペットの名前」が記入されていません。記入してください。"


def test_a_code_the_catalogue_lacks_shows_the_template_words():
    record = DeficiencyRecord(code="blank:pet_name", message="「ペットの名前」が記入されていません。", fix="",
                              receipt_id=1, municipality_id=1, programme_id=1, household_id=1,
                              found_on=date(2026, 11, 30))
    assert Translator("en").deficiency(record) == "「ペットの名前」が記入されていません。"


def test_a_flows_problem_keeps_its_japanese_message_and_says_it_in_the_residents_language():
    with pytest.raises(ResidentInvalid) as raised:
        flows.account_values(flows.Answers(bank="存在しない銀行", branch="001", account_type="ordinary",
                                           account_number="1234567", account_holder_kana="ヤマダ タロウ"))
    assert raised.value.message == ("「存在しない銀行」という金融機関は見つかりません。"
                                    "金融機関名か金融機関コード（4桁）を入力してください。")
    assert "No bank called “存在しない銀行” was found." in Translator("en").say(raised.value)


@pytest.mark.parametrize("header, expected", [("en-US,en;q=0.9,ja;q=0.8", "en"), ("fr,pt-BR;q=0.7", "pt"),
                                               ("ja;q=0.5,vi", "vi"), ("fr,de", None), ("en;q=0,ko;q=0.1", "ko")])
def test_the_browsers_language_is_the_first_of_ours_it_asks_for(header, expected):
    assert from_accept_language(header) == expected


def test_the_page_follows_the_browsers_language_when_none_was_picked(client, linked):
    link = linked(1)
    page = client.get(f"/a/{link.tokens[0]}", headers={"accept-language": "ko-KR,ko;q=0.9"})
    assert '<html lang="ko">' in page.text and "본인 확인" in page.text


def test_a_language_picked_from_the_menu_sticks_across_the_residents_pages(client, linked):
    link = linked(1)
    first = client.get(f"/a/{link.tokens[0]}?lang=en")
    assert '<html lang="en">' in first.text and "Confirm it is you" in first.text
    born = link.births[0]
    client.post(f"/a/{link.tokens[0]}", data={"era": "seireki", "year": str(born.year), "month": str(born.month),
                                              "day": str(born.day), "csrf_token": csrf_from(first.text)})
    applying = client.get(f"/a/{link.tokens[0]}/apply", headers={"accept-language": "ja"})
    assert "Apply for the benefit" in applying.text and "給付金の申請" not in applying.text


def test_a_wrong_birth_date_is_told_in_the_residents_language(client, linked):
    link = linked(1)
    page = client.get(f"/a/{link.tokens[0]}?lang=zh")
    born = link.births[0] + timedelta(days=1)
    wrong = client.post(f"/a/{link.tokens[0]}", data={"era": "seireki", "year": str(born.year),
                                                      "month": str(born.month), "day": str(born.day),
                                                      "csrf_token": csrf_from(page.text)})
    assert 'role="alert"' in wrong.text and "无法用您输入的出生日期确认身份" in wrong.text
    assert 'aria-describedby=message' in wrong.text and f'value="{born.year}"' in wrong.text


def test_the_menu_names_each_language_in_itself(client, linked):
    link = linked(1)
    page = client.get(f"/a/{link.tokens[0]}")
    for name in ("日本語", "やさしいにほんご", "English", "中文", "한국어", "Português", "Tiếng Việt"):
        assert f">{name}</a>" in page.text


def test_the_push_page_words_the_account_type_in_the_residents_language(client, factory, tmp_path):
    made = make_push_programme(factory, tmp_path, 1, (MOBILE,))
    send_notices(factory, made)
    link = texted_link(factory, made.household(0))
    client.get(f"/a/{link}?lang=en")
    sign_in(client, link, made.births[0])
    page = client.get(f"/a/{link}/push")
    assert "三菱ＵＦＪ（0005） 本店（001） Ordinary (futsū) ＊＊＊＊567" in page.text and "普通" not in page.text


def refused_account(**account) -> ResidentInvalid:
    given = dict(bank="0001", branch="001", account_type="ordinary", account_number="1234567",
                 account_holder_kana="ヤマダ タロウ", phone="0432451234") | account
    with pytest.raises(ResidentInvalid) as refused:
        flows.account_values(flows.Answers(account_choice="new", **given))
    return refused.value


def test_a_holder_name_in_kanji_is_refused_in_the_residents_language_naming_the_characters_as_typed():
    refused = refused_account(account_holder_kana="伊藤修平")
    assert [said.key for said in refused.said] == ["problem.holder_chars"]
    english = plain("en", *refused.said)
    assert "(伊藤修平)" in english and "katakana" in english
    assert "振込" not in english and "口座名義" not in english


def test_every_account_problem_is_named_at_once_in_the_residents_language():
    refused = refused_account(account_type="savings", account_number="12345678", account_holder_kana="")
    assert [said.key for said in refused.said] == ["problem.account_type", "problem.account_number",
                                                   "problem.holder_missing"]
    assert "預金" not in plain("vi", *refused.said)


def test_a_japan_post_bank_passbook_symbol_typed_as_the_branch_is_explained_not_just_refused():
    refused = refused_account(bank="9900", branch="12345", account_number="1234567")
    assert [said.key for said in refused.said] == ["problem.yucho"]
    assert "振込用の店番（3桁）と口座番号（7桁）" in refused.message


def test_a_photo_over_the_limit_is_refused_by_the_limit_not_by_a_size_read_only_up_to_it():
    with pytest.raises(ResidentInvalid) as refused:
        flows.read_photo("id_copy", "本人確認書類の写し", b"\xff" * (flows.PHOTO_MAX_BYTES + 1), DEFAULT_LIMITS)
    limit = flows.PHOTO_MAX_BYTES // 1048576
    assert refused.value.message == f"「本人確認書類の写し」の写真が大きすぎます。{limit} MB までの写真を選んでください。"
