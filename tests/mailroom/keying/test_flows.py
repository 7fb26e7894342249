"""申請データ入力 by double entry: two blind entries, a verifier for differences, the account on file kept."""

import pytest
from sqlmodel import select

from mailroom.keying import flows
from mailroom.keying.models import KeyingEntry, KeyingTask
from secretariat.core.audit.models import AuditEvent
from secretariat.core.errors import Conflict, InvalidInput, PermissionDenied
from secretariat.core.households.models import Household

TYPED = {"bank_code": "0001", "branch_code": "001", "account_type": "1", "account_number": "1234567",
         "account_holder_kana": "ヤマダ タロウ", "phone": "043-200-1234"}


def task_of(session, receipt) -> KeyingTask:
    return session.exec(select(KeyingTask).where(KeyingTask.receipt_id == receipt.id)).one()


def key(factory, actor, receipt, **changes):
    with factory.session() as session:
        task = flows.submit_entry(session=session, actor=actor, task=task_of(session, receipt), raw=TYPED | changes)
        session.commit()
        return task


def test_a_form_with_a_new_account_queues_for_keying_and_one_with_the_account_on_file_does_not(factory, checked_form):
    tenant = factory.tenant(households=2)
    new, on_file = checked_form(tenant, 0), checked_form(tenant, 1, new_account=False)
    with factory.session() as session:
        assert task_of(session, new).status == "waiting_first"
        assert session.exec(select(KeyingTask).where(KeyingTask.receipt_id == on_file.id)).first() is None


def test_two_equal_entries_agree_and_fill_a_household_without_an_account_on_file(factory, checked_form):
    tenant = factory.tenant(households=1)
    receipt = checked_form(tenant)
    first, second = factory.actor("operator"), factory.actor("operator")
    assert key(factory, first, receipt).status == "waiting_second"
    task = key(factory, second, receipt, account_holder_kana="ﾔﾏﾀﾞ ﾀﾛｳ", account_type="普通")
    assert (task.status, task.decision, task.applied) == ("agreed", "agreement", "filled")
    with factory.session() as session:
        household = session.get(Household, receipt.household_id)
        assert (household.bank_code, household.branch_code, household.account_type, household.account_number,
                household.account_holder_kana) == ("0001", "001", "ordinary", "1234567", "ﾔﾏﾀﾞ ﾀﾛｳ")
        entries = session.exec(select(KeyingEntry).where(KeyingEntry.task_id == task.id)).all()
        assert [(e.round, e.keyed_by) for e in entries] == [(1, first.username), (2, second.username)]


def test_the_same_operator_cannot_key_a_form_twice_nor_is_offered_it_again(factory, checked_form):
    tenant = factory.tenant(households=1)
    receipt = checked_form(tenant)
    operator = factory.actor("operator")
    key(factory, operator, receipt)
    with factory.session() as session:
        assert flows.next_task(session=session, actor=operator) is None
        with pytest.raises(PermissionDenied, match="別の人"):
            flows.submit_entry(session=session, actor=operator, task=task_of(session, receipt), raw=TYPED)


def test_different_entries_wait_for_a_verifier_who_picks_one(factory, checked_form):
    tenant = factory.tenant(households=1)
    receipt = checked_form(tenant)
    key(factory, factory.actor("operator"), receipt)
    task = key(factory, factory.actor("operator"), receipt, account_number="1234561")
    assert task.status == "disputed" and task.applied == ""
    verifier = factory.actor("supervisor")
    with factory.session() as session:
        task = flows.verify(session=session, actor=verifier, task=task_of(session, receipt), choice="first")
        session.commit()
    assert (task.status, task.account_number, task.settled_by) == ("verified", "1234567", verifier.username)
    with factory.session() as session:
        assert session.get(Household, receipt.household_id).account_number == "1234567"
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.entity_id == task.id,
                                                               AuditEvent.entity == "keying_task")).all()
        assert actions.count("keying_entry") == 2 and "keying_verify" in actions


def test_a_verifier_may_key_a_correction_instead_of_either_entry(factory, checked_form):
    tenant = factory.tenant(households=1)
    receipt = checked_form(tenant)
    key(factory, factory.actor("operator"), receipt, branch_code="004")
    key(factory, factory.actor("operator"), receipt, branch_code="005")
    with factory.session() as session:
        task = flows.verify(session=session, actor=factory.actor("supervisor"), task=task_of(session, receipt),
                            choice="correction", raw=TYPED)
        session.commit()
    assert (task.decision, task.branch_code) == ("correction", "001")


def test_one_who_keyed_a_form_cannot_verify_it(factory, checked_form):
    tenant = factory.tenant(households=1)
    receipt = checked_form(tenant)
    supervisor = factory.actor("supervisor")
    key(factory, supervisor, receipt)
    key(factory, factory.actor("operator"), receipt, account_number="7654321")
    with factory.session() as session, pytest.raises(PermissionDenied, match="自分が入力"):
        flows.verify(session=session, actor=supervisor, task=task_of(session, receipt), choice="second")


def test_an_operator_cannot_verify(factory, checked_form):
    tenant = factory.tenant(households=1)
    receipt = checked_form(tenant)
    key(factory, factory.actor("operator"), receipt)
    key(factory, factory.actor("operator"), receipt, account_number="7654321")
    with factory.session() as session, pytest.raises(PermissionDenied):
        flows.verify(session=session, actor=factory.actor("operator"), task=task_of(session, receipt), choice="first")


def test_a_bank_code_not_in_the_zengin_list_is_refused_in_japanese(factory, checked_form):
    tenant = factory.tenant(households=1)
    receipt = checked_form(tenant)
    with pytest.raises(InvalidInput, match="金融機関コード 9899 は全銀の金融機関コード一覧にありません"):
        key(factory, factory.actor("operator"), receipt, bank_code="9899")


def test_a_holder_name_with_a_character_banks_refuse_is_refused_naming_it(factory, checked_form):
    tenant = factory.tenant(households=1)
    receipt = checked_form(tenant)
    with pytest.raises(InvalidInput, match="振込に使えない文字があります: 田"):
        key(factory, factory.actor("operator"), receipt, account_holder_kana="ヤマ田 タロウ")


def test_keyed_values_are_folded_as_banks_want_them():
    values = flows.normalise(TYPED | {"account_number": "４５６", "branch_code": "1", "account_holder_kana": "きっと ゔぁん"})
    assert (values.account_number, values.branch_code, values.account_holder_kana, values.phone) == (
        "0000456", "001", "ｷﾂﾄ ｳﾞｱﾝ", "0432001234")


def test_a_savings_account_is_refused_because_the_transfer_file_cannot_pay_it():
    with pytest.raises(InvalidInput, match="預金種目"):
        flows.normalise(TYPED | {"account_type": "貯蓄"})


def test_the_account_on_file_is_never_overwritten_and_both_are_kept(factory, checked_form):
    tenant = factory.tenant(households=1)
    with factory.session() as session:
        household = session.get(Household, tenant.households[0].id)
        household.bank_code, household.branch_code, household.account_type = "0005", "001", "ordinary"
        household.account_number, household.account_holder_kana = "7777777", "ｿｳｼﾞﾔ ﾀﾛｳ"
        session.add(household)
        session.commit()
    receipt = checked_form(tenant)
    key(factory, factory.actor("operator"), receipt)
    task = key(factory, factory.actor("operator"), receipt)
    assert task.applied == "differs"
    assert task.on_file() == ("0005", "001", "ordinary", "7777777", "ｿｳｼﾞﾔ ﾀﾛｳ")
    assert task.account() == ("0001", "001", "ordinary", "1234567", "ﾔﾏﾀﾞ ﾀﾛｳ")
    with factory.session() as session:
        assert session.get(Household, receipt.household_id).account_number == "7777777"
        assert [t.id for t in flows.differing_accounts(session=session, actor=factory.actor("supervisor"))] == [task.id]


def test_status_counts_give_the_double_entry_agreement_rate(factory, checked_form):
    tenant = factory.tenant(households=3)
    agreed, disputed, waiting = (checked_form(tenant, n) for n in range(3))
    for receipt, number in ((agreed, "1234567"), (disputed, "7654321")):
        key(factory, factory.actor("operator"), receipt)
        key(factory, factory.actor("operator"), receipt, account_number=number)
    with factory.session() as session:
        counted = flows.counts(session=session, actor=factory.actor("supervisor"))
    assert counted.by_status == {"waiting_resident": 0, "waiting_first": 1, "waiting_second": 0, "agreed": 1,
                                 "disputed": 1, "verified": 0}
    assert counted.agreement_rate == 0.5


def test_a_form_whose_application_is_no_longer_complete_is_not_queued(factory, checked_form):
    from mailroom.checkin.models import Receipt
    from secretariat.core.applications.states import Status

    tenant = factory.tenant(households=1)
    receipt = checked_form(tenant)
    with factory.session() as session:
        session.delete(task_of(session, receipt))
        session.commit()
    factory.advance(tenant.applications[0], Status.declined)
    with factory.session() as session:
        assert flows.enqueue(session=session, actor=factory.actor("operator"),
                             receipt=session.get(Receipt, receipt.id)) is None
