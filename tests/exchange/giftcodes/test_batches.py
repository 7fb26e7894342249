import pytest
from sqlmodel import func, select

from exchange.giftcodes.batches import (approve_giftcode_batch, batch_lines, get_giftcode_batch,
                                        list_giftcode_batches, prepare_giftcode_batch)
from exchange.giftcodes.models import GiftCode, GiftCodeBatch, GiftCodeLine
from exchange.giftcodes.setting import record_payout_choice, set_giftcode_setting
from secretariat.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from secretariat.core.households.models import Household
from tests.exchange.giftcodes.conftest import TODAY, at_the_same_moment
from tests.factories import SYSTEM


def prepare(factory, tenant, actor):
    with factory.session() as session:
        batch = prepare_giftcode_batch(session=session, actor=actor, programme=tenant.programme, today=TODAY).batch
        session.commit()
        return batch


def test_not_enough_codes_of_the_amount_is_refused_and_nothing_is_set_aside(factory, giftcode_tenant, stock, maker):
    stock(2)
    stock(5, amount=10_000, prefix="S")
    with pytest.raises(InvalidInput, match="30,000 円のコードが 1 件不足"):
        prepare(factory, giftcode_tenant, maker)
    with factory.session() as session:
        assert session.exec(select(func.count()).select_from(GiftCodeLine)).one() == 0


def test_each_approved_application_gets_a_code_of_its_amount(factory, giftcode_tenant, stock, maker):
    stock(5, amount=10_000, prefix="S")
    stock(3)
    batch = prepare(factory, giftcode_tenant, maker)
    with factory.session() as session:
        lines = batch_lines(session=session, actor=maker, batch=batch)
    assert [(line.amount_yen, code.amount_yen) for line, code in lines] == [(30_000, 30_000)] * 3
    assert (batch.line_count, batch.total_yen) == (3, 90_000)


def test_the_preparer_may_not_approve_their_own_batch(factory, giftcode_tenant, stock, maker):
    stock(3)
    batch = prepare(factory, giftcode_tenant, maker)
    with factory.session() as session, pytest.raises(PermissionDenied):
        approve_giftcode_batch(session=session, actor=maker, batch=batch)


def test_two_batches_prepared_at_once_never_share_a_code(factory, giftcode_tenant, stock):
    stock(3)
    makers = [factory.actor("supervisor"), factory.actor("supervisor")]
    batches = at_the_same_moment(lambda actor: prepare(factory, giftcode_tenant, actor), makers, refused=(Conflict,))
    with factory.session() as session:
        lines = session.exec(select(GiftCodeLine)).all()
    assert len([b for b in batches if b is not None]) == 1
    assert len({line.gift_code_id for line in lines}) == len(lines) == 3


def test_a_frozen_batch_assigns_its_codes_and_refuses_changes(factory, frozen):
    with factory.session() as session:
        assert {c.state for c in session.exec(select(GiftCode).where(GiftCode.application_id.is_not(None)))} == {
            "assigned"}
        batch = session.get(GiftCodeBatch, frozen.id)
        batch.total_yen = 1
        session.add(batch)
        with pytest.raises(Conflict, match="確定済み"):
            session.flush()
        session.rollback()
        line = session.exec(select(GiftCodeLine).where(GiftCodeLine.batch_id == frozen.id)).first()
        session.delete(line)
        with pytest.raises(Conflict, match="確定済み"):
            session.flush()


def test_a_liaison_sees_only_their_municipalitys_batches(factory, giftcode_tenant, frozen):
    other = factory.tenant(households=1, name="別の市")
    outsider = factory.actor("liaison", other.municipality)
    insider = factory.actor("liaison", giftcode_tenant.municipality)
    with factory.session() as session:
        assert [b.id for b in list_giftcode_batches(session=session, actor=insider,
                                                    programme=giftcode_tenant.programme)] == [frozen.id]
        with pytest.raises(NotFound):
            list_giftcode_batches(session=session, actor=outsider, programme=giftcode_tenant.programme)
        with pytest.raises(NotFound):
            get_giftcode_batch(session=session, actor=outsider, batch_id=frozen.id)


def test_under_a_choice_only_households_that_chose_a_gift_code_get_one(factory, giftcode_tenant, stock, maker):
    stock(3)
    with factory.session() as session:
        programme = session.merge(giftcode_tenant.programme)
        set_giftcode_setting(session=session, actor=SYSTEM, programme=programme, payout="choice",
                             provider="テストギフト")
        first, second = (session.get(Household, h.id) for h in giftcode_tenant.households[:2])
        record_payout_choice(session=session, actor=SYSTEM, programme=programme, household=first, payout="gift_code")
        record_payout_choice(session=session, actor=SYSTEM, programme=programme, household=second, payout="transfer")
        session.commit()
    batch = prepare(factory, giftcode_tenant, maker)
    with factory.session() as session:
        assert [line.household_number for line, _ in batch_lines(session=session, actor=maker, batch=batch)] == [
            first.household_number]


def test_a_household_may_not_choose_where_the_programme_gives_no_choice(factory, giftcode_tenant):
    with factory.session() as session, pytest.raises(InvalidInput, match="選べません"):
        record_payout_choice(session=session, actor=SYSTEM, programme=session.merge(giftcode_tenant.programme),
                             household=session.get(Household, giftcode_tenant.households[0].id), payout="gift_code")
