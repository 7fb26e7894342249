"""A bank transfer batch leaves alone what gift codes pay: a household is never paid twice, nor by
the means it did not choose."""

from datetime import date

from sqlmodel import select

from exchange.giftcodes.setting import record_payout_choice, set_giftcode_setting
from exchange.results.models import PaymentLine
from exchange.results.payments import prepare_payment_batch
from secretariat.core.households.models import Household
from tests.exchange.test_bank_profiles import approved_tenant
from tests.factories import SYSTEM

from .conftest import PROVIDER

PAYER = dict(transfer_date=date(2026, 12, 10), requester_code="1234567890", requester_name_kana="テストシ",
             from_bank_code="0001", from_branch_code="001", from_account_number="1234567")


def transferred(factory, tenant) -> list[str]:
    with factory.session() as session:
        batch = prepare_payment_batch(session=session, actor=SYSTEM, programme=tenant.programme, **PAYER).batch
        session.commit()
        if batch is None:
            return []
        return sorted(session.exec(select(PaymentLine.household_number).where(PaymentLine.batch_id == batch.id)))


def pay_by(factory, tenant, payout: str) -> None:
    with factory.session() as session:
        set_giftcode_setting(session=session, actor=SYSTEM, programme=tenant.programme, payout=payout,
                             provider=PROVIDER)
        session.commit()


def test_a_programme_paid_by_gift_code_gets_no_transfer(factory):
    tenant = approved_tenant(factory)
    pay_by(factory, tenant, "gift_code")
    assert transferred(factory, tenant) == []


def test_where_households_choose_only_those_who_chose_a_transfer_are_transferred(factory):
    tenant = approved_tenant(factory)
    pay_by(factory, tenant, "choice")
    chooser = tenant.households[1]
    with factory.session() as session:
        record_payout_choice(session=session, actor=SYSTEM, programme=tenant.programme,
                             household=session.get(Household, chooser.id), payout="gift_code")
        session.commit()
    assert transferred(factory, tenant) == sorted(h.household_number for h in tenant.households
                                                  if h.id != chooser.id)


def test_a_programme_paid_by_transfer_transfers_everyone(factory):
    tenant = approved_tenant(factory)
    assert len(transferred(factory, tenant)) == 3
