"""A failed transfer's corrected account (振込不能の口座訂正) keyed under the same double-entry rules as a form."""

from datetime import date

import pytest
from sqlmodel import select

from exchange.results.models import PaymentBatch, PaymentLine
from mailroom.keying import flows
from mailroom.keying.models import KeyingTask
from secretariat.core.errors import Conflict, PermissionDenied

TYPED = {"bank_code": "0001", "branch_code": "001", "account_type": "1", "account_number": "7654321",
         "account_holder_kana": "ヤマダ タロウ", "phone": ""}


@pytest.fixture
def correction(factory):
    """correction(tenant, given=True) -> task id: a failed line's correction task, the account given by phone."""

    def make(tenant, given: bool = True) -> int:
        household, application = tenant.households[0], tenant.applications[0]
        agent = factory.actor("agent")
        with factory.session() as session:
            batch = PaymentBatch(municipality_id=household.municipality_id, programme_id=household.programme_id,
                                 transfer_date=date(2026, 12, 10), requester_code="1234567890",
                                 requester_name_kana="ﾃｽﾄ", from_bank_code="0001", from_branch_code="001",
                                 from_account_number="1234567", prepared_by="tests")
            session.add(batch)
            session.flush()
            line = PaymentLine(batch_id=batch.id, municipality_id=household.municipality_id,
                               programme_id=household.programme_id, application_id=application.id,
                               household_number=household.household_number, bank_code="0005", branch_code="001",
                               account_type="ordinary", account_number="0001234", recipient_kana="ﾃｽﾄ",
                               amount_yen=70000, result="failed", failure_reason="1", result_on=date(2026, 12, 11))
            session.add(line)
            session.flush()
            task = flows.enqueue_correction(session=session, actor=agent, municipality_id=line.municipality_id,
                                            programme_id=line.programme_id, household_id=household.id,
                                            payment_line_id=line.id)
            if given:
                flows.account_given(session=session, actor=agent, task=task, channel="phone")
            session.commit()
            return task.id

    return make


def key(factory, actor, task_id: int) -> KeyingTask:
    with factory.session() as session:
        task = flows.submit_entry(session=session, actor=actor, task=session.get(KeyingTask, task_id), raw=TYPED)
        session.commit()
        return task


def test_the_same_operator_cannot_key_both_entries_of_a_correction(factory, correction):
    task_id = correction(factory.tenant(households=1))
    operator = factory.actor("operator")
    key(factory, operator, task_id)
    with factory.session() as session, pytest.raises(PermissionDenied, match="別の人"):
        flows.submit_entry(session=session, actor=operator, task=session.get(KeyingTask, task_id), raw=TYPED)


def test_a_correction_cannot_be_keyed_before_the_resident_gives_the_account(factory, correction):
    task_id = correction(factory.tenant(households=1), given=False)
    operator = factory.actor("operator")
    with factory.session() as session, pytest.raises(Conflict):
        flows.submit_entry(session=session, actor=operator, task=session.get(KeyingTask, task_id), raw=TYPED)


def test_the_residents_account_is_taken_once(factory, correction):
    task_id = correction(factory.tenant(households=1))
    agent = factory.actor("agent")
    with factory.session() as session, pytest.raises(Conflict, match="受付済み"):
        flows.account_given(session=session, actor=agent, task=session.get(KeyingTask, task_id), channel="letter")


def test_forms_checked_earlier_still_queue_beside_corrections_without_a_form(factory, correction, checked_form):
    tenant = factory.tenant(households=2)
    correction(tenant)
    receipt = checked_form(tenant, 1)
    with factory.session() as session:
        session.delete(session.exec(select(KeyingTask).where(KeyingTask.receipt_id == receipt.id)).one())
        session.commit()
    operator = factory.actor("operator")
    with factory.session() as session:
        assert flows.enqueue_waiting(session=session, actor=operator) == 1


def test_the_keying_page_names_a_correction_and_how_the_account_was_given(factory, correction, client, login):
    task_id = correction(factory.tenant(households=1))
    login(factory.user("operator"))
    page = client.get(f"/mailroom/keying/tasks/{task_id}")
    assert page.status_code == 200
    assert "振込不能の口座訂正（電話で受付）" in page.text and 'id="correction"' in page.text
