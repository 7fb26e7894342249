"""Cancel lists (取消依頼) are kept: each code to cancel goes on one list only, a list is downloaded
again as it was made, and two people making one at the same moment never put a code on both."""

import pytest
from sqlmodel import select

from exchange.giftcodes.models import GiftCodeCancelEntry, GiftCodeCancelList
from exchange.giftcodes.withdrawal import cancel_list_codes, cancellations_due, make_cancel_list
from secretariat.core.audit.models import AuditEvent
from secretariat.core.errors import Conflict, InvalidInput
from tests.exchange.giftcodes.conftest import at_the_same_moment
from tests.exchange.giftcodes.test_pages import post
from tests.exchange.giftcodes.test_redemption import assigned_codes
from tests.exchange.giftcodes.test_withdrawal import decline
from tests.factories import SYSTEM


def make(factory, tenant, actor=SYSTEM) -> GiftCodeCancelList:
    with factory.session() as session:
        made = make_cancel_list(session=session, actor=actor, programme=tenant.programme)
        session.commit()
    return made


def codes_on(factory, tenant, made) -> list[tuple[str, str]]:
    with factory.session() as session:
        listed = cancel_list_codes(session=session, actor=SYSTEM, programme=tenant.programme, list_id=made.id)
        session.commit()
    return [(code.code, reason) for code, reason in listed]


def test_a_code_asked_to_be_cancelled_is_not_asked_again_on_the_next_list(factory, giftcode_tenant, frozen):
    first, second, _ = assigned_codes(factory)
    decline(factory, first.application_id)
    earlier = make(factory, giftcode_tenant)
    decline(factory, second.application_id)
    later = make(factory, giftcode_tenant)
    assert codes_on(factory, giftcode_tenant, earlier) == [(first.code, "withdrawn_before_delivery")]
    assert codes_on(factory, giftcode_tenant, later) == [(second.code, "withdrawn_before_delivery")]
    assert (earlier.code_count, later.code_count) == (1, 1)


def test_a_new_list_with_nothing_new_to_cancel_is_refused_in_japanese(factory, giftcode_tenant, frozen):
    decline(factory, assigned_codes(factory)[0].application_id)
    make(factory, giftcode_tenant)
    with pytest.raises(InvalidInput, match="新たに取消を依頼するコードはありません"):
        make(factory, giftcode_tenant)


def test_the_codes_due_are_counted_before_a_decline_is_voided_and_nothing_is_written(factory, giftcode_tenant,
                                                                                     frozen):
    first = assigned_codes(factory)[0]
    decline(factory, first.application_id)
    with factory.session() as session:
        due = cancellations_due(session=session, actor=SYSTEM, programme=giftcode_tenant.programme)
        assert not session.new and not session.dirty
    assert due == 1
    assert assigned_codes(factory)[0].id == first.id  # still assigned: counting voided nothing


def test_two_lists_made_at_the_same_moment_carry_each_code_once(factory, giftcode_tenant, frozen):
    for code in assigned_codes(factory):
        decline(factory, code.application_id)
    makers = [factory.actor("supervisor"), factory.actor("supervisor")]
    made = [m for m in at_the_same_moment(lambda actor: make(factory, giftcode_tenant, actor), makers,
                                          refused=(Conflict, InvalidInput)) if m is not None]
    with factory.session() as session:
        entries = session.exec(select(GiftCodeCancelEntry)).all()
        lists = session.exec(select(GiftCodeCancelList)).all()
    assert (len(made), len(lists)) == (1, 1)
    assert len({entry.gift_code_id for entry in entries}) == len(entries) == 3


def test_a_list_made_on_the_page_downloads_again_byte_for_byte(client, login, factory, giftcode_tenant, frozen):
    first = assigned_codes(factory)[0]
    decline(factory, first.application_id)
    login(factory.user("supervisor"))
    programme = giftcode_tenant.programme.id
    assert "未依頼のコード: <strong>1</strong> 件" in client.get(f"/programmes/{programme}/giftcodes").text
    made = post(client, programme, "cancellations")
    assert made.status_code == 200 and "未依頼のコード: <strong>0</strong> 件" in made.text
    with factory.session() as session:
        listed = session.exec(select(GiftCodeCancelList)).one()
    link = f"/programmes/{programme}/giftcodes/cancellations/{listed.id}.csv"
    assert link in made.text
    once, again = client.get(link), client.get(link)
    assert once.status_code == 200 and once.content == again.content
    assert once.content.decode("utf-8").splitlines()[1].startswith(f"{first.code},30000,2027-03-31,")
    with factory.session() as session:
        reads = session.exec(select(AuditEvent).where(AuditEvent.action == "giftcode_cancel_list_read")).all()
    assert len(reads) == 2


def test_making_a_list_with_nothing_to_cancel_says_so_on_the_page(client, login, factory, giftcode_tenant, frozen):
    login(factory.user("supervisor"))
    answer = post(client, giftcode_tenant.programme.id, "cancellations")
    assert answer.status_code == 422
    assert "新たに取消を依頼するコードはありません" in answer.text


def test_another_programmes_cancel_list_is_not_found(client, login, factory, giftcode_tenant, frozen):
    decline(factory, assigned_codes(factory)[0].application_id)
    made = make(factory, giftcode_tenant)
    other = factory.tenant(households=1)
    login(factory.user("supervisor"))
    answer = client.get(f"/programmes/{other.programme.id}/giftcodes/cancellations/{made.id}.csv")
    assert answer.status_code == 404
