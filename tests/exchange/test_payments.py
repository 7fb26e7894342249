from datetime import date
from io import BytesIO

import openpyxl
import pytest
from sqlmodel import select

from exchange.results.models import PaymentLine
from exchange.results.payments import (approve_payment_batch, export_payment_batch, import_payment_results,
                                       payment_failures, prepare_payment_batch)
from exchange.results.status import write_result_files
from exchange.results.zengin import read_zengin
from exchange.results.files import cp932_csv
from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status
from secretariat.core.auth.actor import Actor
from secretariat.core.errors import Conflict, PermissionDenied

TO_APPROVED = (Status.printed, Status.mailed, Status.received, Status.checking, Status.complete, Status.approved)
PAYER = dict(transfer_date=date(2026, 12, 10), requester_code="1234567890", requester_name_kana="テストシ",
             from_bank_code="0001", from_branch_code="001", from_account_number="1234567")


@pytest.fixture
def approved(factory):
    """A municipality whose every household is approved for payment, each with an account on file."""
    tenant = factory.tenant(households=8)
    with factory.session() as session:
        from secretariat.core.households.models import Household

        for household in session.exec(select(Household).where(Household.programme_id == tenant.programme.id)):
            if not household.bank_code:
                household.bank_code, household.branch_code = "0005", "001"
                household.account_type, household.account_number = "ordinary", "0001234"
                household.account_holder_kana = "テスト　タロウ"
                session.add(household)
        session.commit()
    for application in tenant.applications:
        factory.advance(application, *TO_APPROVED)
    return tenant


@pytest.fixture
def maker(factory):
    return factory.actor("supervisor")


@pytest.fixture
def checker(factory):
    return factory.actor("supervisor")


def prepare(factory, tenant, actor):
    with factory.session() as session:
        prepared = prepare_payment_batch(session=session, actor=actor, programme=tenant.programme, **PAYER)
        session.commit()
        return prepared.batch


def test_the_preparer_may_not_approve_their_own_batch(factory, approved, maker):
    batch = prepare(factory, approved, maker)
    with factory.session() as session, pytest.raises(PermissionDenied):
        approve_payment_batch(session=session, actor=maker, batch=batch)


def test_an_approved_batch_cannot_be_approved_again(factory, approved, maker, checker):
    batch = prepare(factory, approved, maker)
    third = factory.actor("admin")
    with factory.session() as session:
        approve_payment_batch(session=session, actor=checker, batch=batch)
        with pytest.raises(Conflict, match="（現在: 承認済み）"):
            approve_payment_batch(session=session, actor=third, batch=batch)


def test_an_unapproved_batch_cannot_be_exported(factory, approved, maker, tmp_path):
    batch = prepare(factory, approved, maker)
    with factory.session() as session, pytest.raises(Conflict):
        export_payment_batch(session=session, actor=maker, batch=batch, out_dir=tmp_path)


def exported(factory, tenant, maker, checker, out):
    batch = prepare(factory, tenant, maker)
    with factory.session() as session:
        approve_payment_batch(session=session, actor=checker, batch=batch)
        paths = export_payment_batch(session=session, actor=checker, batch=batch, out_dir=out)
        session.commit()
    return batch, paths


def test_the_zengin_file_pays_every_approved_household_and_its_totals_match(factory, approved, maker, checker,
                                                                            tmp_path):
    batch, paths = exported(factory, approved, maker, checker, tmp_path)
    data = paths[1].read_bytes()
    assert all(len(record) == 120 for record in data.split(b"\r\n")[:-1])
    parsed = read_zengin(data)
    assert len(parsed.transfers) == batch.line_count == 8
    assert parsed.total_yen == batch.total_yen == sum(a.amount_yen for a in approved.applications)


def test_an_exported_batch_cannot_be_changed(factory, approved, maker, checker, tmp_path):
    batch, _ = exported(factory, approved, maker, checker, tmp_path)
    with factory.session() as session:
        line = session.exec(select(PaymentLine).where(PaymentLine.batch_id == batch.id)).first()
        line.amount_yen += 1
        session.add(line)
        with pytest.raises(Conflict, match="出力済みの振込データ"):
            session.flush()


def test_a_second_batch_leaves_out_what_the_first_holds(factory, approved, maker):
    prepare(factory, approved, maker)
    assert prepare(factory, approved, maker) is None


def results_file(tmp_path, rows):
    path = tmp_path / "payment-result.csv"
    path.write_bytes(cp932_csv(["世帯番号", "結果", "不能事由"], rows))
    return path


def test_payment_results_move_applications_and_queue_the_failures(factory, approved, maker, checker, tmp_path):
    batch, _ = exported(factory, approved, maker, checker, tmp_path)
    numbers = [h.household_number for h in approved.households]
    rows = [[n, "振込済", ""] for n in numbers[1:]] + [[numbers[0], "振込不能", "口座なし"]]
    liaison = factory.actor("liaison", approved.municipality)
    with factory.session() as session:
        result = import_payment_results(session=session, actor=liaison, programme=approved.programme,
                                        path=results_file(tmp_path, rows))
        session.commit()
        assert (result.paid, result.failed) == (7, 1)
        failures = payment_failures(session=session, actor=Actor.system("t"), programme=approved.programme)
        assert [(f.household_number, f.failure_reason) for f in failures] == [(numbers[0], "口座なし")]
        statuses = {a.status for a in session.exec(select(Application).where(
            Application.programme_id == approved.programme.id))}
        assert statuses == {Status.paid.value, Status.payment_failed.value}


def test_a_results_file_with_one_bad_row_changes_nothing(factory, approved, maker, checker, tmp_path):
    exported(factory, approved, maker, checker, tmp_path)
    numbers = [h.household_number for h in approved.households]
    rows = [[n, "振込済", ""] for n in numbers] + [["99999999", "振込済", ""]]
    with factory.session() as session:
        result = import_payment_results(session=session, actor=Actor.system("t"), programme=approved.programme,
                                        path=results_file(tmp_path, rows))
        session.commit()
        assert not result.ok and result.errors[0].row == len(rows) + 1
        assert {a.status for a in session.exec(select(Application).where(
            Application.programme_id == approved.programme.id))} == {Status.approved.value}


def test_status_files_open_as_cp932_csv_and_xlsx(factory, approved, tmp_path):
    with factory.session() as session:
        paths = write_result_files(session=session, actor=Actor.system("t"), programme=approved.programme,
                                   out_dir=tmp_path, on=date(2026, 12, 1))
        session.commit()
    status_csv = next(p for p in paths if p.name.startswith("status") and p.suffix == ".csv")
    lines = status_csv.read_bytes().decode("cp932").splitlines()
    assert lines[0].startswith("世帯番号,世帯主宛名番号,世帯主氏名,状態コード,状態")
    assert len(lines) == 1 + len(approved.households)
    assert "支給決定" in lines[1]
    book = openpyxl.load_workbook(BytesIO(status_csv.with_suffix(".xlsx").read_bytes()))
    sheet = book.active
    assert sheet.max_row == 1 + len(approved.households)
    assert sheet.cell(2, 1).value == approved.households[0].household_number  # leading zeros kept
