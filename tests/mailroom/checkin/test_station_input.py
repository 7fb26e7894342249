"""Whatever the handheld scanner or the keyboard sends, the operator stays on the station with one
clear line: an empty Enter, an over-long code, a code typed with the input method on (full-width)."""

import pytest
from sqlmodel import select

from mailroom.checkin.models import Receipt


def station_post(client, token, code):
    return client.post("/mailroom/check-in", data={"csrf_token": token, "code": code})


@pytest.mark.parametrize("code, says", [("", "コードが空です"), ("\r\n", "コードが空です"),
                                        ("X" * 300, "コードが長すぎます（300 文字）"),
                                        ("SCT1|nonsense", "様式のコードではありません")])
def test_a_bad_scan_keeps_the_operator_on_the_station_with_a_japanese_line(factory, client, login, code, says):
    token = login(factory.user("operator"))
    answer = station_post(client, token, code)
    assert answer.status_code == 200
    assert says in answer.text
    assert 'name="code"' in answer.text  # the station's input is still there


def test_a_code_typed_in_full_width_is_checked_in(factory, client, login, mailed):
    forms = mailed(households=1)
    token = login(factory.user("operator"))
    wide = forms.code(0).translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})  # ＳＣＴ１｜… as the IME types it
    answer = station_post(client, token, wide + "\r")
    assert answer.status_code == 200 and "受け付けました" in answer.text
    with factory.session() as session:
        assert [r.form_id for r in session.exec(select(Receipt))] == [forms.form_id(0)]
