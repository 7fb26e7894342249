"""振込不能 closed: a failed transfer queues a corrected account, keyed by double entry, and is paid again."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from exchange.results.failures import failure_queue, get_failure, take_corrected_account
from exchange.results.models import PaymentLine
from exchange.results.payments import (approve_payment_batch, batch_lines, export_payment_batch,
                                       import_payment_results, prepare_payment_batch)
from exchange.results.files import cp932_csv
from mailroom.keying import flows as keying
from mailroom.keying.models import KeyingTask
from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status
from secretariat.core.audit.models import AuditEvent
from secretariat.core.errors import PermissionDenied
from secretariat.core.households.models import Household

TO_APPROVED = (Status.printed, Status.mailed, Status.received, Status.checking, Status.complete, Status.approved)
PAYER = dict(requester_code="1234567890", requester_name_kana="テストシ", from_bank_code="0001",
             from_branch_code="001", from_account_number="1234567")
OLD_ACCOUNT = ("0005", "001", "ordinary", "0001234", "ﾃｽﾄ ﾀﾛｳ")
NEW_ACCOUNT = {"bank_code": "0001", "branch_code": "001", "account_type": "1", "account_number": "7654321",
               "account_holder_kana": "テスト タロウ", "phone": ""}
RESULT_DAY = date(2026, 12, 11)


@pytest.fixture
def failed(factory, tmp_path):
    """Two approved households paid in one exported batch: the first's transfer failed (口座なし), the second paid."""
    tenant = factory.tenant(households=2)
    with factory.session() as session:
        for household in session.exec(select(Household).where(Household.programme_id == tenant.programme.id)):
            (household.bank_code, household.branch_code, household.account_type, household.account_number,
             household.account_holder_kana) = OLD_ACCOUNT
            session.add(household)
        session.commit()
    for application in tenant.applications:
        factory.advance(application, *TO_APPROVED)
    pay(factory, tenant, tmp_path, date(2026, 12, 10))
    numbers = [h.household_number for h in tenant.households]
    results = tmp_path / "payment-result.csv"
    results.write_bytes(cp932_csv(["世帯番号", "結果", "不能事由"], [[numbers[0], "振込不能", "1"],
                                                                     [numbers[1], "振込済", ""]]))
    liaison = factory.actor("liaison", tenant.municipality)
    with factory.session() as session:
        imported = import_payment_results(session=session, actor=liaison,
                                          programme=tenant.programme, path=results,
                                          at=_jst_noon(RESULT_DAY))
        session.commit()
    assert (imported.paid, imported.failed) == (1, 1)
    return tenant


def _jst_noon(day: date):
    from datetime import datetime

    from secretariat.core.clock import JST

    return datetime(day.year, day.month, day.day, 12, tzinfo=JST)


def pay(factory, tenant, tmp_path, transfer_date: date):
    """Prepare, approve (another person) and export a batch; returns its lines."""
    maker, checker = factory.actor("supervisor"), factory.actor("supervisor")
    with factory.session() as session:
        batch = prepare_payment_batch(session=session, actor=maker, programme=tenant.programme,
                                      transfer_date=transfer_date, **PAYER).batch
        if batch is None:
            return []
        approve_payment_batch(session=session, actor=checker, batch=batch)
        export_payment_batch(session=session, actor=checker, batch=batch, out_dir=tmp_path / f"out-{batch.id}")
        session.commit()
        return batch_lines(session, batch)


def failed_line(session, tenant) -> PaymentLine:
    return session.exec(select(PaymentLine).where(PaymentLine.programme_id == tenant.programme.id,
                                                  PaymentLine.result == "failed")).one()


def correction_of(session, line) -> KeyingTask:
    return session.exec(select(KeyingTask).where(KeyingTask.payment_line_id == line.id)).one()


def resident_gives_account(factory, tenant, channel: str = "phone") -> KeyingTask:
    agent = factory.actor("agent")
    with factory.session() as session:
        line = get_failure(session=session, actor=agent, line_id=failed_line(session, tenant).id)
        task = take_corrected_account(session=session, actor=agent, line=line, channel=channel)
        session.commit()
        return task


def key(factory, actor, task_id: int, **changes) -> KeyingTask:
    with factory.session() as session:
        task = keying.submit_entry(session=session, actor=actor, task=session.get(KeyingTask, task_id),
                                   raw=NEW_ACCOUNT | changes)
        session.commit()
        return task


def corrected(factory, tenant) -> KeyingTask:
    task = resident_gives_account(factory, tenant)
    key(factory, factory.actor("operator"), task.id)
    return key(factory, factory.actor("operator"), task.id)


def test_a_failed_transfer_queues_a_correction_that_waits_for_the_resident(factory, failed):
    operator = factory.actor("operator")
    with factory.session() as session:
        task = correction_of(session, failed_line(session, failed))
        assert (task.kind, task.status, task.household_id, task.receipt_id) == (
            "payment_correction", "waiting_resident", failed.households[0].id, None)
        assert keying.next_task(session=session, actor=operator) is None


def test_the_resident_giving_the_account_opens_the_correction_for_keying(factory, failed):
    task = resident_gives_account(factory, failed, channel="letter")
    operator = factory.actor("operator")
    with factory.session() as session:
        assert (task.status, task.channel) == ("waiting_first", "letter")
        assert keying.next_task(session=session, actor=operator).id == task.id


def test_a_liaison_cannot_record_a_residents_new_account(factory, failed):
    liaison = factory.actor("liaison", failed.municipality)
    with factory.session() as session, pytest.raises(PermissionDenied):
        take_corrected_account(session=session, actor=liaison, line=failed_line(session, failed), channel="phone")


def test_agreeing_entries_replace_the_failed_account_and_keep_it_on_the_task(factory, failed):
    task = corrected(factory, failed)
    assert (task.status, task.applied) == ("agreed", "replaced")
    assert task.on_file() == OLD_ACCOUNT
    with factory.session() as session:
        household = session.get(Household, failed.households[0].id)
        assert (household.bank_code, household.branch_code, household.account_type, household.account_number,
                household.account_holder_kana) == ("0001", "001", "ordinary", "7654321", "ﾃｽﾄ ﾀﾛｳ")


def test_the_settled_correction_closes_the_line_and_returns_the_application_to_approved(factory, failed):
    corrected(factory, failed)
    with factory.session() as session:
        assert failed_line(session, failed).follow_up_done_at is not None
        assert session.get(Application, failed.applications[0].id).status == Status.approved.value


def test_the_next_batch_pays_the_corrected_account_and_only_that_household(factory, failed, tmp_path):
    corrected(factory, failed)
    lines = pay(factory, failed, tmp_path, date(2026, 12, 20))
    assert [(line.household_number, line.bank_code, line.account_number) for line in lines] == [
        (failed.households[0].household_number, "0001", "7654321")]


def test_the_replacement_is_audited_without_the_account_values(factory, failed):
    task = corrected(factory, failed)
    with factory.session() as session:
        events = list(session.exec(select(AuditEvent)))
    assert any(e.action == "keying_apply" and e.detail == f"task={task.id} applied=replaced" for e in events)
    details = " ".join(event.detail or "" for event in events)
    for value in ("7654321", "0001234", "ﾃｽﾄ"):
        assert value not in details


def test_the_queue_shows_each_failures_age_reason_and_state(factory, failed):
    agent = factory.actor("agent")
    with factory.session() as session:
        [row] = failure_queue(session=session, actor=agent, programme=failed.programme,
                              on=RESULT_DAY + timedelta(days=6))
    assert (row.line.household_number, row.age_days, row.reason, row.state_label) == (
        failed.households[0].household_number, 6, "口座なし", "住民の連絡待ち")


def test_the_queue_shows_a_correction_being_keyed(factory, failed):
    task = resident_gives_account(factory, failed)
    key(factory, factory.actor("operator"), task.id)
    agent = factory.actor("agent")
    with factory.session() as session:
        [row] = failure_queue(session=session, actor=agent, programme=failed.programme)
    assert (row.state, row.task_id) == ("keying", task.id)


def test_the_queue_empties_once_the_correction_is_applied(factory, failed):
    corrected(factory, failed)
    agent = factory.actor("agent")
    with factory.session() as session:
        assert failure_queue(session=session, actor=agent, programme=failed.programme) == []


def test_a_disputed_correction_is_applied_by_the_verifier(factory, failed):
    task = resident_gives_account(factory, failed)
    key(factory, factory.actor("operator"), task.id)
    assert key(factory, factory.actor("operator"), task.id, account_number="7654320").status == "disputed"
    verifier = factory.actor("supervisor")
    with factory.session() as session:
        settled = keying.verify(session=session, actor=verifier,
                                task=session.get(KeyingTask, task.id), choice="first")
        session.commit()
        assert settled.applied == "replaced"
        assert session.get(Application, failed.applications[0].id).status == Status.approved.value


def test_an_agent_sees_the_queue_and_records_the_residents_new_account_on_the_page(factory, failed, client, login):
    token = login(factory.user("agent"))
    queue = f"/programmes/{failed.programme.id}/exchange/payment-failures"
    page = client.get(queue)
    assert page.status_code == 200 and "口座なし" in page.text and "住民の連絡待ち" in page.text
    with factory.session() as session:
        line_id = failed_line(session, failed).id
    page = client.post(f"{queue}/account", data={"csrf_token": token, "line_id": line_id, "channel": "phone"},
                       follow_redirects=True)
    assert page.status_code == 200 and "口座入力中" in page.text
    with factory.session() as session:
        assert correction_of(session, failed_line(session, failed)).status == "waiting_first"


def test_the_exchange_page_lists_failures_with_their_age(factory, failed, client, login):
    login(factory.user("liaison", failed.municipality))
    page = client.get(f"/programmes/{failed.programme.id}/exchange")
    assert 'id="failure-queue"' in page.text and "口座なし" in page.text and "日</td>" in page.text
    assert "新しい口座を電話で受付" not in page.text  # a liaison sees the queue; agents take the account


def test_the_command_lists_open_failures_and_none_once_corrected(factory, failed, cli):
    answer = cli("exchange", "payment-failures", "--programme", failed.programme.id)
    assert answer.exit_code == 0, answer.output
    assert "口座なし" in answer.output and "住民の連絡待ち" in answer.output and "未対応の振込不能: 1 件" in answer.output
    corrected(factory, failed)
    assert "未対応の振込不能: 0 件" in cli("exchange", "payment-failures", "--programme", failed.programme.id).output
