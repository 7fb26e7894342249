"""A decline after a code was assigned voids the code, before or after delivery, and the provider is
asked to cancel it; a decline after redemption is refused; a supervisor lets an expired code be
replaced in a new batch, the old code staying expired."""

from datetime import date

import pytest
from sqlmodel import select

from exchange.giftcodes.batches import prepare_giftcode_batch
from exchange.giftcodes.delivery import deliver_giftcodes
from exchange.giftcodes.models import GiftCode, GiftCodeLine
from exchange.giftcodes.redemption import expire_unredeemed
from exchange.giftcodes.withdrawal import allow_reissue, cancel_csv, codes_to_cancel
from secretariat.core.applications.declines import record_decline
from secretariat.core.applications.models import Application
from secretariat.core.audit.models import AuditEvent
from secretariat.core.errors import DomainError, InvalidInput
from tests.conftest import csrf_from
from tests.exchange.giftcodes.conftest import TODAY, prepare_approve_freeze
from tests.exchange.giftcodes.test_redemption import assigned_codes, redeem, redemption_file
from tests.factories import SYSTEM

AFTER_EXPIRY = date(2027, 4, 1)


def decline(factory, application_id: int) -> None:
    with factory.session() as session:
        record_decline(session=session, actor=factory.actor("operator"),
                       application=session.get(Application, application_id), evidence="電話で辞退の申出")
        session.commit()


def deliver(factory, tenant, tmp_path):
    with factory.session() as session:
        delivered = deliver_giftcodes(session=session, actor=SYSTEM, programme=tenant.programme,
                                      out_dir=tmp_path / "letters")
        session.commit()
    return delivered


def code(factory, code_id: int) -> GiftCode:
    with factory.session() as session:
        return session.get(GiftCode, code_id)


def to_cancel(factory, tenant) -> list[tuple[str, str]]:
    with factory.session() as session:
        listed = codes_to_cancel(session=session, actor=SYSTEM, programme=tenant.programme)
        session.commit()
    return [(c.code, reason) for c, reason in listed]


def expire(factory, tenant) -> None:
    with factory.session() as session:
        expire_unredeemed(session=session, actor=SYSTEM, programme=tenant.programme, today=AFTER_EXPIRY)
        session.commit()


def reissue(factory, tenant, code_id: int, actor=None) -> GiftCode:
    with factory.session() as session:
        allowed = allow_reissue(session=session, actor=actor or factory.actor("supervisor"),
                                programme=tenant.programme, code_id=code_id)
        session.commit()
    return allowed


def test_a_decline_before_delivery_voids_the_code_and_no_letter_goes(factory, giftcode_tenant, frozen, tmp_path):
    first = assigned_codes(factory)[0]
    decline(factory, first.application_id)
    delivered = deliver(factory, giftcode_tenant, tmp_path)
    assert delivered.letter_count == 2
    voided = code(factory, first.id)
    assert (voided.state, voided.delivered_at, voided.voided_at is not None) == ("void", None, True)
    assert to_cancel(factory, giftcode_tenant) == [(first.code, "withdrawn_before_delivery")]


def test_a_decline_after_delivery_voids_the_code_for_the_provider_to_cancel(factory, giftcode_tenant, frozen,
                                                                              tmp_path):
    deliver(factory, giftcode_tenant, tmp_path)
    first = assigned_codes(factory)[0]
    decline(factory, first.application_id)
    assert to_cancel(factory, giftcode_tenant) == [(first.code, "withdrawn_after_delivery")]
    assert code(factory, first.id).state == "void"
    with factory.session() as session:
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "giftcode_voided")).one()
    assert (audit.entity_id, audit.detail.endswith("after delivery")) == (first.id, True)


def test_the_cancel_list_names_each_whole_code_with_its_amount_expiry_and_reason(factory, giftcode_tenant, frozen):
    first = assigned_codes(factory)[0]
    decline(factory, first.application_id)
    with factory.session() as session:
        data = cancel_csv(codes_to_cancel(session=session, actor=SYSTEM, programme=giftcode_tenant.programme))
    assert data.decode("utf-8").splitlines() == ["code,amount,expiry,reason",
                                                 f"{first.code},30000,2027-03-31,withdrawn_before_delivery"]


def test_a_voided_code_in_the_redemption_file_pays_nothing_and_is_reported(factory, giftcode_tenant, frozen,
                                                                           tmp_path):
    first = assigned_codes(factory)[0]
    decline(factory, first.application_id)
    result = redeem(factory, giftcode_tenant, redemption_file(tmp_path, [(first.code, "2027-01-15")]))
    assert (result.paid, [p.code for p in result.unknown]) == (0, ["cancelled_code"])
    with factory.session() as session:
        assert session.get(Application, first.application_id).status == "declined"


def test_a_decline_after_the_code_was_redeemed_is_refused(factory, giftcode_tenant, frozen, tmp_path):
    first = assigned_codes(factory)[0]
    redeem(factory, giftcode_tenant, redemption_file(tmp_path, [(first.code, "2027-01-15")]))
    with pytest.raises(DomainError):
        decline(factory, first.application_id)
    assert code(factory, first.id).state == "redeemed"


def test_an_expired_code_is_not_replaced_without_a_supervisors_leave(factory, giftcode_tenant, frozen, stock, maker):
    expire(factory, giftcode_tenant)
    stock(3, prefix="NEW")
    with factory.session() as session:
        assert prepare_giftcode_batch(session=session, actor=maker, programme=giftcode_tenant.programme,
                                      today=TODAY).batch is None


def test_a_reissued_expired_code_gets_a_new_code_through_maker_and_checker(factory, giftcode_tenant, frozen, stock,
                                                                           maker, checker):
    expire(factory, giftcode_tenant)
    old = assigned_codes(factory)[0]
    reissue(factory, giftcode_tenant, old.id)
    stock(1, prefix="NEW")
    batch = prepare_approve_freeze(factory, giftcode_tenant, maker, checker)
    with factory.session() as session:
        line = session.exec(select(GiftCodeLine).where(GiftCodeLine.batch_id == batch.id)).one()
        new = session.get(GiftCode, line.gift_code_id)
    assert (line.application_id, line.attempt) == (old.application_id, 2)
    assert (new.code, new.state, new.application_id) == ("NEW0000", "assigned", old.application_id)
    assert code(factory, old.id).state == "expired"


def test_a_reissued_expired_code_goes_on_the_cancel_list(factory, giftcode_tenant, frozen):
    expire(factory, giftcode_tenant)
    old = assigned_codes(factory)[0]
    reissue(factory, giftcode_tenant, old.id)
    assert to_cancel(factory, giftcode_tenant) == [(old.code, "expired_reissued")]


def test_only_an_expired_code_can_be_reissued(factory, giftcode_tenant, frozen):
    with pytest.raises(InvalidInput, match="期限切れの未引換コードだけ"):
        reissue(factory, giftcode_tenant, assigned_codes(factory)[0].id)


def test_an_operator_cannot_reissue_a_code(factory, giftcode_tenant, frozen):
    expire(factory, giftcode_tenant)
    with pytest.raises(DomainError):
        reissue(factory, giftcode_tenant, assigned_codes(factory)[0].id, actor=factory.actor("operator"))


def test_a_supervisor_reissues_from_the_unredeemed_page(client, login, factory, giftcode_tenant, frozen):
    expire(factory, giftcode_tenant)
    first, second = assigned_codes(factory)[:2]
    login(factory.user("supervisor"))
    url = f"/programmes/{giftcode_tenant.programme.id}/giftcodes"
    page = client.get(f"{url}/unredeemed")
    done = client.post(f"{url}/reissue", data={"csrf_token": csrf_from(page.text), "code_id": first.id})
    assert "再発行済み" in done.text
    again = client.post(f"{url}/reissue", data={"csrf_token": csrf_from(page.text), "code_id": first.id})
    assert again.status_code == 422 and "再発行を指示済み" in again.text
    assert code(factory, second.id).reissue_allowed_at is None
