"""支給のお知らせ (push type): told by SMS with a link, paid unless the household declines or changes
its account by E; the undecided are approved after E through the step this side owns."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlmodel import select

from exchange.results.models import PaymentBatch
from exchange.results.payments import approve_payment_batch, export_payment_batch, prepare_payment_batch
from mailroom.keying.models import KeyingEntry, KeyingTask
from mailroom.printing.runs import print_programme, record_mailing
from mailroom.scanning.images import DEFAULT_LIMITS
from online import flows, push
from online.access import token_row
from online.push_jobs import PUSH_APPROVE, approve_all, push_approve_job
from online.push_models import ACCOUNT_CHANGED, DECLINED, PushNotice
from secretariat.core.applications.declines import record_decline
from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.states import Status
from secretariat.core.audit.models import AuditEvent
from secretariat.core.clock import today_jst
from secretariat.core.errors import Conflict
from secretariat.core.households.models import Household, Person
from secretariat.core.jobs.registry import JobContext
from secretariat.core.programmes.models import Programme
from secretariat.core.sms.models import SmsRequest
from tests.factories import SYSTEM, Tenant

from .conftest import photo

BASE_URL = "https://kyufu.example.jp"
MOBILE, LANDLINE = "090-1234-5678", "043-245-1234"
PAYER = dict(transfer_date=date(2026, 12, 10), requester_code="1234567890", requester_name_kana="テストシ",
             from_bank_code="0001", from_branch_code="001", from_account_number="1234567")
CONFIRMED = ["confirm_tax_exempt", "confirm_not_dependent"]
NEW_ACCOUNT = dict(bank="0001", branch="001", account_type="ordinary", account_number="7654321",
                   account_holder_kana="ヤマダ ハナコ", phone="09012345678")


@dataclass
class Pushed:
    tenant: Tenant
    births: list[date]

    def household(self, number: int) -> Household:
        return self.tenant.households[number]


def make_push_programme(factory, folder, households: int = 2, phones: tuple[str, ...] = (MOBILE,)) -> Pushed:
    """A push programme printed and mailed; each household has an account on file and the phone
    `phones` gives it in turn (a mobile by default); E is a week ahead, D a fortnight."""
    tenant = factory.tenant(households=households)
    with factory.session() as session:
        programme = session.get(Programme, tenant.programme.id)
        programme.channels = ["push"]
        session.add(programme)
        for number, household in enumerate(tenant.households):
            row = session.get(Household, household.id)
            row.phone = phones[number % len(phones)]
            row.bank_code, row.branch_code, row.account_type = "0005", "001", "ordinary"
            row.account_number, row.account_holder_kana = "1234567", "ﾃｽﾄ ﾀﾛｳ"
            session.add(row)
        run = print_programme(session=session, actor=SYSTEM, programme=programme, out_root=folder / "print")
        record_mailing(session=session, actor=SYSTEM, run=run, mailed_on=date(2026, 11, 20))
        push.set_push_dates(session=session, actor=SYSTEM, programme=programme,
                            decline_by=today_jst() + timedelta(days=7), pay_by=today_jst() + timedelta(days=14))
        births = [session.exec(select(Person.birth_date).where(Person.household_id == h.id,
                                                               Person.is_head.is_(True))).one()
                  for h in tenant.households]
        session.commit()
        tenant.programme = programme
    return Pushed(tenant, births)


def send_notices(factory, pushed: Pushed) -> push.NoticesSent:
    with factory.session() as session:
        sent = push.send_push_notices(session=session, actor=SYSTEM, base_url=BASE_URL,
                                      programme=session.get(Programme, pushed.tenant.programme.id))
        session.commit()
        return sent


def texted_link(factory, household: Household) -> str:
    """The household's link as its SMS carries it (the store keeps only its hash)."""
    with factory.session() as session:
        body = session.exec(select(SmsRequest.body).where(SmsRequest.household_id == household.id)).one()
    return re.search(rf"{re.escape(BASE_URL)}/a/(\S+)", body).group(1)


def move_decline_by(factory, pushed: Pushed, days_from_today: int) -> None:
    with factory.session() as session:
        push.set_push_dates(session=session, actor=SYSTEM, programme=session.get(Programme, pushed.tenant.programme.id),
                            decline_by=today_jst() + timedelta(days=days_from_today),
                            pay_by=today_jst() + timedelta(days=days_from_today + 7))
        session.commit()


def application_of(factory, household: Household) -> Application:
    with factory.session() as session:
        return session.exec(select(Application).where(Application.household_id == household.id)).one()


@pytest.fixture
def pushed(factory, tmp_path):
    def make(households: int = 2, phones: tuple[str, ...] = (MOBILE,)) -> Pushed:
        return make_push_programme(factory, tmp_path, households, phones)
    return make


# --- the notices ---------------------------------------------------------------------------------

def test_the_notice_texts_the_amount_the_dates_and_the_households_own_link(factory, pushed):
    made = pushed(1)
    send_notices(factory, made)
    household = made.household(0)
    with factory.session() as session:
        sms = session.exec(select(SmsRequest).where(SmsRequest.household_id == household.id)).one()
        linked = token_row(session, texted_link(factory, household))
    amount = application_of(factory, household).amount_yen
    d, e = today_jst() + timedelta(days=14), today_jst() + timedelta(days=7)
    assert sms.kind == push.SMS_KIND and f"{amount:,}円" in sms.body
    assert f"{d.month}月{d.day}日までに登録口座へお振込み" in sms.body and f"{e.month}月{e.day}日までに" in sms.body
    assert linked.household_id == household.id


def test_a_household_without_a_mobile_is_listed_for_a_letter_and_gets_no_text(factory, pushed):
    made = pushed(2, phones=(MOBILE, LANDLINE))
    sent = send_notices(factory, made)
    with factory.session() as session:
        texted = session.exec(select(SmsRequest.household_id)).all()
        notice = session.exec(select(PushNotice).where(PushNotice.household_id == made.household(1).id)).one()
    assert sent.texted == 1 and sent.by_letter == [made.household(1).household_number]
    assert texted == [made.household(0).id] and notice.by_letter and notice.sms_request_id is None


def test_sending_again_reaches_only_households_not_yet_told(factory, pushed):
    made = pushed(2)
    send_notices(factory, made)
    again = send_notices(factory, made)
    with factory.session() as session:
        assert len(session.exec(select(SmsRequest)).all()) == 2
    assert (again.texted, again.already) == (0, 2)


def test_a_programme_that_is_not_push_type_sends_no_notices(factory):
    tenant = factory.tenant(households=1)
    with factory.session() as session, pytest.raises(Conflict, match="プッシュ型"):
        push.send_push_notices(session=session, actor=SYSTEM, programme=tenant.programme, base_url=BASE_URL)


# --- the resident's answers ----------------------------------------------------------------------

def test_a_decline_from_the_link_goes_through_the_one_decline_flow(factory, pushed):
    made = pushed(1)
    send_notices(factory, made)
    with factory.session() as session:
        push.decline(session=session, household=session.get(Household, made.household(0).id))
        session.commit()
        event = session.exec(select(ApplicationEvent).where(ApplicationEvent.to_status == Status.declined.value)).one()
        notice = session.exec(select(PushNotice)).one()
    assert (event.from_status, event.actor) == (Status.mailed.value, "resident:web")
    assert "Web画面で辞退" in event.reason and notice.answer == DECLINED


def test_a_new_account_from_the_link_is_the_first_entry_of_the_double_keying(factory, pushed, tmp_path):
    made = pushed(1)
    send_notices(factory, made)
    with factory.session() as session:
        done = push.change_account(session=session, household=session.get(Household, made.household(0).id),
                                   answers=flows.Answers(confirmations=CONFIRMED, **NEW_ACCOUNT),
                                   photos={"id_copy": photo(seed=1), "bank_book_copy": photo(seed=2)},
                                   data_dir=tmp_path, limits=DEFAULT_LIMITS)
        session.commit()
        task = session.exec(select(KeyingTask).where(KeyingTask.receipt_id == done.receipt.id)).one()
        entry = session.exec(select(KeyingEntry).where(KeyingEntry.task_id == task.id)).one()
        notice = session.exec(select(PushNotice)).one()
    assert task.status == "waiting_second" and (entry.keyed_by, entry.account_number) == ("resident:web", "7654321")
    assert notice.answer == ACCOUNT_CHANGED
    assert application_of(factory, made.household(0)).status == Status.complete.value  # off to the decision list


def test_after_the_decline_by_date_both_answers_are_refused_with_a_sentence(factory, pushed, tmp_path):
    made = pushed(1)
    send_notices(factory, made)
    move_decline_by(factory, made, -1)
    with factory.session() as session:
        household = session.get(Household, made.household(0).id)
        with pytest.raises(Conflict, match="辞退・口座変更の受付は.*で終わりました"):
            push.decline(session=session, household=household)
        with pytest.raises(Conflict, match="辞退・口座変更の受付は.*で終わりました"):
            push.change_account(session=session, household=household,
                                answers=flows.Answers(confirmations=CONFIRMED, **NEW_ACCOUNT), photos={},
                                data_dir=tmp_path, limits=DEFAULT_LIMITS)


def test_the_page_masks_the_account_but_for_its_last_three_digits(factory, pushed):
    made = pushed(1)
    send_notices(factory, made)
    with factory.session() as session:
        page = push.push_page(session=session, household=session.get(Household, made.household(0).id))
    assert page.account_masked == "三菱ＵＦＪ（0005） 本店（001） 普通 ＊＊＊＊567"


# --- after E -------------------------------------------------------------------------------------

def test_undecided_households_are_not_approved_before_the_decline_by_date(factory, pushed):
    made = pushed(1)
    send_notices(factory, made)
    with factory.session() as session, pytest.raises(Conflict, match="まだ来ていません"):
        push.approve_undecided(session=session, actor=SYSTEM, programme=made.tenant.programme)


def test_after_the_decline_by_date_the_undecided_are_approved_and_the_declined_stay_declined(factory, pushed):
    made = pushed(3)
    send_notices(factory, made)
    with factory.session() as session:
        push.decline(session=session, household=session.get(Household, made.household(1).id))
        session.commit()
    move_decline_by(factory, made, -1)
    with factory.session() as session:
        moved = approve_all(session, session.get(Programme, made.tenant.programme.id))
        event = session.exec(select(ApplicationEvent).where(ApplicationEvent.to_status == Status.approved.value)
                             .order_by(ApplicationEvent.id)).first()
    assert moved == 2 and event.actor == "system:push_approve" and "申出なし" in event.reason
    assert [application_of(factory, made.household(n)).status for n in range(3)] == ["approved", "declined",
                                                                                      "approved"]


def test_the_approval_job_resumes_in_batches_and_approves_nobody_twice(factory, pushed):
    made = pushed(3)
    send_notices(factory, made)
    move_decline_by(factory, made, -1)
    with factory.session() as session:  # an earlier attempt committed one batch before it died
        push.approve_undecided(session=session, actor=SYSTEM, programme=made.tenant.programme, limit=1)
        session.commit()
    reports = []
    context = JobContext(engine=factory.engine, job_id=1, attempt=2, _report=lambda done, total: reports.append(
        (done, total)))
    push_approve_job(context, programme_id=made.tenant.programme.id, batch_size=1)
    push_approve_job(context, programme_id=made.tenant.programme.id, batch_size=1)
    with factory.session() as session:
        approvals = session.exec(select(ApplicationEvent).where(
            ApplicationEvent.to_status == Status.approved.value)).all()
    assert len(approvals) == 3 and reports[-1] == (0, 0) and PUSH_APPROVE == "online.push_approve"


def test_a_decline_after_approval_but_before_a_payment_batch_keeps_it_out_of_the_payment(factory, pushed):
    made = pushed(2)
    send_notices(factory, made)
    move_decline_by(factory, made, -1)
    with factory.session() as session:
        approve_all(session, session.get(Programme, made.tenant.programme.id))
        application = session.exec(select(Application).where(
            Application.household_id == made.household(0).id)).one()
        record_decline(session=session, actor=factory.actor("agent"), application=application,
                       evidence="電話で辞退の申出（支給決定のあと）")
        session.commit()
        prepared = prepare_payment_batch(session=session, actor=factory.actor("supervisor"),
                                         programme=made.tenant.programme, **PAYER)
        session.commit()
    assert prepared.batch.line_count == 1
    assert application_of(factory, made.household(0)).status == Status.declined.value


def approved_batch(factory, made):
    """Every undecided household approved after E, and a payment batch prepared and approved for them."""
    supervisor, liaison = factory.actor("supervisor"), factory.actor("liaison", made.tenant.municipality)
    with factory.session() as session:
        approve_all(session, session.get(Programme, made.tenant.programme.id))
        batch = prepare_payment_batch(session=session, actor=supervisor, programme=made.tenant.programme,
                                      **PAYER).batch
        approve_payment_batch(session=session, actor=liaison, batch=batch)
        session.commit()
        return batch.id


def test_a_decline_after_the_batch_is_approved_but_before_export_leaves_the_household_out_of_the_file(
        factory, pushed, tmp_path):
    made = pushed(2)
    send_notices(factory, made)
    move_decline_by(factory, made, -1)
    batch_id = approved_batch(factory, made)
    agent, liaison = factory.actor("agent"), factory.actor("liaison", made.tenant.municipality)
    with factory.session() as session:
        application = session.exec(select(Application).where(
            Application.household_id == made.household(0).id)).one()
        record_decline(session=session, actor=agent, application=application, evidence="電話で辞退の申出（振込データの承認後）")
        session.commit()
        batch = session.get(PaymentBatch, batch_id)
        paths = export_payment_batch(session=session, actor=liaison, batch=batch, out_dir=tmp_path / "out")
        session.commit()
        left_out = session.exec(select(AuditEvent).where(AuditEvent.action == "payment_line_left_out")).all()
        amount = session.exec(select(Application.amount_yen).where(
            Application.household_id == made.household(1).id)).one()
    zengin = paths[1].read_bytes().decode("cp932")
    records = zengin.replace("\r\n", "").replace("\n", "")
    data = [records[i:i + 120] for i in range(0, len(records), 120) if records[i] == "2"]
    trailer = next(records[i:i + 120] for i in range(0, len(records), 120) if records[i] == "8")
    assert len(data) == 1 and int(trailer[1:7]) == 1 and int(trailer[7:19]) == amount
    assert (batch.line_count, batch.total_yen) == (1, amount)
    assert [event.detail.split()[0] for event in left_out] == [f"household={made.household(0).household_number}"]


def test_a_decline_is_refused_once_the_batch_holding_its_transfer_is_exported(factory, pushed, tmp_path):
    made = pushed(1)
    send_notices(factory, made)
    move_decline_by(factory, made, -1)
    batch_id = approved_batch(factory, made)
    agent, liaison = factory.actor("agent"), factory.actor("liaison", made.tenant.municipality)
    with factory.session() as session:
        export_payment_batch(session=session, actor=liaison, batch=session.get(PaymentBatch, batch_id),
                             out_dir=tmp_path / "out")
        session.commit()
        application = session.exec(select(Application)).one()
        with pytest.raises(Conflict, match="振込データを出力済みの申請は辞退にできません"):
            record_decline(session=session, actor=agent, application=application,
                           evidence="電話で辞退の申出（振込データの出力後）")
    assert application_of(factory, made.household(0)).status == Status.approved.value
