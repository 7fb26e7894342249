"""The golden pipeline: one programme from its target list to its results, through the product's
flows only (no `transition`, no model written by hand), counted at every stage.

Four households: two send their form back complete with a new account, one declines on the
form, one forgets to sign. The new accounts are keyed twice blind (one slip settled by a
verifier); the supervisor proposes the decision list and the municipality's liaison approves it;
one transfer fails, the resident gives the right account by phone, it is keyed twice and the second
batch pays it; the municipality's results say so.
"""

import csv
import io
from collections import Counter
from datetime import date
from pathlib import Path

import numpy
import pypdfium2
from sqlmodel import select

from exchange.decisions.flows import approve_decision_list, propose_decision_list
from exchange.results.failures import failure_queue, get_failure, take_corrected_account
from exchange.results.files import cp932_csv
from exchange.results.models import PaymentLine
from exchange.results.payments import (approve_payment_batch, export_payment_batch, import_payment_results,
                                       prepare_payment_batch)
from exchange.results.profiles import set_bank_profile
from exchange.results.status import write_result_files
from exchange.targets.samples import csv_bytes, target_rows
from exchange.targets.service import import_target_file
from mailroom.checkin.ingest import ingest_folder
from mailroom.checkin.returns import print_return_letters
from mailroom.keying.flows import DISPUTED, next_task, submit_entry, verify
from mailroom.printing.runs import print_programme, record_mailing
from mailroom.scanning import simulate
from secretariat.core.applications.models import Application
from secretariat.core.households.models import Household, Person
from secretariat.core.programmes.models import Programme
from secretariat.core.synthetic import HouseholdFactory
from templates.loader import default_templates

MAILED_ON, ARRIVED_ON, PAID_ON = date(2026, 11, 20), date(2026, 11, 24), date(2026, 11, 27)


def statuses(session, programme_id: int) -> dict[str, int]:
    return dict(Counter(a.status for a in session.exec(select(Application).where(
        Application.programme_id == programme_id))))


def scanner_folder(folder: Path, run_directory: Path, plans: list[dict]) -> Path:
    """The forms of the print run's manifest filled as `plans` say, scanned as a sheet feeder
    delivers them, with the ID copy (and the bank-book copy for a new account) behind each."""
    folder.mkdir()
    template = default_templates()["kakuninsho-hikazei"]
    rng = numpy.random.default_rng(7)
    with open(run_directory / "manifest.csv", encoding="utf-8-sig") as handle:
        forms = list(csv.DictReader(handle))
    number = 0
    for form, plan in zip(forms, plans):
        document = pypdfium2.PdfDocument(str(run_directory / form["file"]))
        try:
            for page in (1, 2):
                image = document[int(form["first_page"]) - 1 + page].render(scale=300 / 72, grayscale=True).to_numpy()
                image = numpy.ascontiguousarray(image[..., 0] if image.ndim == 3 else image)
                simulate.fill_page(image, template, page, plan, 300, rng, simulate.Truth())
                number += 1
                (folder / f"scan-{number:05d}.jpg").write_bytes(
                    simulate.to_jpeg(simulate.scan(image, simulate.Feed.random(rng), 300, rng), 85))
        finally:
            document.close()
        for _ in range(1 + (plan.get("account_choice") == "new")):
            copy = numpy.full((1200, 1700), 240, numpy.uint8)
            copy[200:900, 150:1500] = rng.integers(90, 160)
            number += 1
            (folder / f"scan-{number:05d}.jpg").write_bytes(simulate.to_jpeg(
                numpy.clip(copy + rng.normal(0, 3, copy.shape), 0, 255).astype(numpy.uint8), 85))
    return folder


def key_twice(session, first, second, verifier, slip: bool = False, base: int = 1_000_000) -> int:
    """Two operators key every waiting form blind (account numbers from `base`); the second slips on
    one digit once if asked."""
    keyed = 0
    while (task := next_task(session=session, actor=first)) is not None:
        head = session.exec(select(Person).where(Person.household_id == task.household_id,
                                                 Person.is_head.is_(True))).one()
        values = dict(bank_code="0005", branch_code="001", account_type="普通",
                      account_number=f"{base + task.household_id:07d}", account_holder_kana=head.name_kana)
        submit_entry(session=session, actor=first, task=task, raw=values)
        second_values = dict(values, account_number=values["account_number"][:-1] + "9") if slip else values
        task = submit_entry(session=session, actor=second, task=next_task(session=session, actor=second),
                            raw=second_values)
        if task.status == DISPUTED:
            verify(session=session, actor=verifier, task=task, choice="first")
        slip, keyed = False, keyed + 1
    return keyed


def bank_results(folder: Path, name: str, rows: list[list[str]]) -> Path:
    path = folder / name
    path.write_bytes(cp932_csv(["世帯番号", "結果", "不能事由"], rows))
    return path


def pay(session, programme, maker, checker, out: Path):
    prepared = prepare_payment_batch(session=session, actor=maker, programme=programme, transfer_date=PAID_ON)
    approve_payment_batch(session=session, actor=checker, batch=prepared.batch)
    export_payment_batch(session=session, actor=checker, batch=prepared.batch, out_dir=out)
    return list(session.exec(select(PaymentLine).where(PaymentLine.batch_id == prepared.batch.id)
                             .order_by(PaymentLine.household_number)))


def test_a_programme_runs_from_its_target_list_to_its_results_through_the_flows(factory, tmp_path):
    tenant = factory.tenant(households=0)
    supervisor, agent = factory.actor("supervisor"), factory.actor("agent")
    operators = factory.actor("operator"), factory.actor("operator")
    verifier, liaison = factory.actor("supervisor"), factory.actor("liaison", tenant.municipality)
    programme_id = tenant.programme.id
    with factory.session() as session:
        programme = session.get(Programme, programme_id)

        # 対象者一覧: the municipality's list, imported whole
        target = tmp_path / "taisho.csv"
        target.write_bytes(csv_bytes(target_rows(HouseholdFactory(seed=5).households(4))))
        record, _listing = import_target_file(session=session, actor=liaison, programme=programme, path=target)
        session.commit()
        assert record.status == "imported" and statuses(session, programme_id) == {"imported": 4}

        # 印刷 and 発送
        run = print_programme(session=session, actor=supervisor, programme=programme, out_root=tmp_path / "print",
                              workers=1)
        record_mailing(session=session, actor=supervisor, run=run, mailed_on=MAILED_ON)
        session.commit()
        assert run.household_count == 4 and statuses(session, programme_id) == {"mailed": 4}

        # 返送 → スキャン審査: two complete with a new account, one declines, one unsigned
        new = simulate.complete_plan(numpy.random.default_rng(1), new_account=True)
        declining = dict(simulate.complete_plan(numpy.random.default_rng(2), new_account=False),
                         receive=False, decline=True)
        unsigned = simulate.damage(simulate.complete_plan(numpy.random.default_rng(3), new_account=False), "signature")
        folder = scanner_folder(tmp_path / "scanner", Path(run.directory), [new, new, declining, unsigned])
        batch = ingest_folder(session=session, actor=operators[0], folder=folder, store_root=tmp_path / "scans",
                              arrived_on=ARRIVED_ON, workers=1)
        session.commit()
        assert (batch.form_count, batch.exception_count) == (4, 0)
        assert statuses(session, programme_id) == {"complete": 2, "declined": 1, "deficient": 1}

        # 返戻通知 for the unsigned one
        returns = print_return_letters(session=session, actor=operators[0], programme=programme,
                                       out_root=tmp_path / "returns")
        session.commit()
        assert returns.letter_count == 1

        # 申請データ入力: both new accounts keyed twice, one slip settled by the verifier
        assert key_twice(session, *operators, verifier, slip=True) == 2
        session.commit()
        assert session.exec(select(Household).where(Household.programme_id == programme_id,
                                                    Household.account_number.is_not(None))).all()

        # 支給決定: proposed by the secretariat, approved by the municipality
        decision = propose_decision_list(session=session, actor=supervisor, programme=programme,
                                         out_root=tmp_path / "decisions")
        assert approve_decision_list(session=session, actor=liaison, decision=decision) == 2
        session.commit()
        assert statuses(session, programme_id) == {"approved": 2, "declined": 1, "returned": 1}

        # 振込: maker-checker, Zengin file, the bank's results with one failure
        set_bank_profile(session=session, actor=liaison, programme=programme, requester_code="1234567890",
                         requester_name="テストシ キユウフキン", from_bank_code="0001", from_branch_code="001",
                         from_account_number="1234567")
        lines = pay(session, programme, supervisor, liaison, tmp_path / "outbox")
        assert len(lines) == 2
        result = import_payment_results(session=session, actor=liaison, programme=programme,
                                        path=bank_results(tmp_path, "result-1.csv", [
                                            [lines[0].household_number, "振込済", ""],
                                            [lines[1].household_number, "振込不能", "口座なし"]]))
        session.commit()
        assert result.ok and statuses(session, programme_id) == {"paid": 1, "payment_failed": 1, "declined": 1,
                                                                 "returned": 1}

        # 振込不能: the resident calls with the right account, it is keyed twice, the second batch pays it
        [failure] = failure_queue(session=session, actor=supervisor, programme=programme)
        take_corrected_account(session=session, actor=agent, channel="phone",
                               line=get_failure(session=session, actor=agent, line_id=failure.line.id))
        assert key_twice(session, *operators, verifier, base=2_000_000) == 1
        session.commit()
        assert failure_queue(session=session, actor=supervisor, programme=programme) == []
        assert statuses(session, programme_id)["approved"] == 1
        [again] = pay(session, programme, supervisor, liaison, tmp_path / "outbox")
        assert again.household_number == lines[1].household_number
        assert again.account_number != lines[1].account_number
        import_payment_results(session=session, actor=liaison, programme=programme,
                               path=bank_results(tmp_path, "result-2.csv", [[again.household_number, "振込済", ""]]))
        session.commit()
        assert statuses(session, programme_id) == {"paid": 2, "declined": 1, "returned": 1}

        # 結果ファイル: what the municipality gets back
        written = write_result_files(session=session, actor=supervisor, programme=programme,
                                     out_dir=tmp_path / "results", on=PAID_ON)
        session.commit()

    def rows_of(stem: str) -> list[list[str]]:
        path = next(p for p in written if p.name.startswith(stem) and p.suffix == ".csv")
        return list(csv.reader(io.StringIO(path.read_bytes().decode("cp932"))))[1:]

    assert Counter(row[4] for row in rows_of("status")) == {"支給済み": 2, "辞退": 1, "返戻済み": 1}
    assert (len(rows_of("declines")), len(rows_of("returns")), len(rows_of("expired"))) == (1, 1, 0)
