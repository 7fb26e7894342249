"""The 目視審査 page: an operator scans the code of a checked-in form, ticks the boxes with ink and
judges it; a mistake comes back on the same page with the ticks kept."""

from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status
from tests.conftest import csrf_from, log_in

from .test_check_by_hand import COMPLETE, checked_in


def test_the_page_lists_every_box_of_the_form_under_its_japanese_label(factory, client, mailed):
    data = mailed(1)
    checked_in(factory, data)
    log_in(client, factory.user("operator").username)
    page = client.get("/mailroom/by-hand", params={"code": data.code(0)}).text
    assert "署名又は記名押印" in page and "新しい口座" in page and 'value="account_choice=new"' in page


def test_an_operator_judges_a_form_from_the_page(factory, client, mailed):
    data = mailed(1)
    checked_in(factory, data)
    log_in(client, factory.user("operator").username)
    page = client.get("/mailroom/by-hand", params={"code": data.code(0)}).text
    answer = client.post("/mailroom/by-hand", data={"csrf_token": csrf_from(page), "code": data.code(0),
                                                    "box": sorted(COMPLETE), "attachments": "1"})
    assert answer.status_code == 200 and "完了" in answer.text
    with factory.session() as session:
        assert session.get(Application, data.tenant.applications[0].id).status == Status.complete.value


def test_a_code_not_checked_in_yet_says_so_on_the_page(factory, client, mailed):
    data = mailed(1)
    log_in(client, factory.user("operator").username)
    answer = client.get("/mailroom/by-hand", params={"code": data.code(0)})
    assert answer.status_code == 200 and "まだ受付されていません" in answer.text


def test_a_bad_attachment_count_keeps_the_ticks(factory, client, mailed):
    data = mailed(1)
    checked_in(factory, data)
    log_in(client, factory.user("operator").username)
    page = client.get("/mailroom/by-hand", params={"code": data.code(0)}).text
    answer = client.post("/mailroom/by-hand", data={"csrf_token": csrf_from(page), "code": data.code(0),
                                                    "box": ["signature"], "attachments": "x"})
    assert "添付書類の枚数は数字で" in answer.text
    assert 'value="signature" id' in answer.text and answer.text.count("checked") == 1
    with factory.session() as session:
        assert session.get(Application, data.tenant.applications[0].id).status == Status.received.value


def test_a_liaison_cannot_open_the_page(factory, client, mailed):
    data = mailed(1)
    log_in(client, factory.user("liaison", data.tenant.municipality).username)
    assert client.get("/mailroom/by-hand").status_code == 403
