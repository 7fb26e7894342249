from mailroom.checkin.service import record_undeliverable
from tests.conftest import log_in
from tests.factories import SYSTEM

from .conftest import ARRIVED_ON


def test_the_liaison_sees_the_undelivered_households_of_their_programme(factory, client, mailed):
    m = mailed(2)
    with factory.session() as session:
        record_undeliverable(session=session, actor=SYSTEM, code=m.code(1, page=0), returned_on=ARRIVED_ON)
        session.commit()
    log_in(client, factory.user("liaison", m.tenant.municipality).username)
    page = client.get(f"/programmes/{m.tenant.programme.id}/undeliverable").text
    assert m.forms[1]["household_number"] in page and m.forms[0]["household_number"] not in page
    assert "あて所に尋ねあたりません" in page


def test_the_supervisor_s_deficiency_page_counts_by_type(factory, client):
    factory.tenant(households=0)
    log_in(client, factory.user("supervisor").username)
    answer = client.get("/mailroom/deficiencies")
    assert answer.status_code == 200 and "不備の内訳" in answer.text
