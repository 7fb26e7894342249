"""Payment lists (振込データ) under maker-checker control, and the bank's results coming back.

prepare (one user) → approve (another user) → export (CSV and a Zengin 総合振込 file; the batch
is frozen from then on) → the municipality's payment-result file moves each application to
paid or payment_failed, and each failed transfer queues a corrected account (`failures.py`), which
once keyed returns the application to approved for the next batch.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, select

from exchange.approvals import check_approver
from exchange.giftcodes.setting import left_to_gift_codes
from exchange.results.banks import bank_names, bank_problem
from exchange.results.failures import queue_correction
from exchange.results.files import cp932_csv, write_atomically
from exchange.results.kana import NotTransferable, fit, transfer_kana
from exchange.results.models import PaymentBatch, PaymentLine
from exchange.results.profiles import bank_profile, checked_profile
from exchange.results.zengin import FileConventions, Requester, Transfer, write_zengin
from exchange.targets.encoding import Limits, OverLimit, bounded_records, detect_encoding
from exchange.targets.validate import Problem
from secretariat.core.applications.models import Application
from secretariat.core.applications.ownership import owns
from secretariat.core.applications.service import transition
from secretariat.core.applications.states import Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import JST, utcnow
from secretariat.core.errors import Conflict, InvalidInput, NotFound
from secretariat.core.households.models import Household
from secretariat.core.messages import label
from secretariat.core.programmes.models import Programme

PAID = {"振込済", "済", "完了", "0", "OK"}
FAILED = {"振込不能", "不能", "1", "NG"}
RESULT_HEADINGS = ("世帯番号", "結果", "不能事由")
CSV_HEADINGS = ["世帯番号", "金融機関コード", "支店コード", "預金種目", "口座番号", "受取人名", "振込金額", "振込指定日",
                "顧客コード"]


@dataclass
class Prepared:
    batch: PaymentBatch | None
    without_account: list[str] = field(default_factory=list)  # household numbers left out, with why
    refused: list[str] = field(default_factory=list)


def prepare_payment_batch(*, session: Session, actor: Actor, programme: Programme, transfer_date: date,
                          requester_code: str | None = None, requester_name_kana: str | None = None,
                          from_bank_code: str | None = None, from_branch_code: str | None = None,
                          from_account_number: str | None = None, from_account_type: str = "ordinary") -> Prepared:
    """A batch of every approved application not yet paid or in a batch, with an account on file,
    and not to be paid by gift code (`giftcodes.setting.left_to_gift_codes`).

    The paying side and the file's conventions come from the programme's bank profile
    (`profiles.py`). The requester and from_* arguments instead give a one-off paying account
    (all of them, or none), written with the published layout's conventions."""
    actor.require(Role.admin, Role.supervisor)
    _visible(actor, programme)
    one_off = (requester_code, requester_name_kana, from_bank_code, from_branch_code, from_account_number)
    if all(value is None for value in one_off):
        profile = bank_profile(session=session, actor=actor, programme=programme)
        if profile is None:
            raise InvalidInput(f"事業 {programme.id} の銀行プロファイル（委託者・振込元口座）が未設定です: "
                               f"secretariat exchange bank-profile set --programme {programme.id} で設定してください")
    elif any(value is None for value in one_off):
        raise InvalidInput("委託者コード・委託者名・仕向銀行・仕向支店・口座番号はすべて指定するか、すべて省略して"
                           "銀行プロファイルを使ってください")
    else:
        profile = checked_profile(requester_code=requester_code, requester_name=requester_name_kana,
                                  from_bank_code=from_bank_code, from_branch_code=from_branch_code,
                                  from_account_number=from_account_number, from_account_type=from_account_type)
    in_batches = select(PaymentLine.application_id).where(PaymentLine.programme_id == programme.id,
                                                          PaymentLine.result.in_(["pending", "paid"]))
    candidates = session.exec(select(Application, Household).join(Household, Household.id == Application.household_id)
                              .where(Application.programme_id == programme.id,
                                     Application.status == Status.approved.value,
                                     Application.id.not_in(in_batches),
                                     Application.id.not_in(left_to_gift_codes(session, programme)))
                              .order_by(Household.household_number)).all()
    result = Prepared(batch=None)
    lines = []
    for application, household in candidates:
        if not household.bank_code or not household.account_number:
            result.without_account.append(household.household_number)
            continue
        if problem := bank_problem(household.bank_code, household.branch_code or ""):
            result.refused.append(f"{household.household_number}: {problem}")
            continue
        try:
            recipient = transfer_kana(household.account_holder_kana or "")
        except NotTransferable as error:
            result.refused.append(f"{household.household_number}: {error}")
            continue
        lines.append(PaymentLine(municipality_id=programme.municipality_id, programme_id=programme.id,
                                 application_id=application.id, household_number=household.household_number,
                                 bank_code=household.bank_code, branch_code=household.branch_code,
                                 account_type=household.account_type or "ordinary",
                                 account_number=household.account_number.zfill(7),
                                 recipient_kana=fit(recipient, 30).rstrip(),  # never cut between a kana and its ﾞ
                                 amount_yen=application.amount_yen, batch_id=0))
    if not lines:
        return result
    batch = PaymentBatch(municipality_id=programme.municipality_id, programme_id=programme.id,
                         transfer_date=transfer_date, requester_code=profile.requester_code,
                         requester_name_kana=profile.requester_name_kana, from_bank_code=profile.from_bank_code,
                         from_branch_code=profile.from_branch_code, from_account_type=profile.from_account_type,
                         from_account_number=profile.from_account_number, record_separator=profile.record_separator,
                         clearing_house_fill=profile.clearing_house_fill, line_count=len(lines),
                         total_yen=sum(line.amount_yen for line in lines), prepared_by=actor.username)
    session.add(batch)
    session.flush()
    for line in lines:
        line.batch_id = batch.id
    session.add_all(lines)
    record_audit(session=session, actor=actor, action="payment_prepared", entity="payment_batch", entity_id=batch.id,
                 municipality_id=programme.municipality_id, detail=f"{len(lines)} lines, {batch.total_yen} yen")
    session.flush()
    result.batch = batch
    return result


def _visible(actor: Actor, programme: Programme) -> None:
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)


def get_batch(*, session: Session, actor: Actor, batch_id: int) -> PaymentBatch:
    batch = session.get(PaymentBatch, batch_id)
    if batch is None or not actor.can_see(batch.municipality_id):
        raise NotFound.of("振込データ", batch_id)
    return batch


def approve_payment_batch(*, session: Session, actor: Actor, batch: PaymentBatch) -> PaymentBatch:
    """The checker's approval: a different person from the one who prepared it (maker-checker)."""
    check_approver(actor=actor, batch=batch, kind="payment_batch")
    leave_out_withdrawn(session=session, actor=actor, batch=batch)
    batch.status, batch.approved_by, batch.approved_at = "approved", actor.username, utcnow()
    session.add(batch)
    record_audit(session=session, actor=actor, action="payment_approved", entity="payment_batch", entity_id=batch.id,
                 municipality_id=batch.municipality_id, detail=f"{batch.line_count} lines, {batch.total_yen} yen")
    session.flush()
    return batch


def leave_out_withdrawn(*, session: Session, actor: Actor, batch: PaymentBatch) -> list[str]:
    """Take out of a batch not yet exported the lines of applications no longer approved (a household
    that declined after the decision: 辞退, which the database allows until the batch is exported),
    and correct its count and total; the 世帯番号 taken out, each audited. Called as the batch is
    approved and as it is exported, so no file ever pays a household that declined before it.
    Leaving lines out only lowers what the approver approved, so the approval stands."""
    if batch.status == "exported":
        return []
    gone = list(session.exec(select(PaymentLine).join(Application, Application.id == PaymentLine.application_id)
                             .where(PaymentLine.batch_id == batch.id, Application.status != Status.approved.value)
                             .order_by(PaymentLine.household_number)))
    for line in gone:
        session.delete(line)
        record_audit(session=session, actor=actor, action="payment_line_left_out", entity="payment_batch",
                     entity_id=batch.id, municipality_id=batch.municipality_id,
                     detail=f"household={line.household_number} amount={line.amount_yen}")
    if gone:
        session.flush()
        batch.line_count -= len(gone)
        batch.total_yen -= sum(line.amount_yen for line in gone)
        session.add(batch)
        session.flush()
    return [line.household_number for line in gone]


def batch_lines(session: Session, batch: PaymentBatch) -> list[PaymentLine]:
    return list(session.exec(select(PaymentLine).where(PaymentLine.batch_id == batch.id)
                             .order_by(PaymentLine.household_number)))


def export_payment_batch(*, session: Session, actor: Actor, batch: PaymentBatch, out_dir: Path) -> list[Path]:
    """Write `payment-B.csv` and the Zengin file `payment-B.zengin.txt`; the batch is frozen from now on.
    Exporting again rewrites the same bytes from the frozen record."""
    actor.require(Role.admin, Role.supervisor, Role.liaison)
    if not actor.can_see(batch.municipality_id):
        raise NotFound.of("振込データ", batch.id)
    if batch.status not in ("approved", "exported"):
        raise Conflict(f"振込データ {batch.id} は「{label('payment_batch', batch.status)}」です。"
                       "出力する前に、作成者とは別の担当者が承認してください")
    if batch.status == "approved":
        leave_out_withdrawn(session=session, actor=actor, batch=batch)
    lines = batch_lines(session, batch)
    if not lines:
        raise Conflict(f"振込データ {batch.id} に振り込む申請が残っていません（すべて辞退などで対象外になりました）")
    zengin = zengin_bytes(batch, lines)
    table = cp932_csv(CSV_HEADINGS, [[line.household_number, line.bank_code, line.branch_code,
                                      {"ordinary": "普通", "current": "当座"}[line.account_type], line.account_number,
                                      line.recipient_kana, line.amount_yen, batch.transfer_date.isoformat(),
                                      customer_code(line)]
                                     for line in lines])
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [write_atomically(out_dir / f"payment-B{batch.id}.csv", table),
             write_atomically(out_dir / f"payment-B{batch.id}.zengin.txt", zengin)]
    if batch.status != "exported":
        batch.status, batch.exported_at = "exported", utcnow()
        batch.zengin_sha256 = hashlib.sha256(zengin).hexdigest()
        session.add(batch)
    record_audit(session=session, actor=actor, action="payment_exported", entity="payment_batch", entity_id=batch.id,
                 municipality_id=batch.municipality_id, detail=f"{batch.line_count} lines, {batch.total_yen} yen")
    session.flush()
    return paths


def customer_code(line: PaymentLine) -> str:
    """顧客コード1 of a transfer: the line's own number, unique across every batch and always 10
    digits or fewer, where a 世帯番号 may be longer, carry letters, or be paid twice (a failed
    transfer and its retry); the CSV pairs it with the 世帯番号 for the municipality."""
    return f"{line.id:010d}"


def zengin_bytes(batch: PaymentBatch, lines: list[PaymentLine]) -> bytes:
    bank_kana, branch_kana = bank_names(batch.from_bank_code, batch.from_branch_code)
    requester = Requester(code=batch.requester_code, name_kana=batch.requester_name_kana,
                          bank_code=batch.from_bank_code, bank_name_kana=transfer_kana(bank_kana),
                          branch_code=batch.from_branch_code, branch_name_kana=transfer_kana(branch_kana),
                          account_type=batch.from_account_type, account_number=batch.from_account_number)
    transfers = []
    for line in lines:
        bank, branch = bank_names(line.bank_code, line.branch_code)
        transfers.append(Transfer(bank_code=line.bank_code, bank_name_kana=transfer_kana(bank),
                                  branch_code=line.branch_code, branch_name_kana=transfer_kana(branch),
                                  account_type=line.account_type, account_number=line.account_number,
                                  recipient_kana=line.recipient_kana, amount_yen=line.amount_yen,
                                  customer_code=customer_code(line)))
    conventions = FileConventions(separator=batch.record_separator, clearing_house=batch.clearing_house_fill)
    return write_zengin(requester, batch.transfer_date, transfers, conventions)


@dataclass
class ResultImport:
    paid: int = 0
    failed: int = 0
    errors: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@owns((Status.approved, Status.paid), (Status.approved, Status.payment_failed))
def import_payment_results(*, session: Session, actor: Actor, programme: Programme, path: Path,
                           at: datetime | None = None, limits: Limits = Limits()) -> ResultImport:
    """The municipality's payment-result file (世帯番号, 結果, 不能事由): all rows apply, or none."""
    actor.require(Role.admin, Role.supervisor, Role.liaison)
    _visible(actor, programme)
    result = ResultImport()
    try:
        rows = [record for _, record in bounded_records(path, detect_encoding(path), limits)]
    except OverLimit as error:
        result.errors.append(Problem(error.row, "", error.value, error.code, error.message))
        return result
    except InvalidInput as error:
        result.errors.append(Problem(0, "", "", "unreadable_file", error.message))
        return result
    except (csv.Error, UnicodeDecodeError) as error:
        result.errors.append(Problem(0, "", "", "bad_csv", f"CSV として読めません（{type(error).__name__}）。"))
        return result
    if not rows or [h.strip() for h in rows[0][:3]] != list(RESULT_HEADINGS):
        result.errors.append(Problem(1, "", ",".join(rows[0])[:200] if rows else "", "bad_header",
                                     f"見出し行は {','.join(RESULT_HEADINGS)} でなければなりません"))
        return result
    pending = {line.household_number: line for line in session.exec(
        select(PaymentLine).join(PaymentBatch, PaymentBatch.id == PaymentLine.batch_id)
        .where(PaymentLine.programme_id == programme.id, PaymentLine.result == "pending",
               PaymentBatch.status == "exported"))}
    outcomes = []
    seen: set[str] = set()
    for row_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        number, outcome, reason = ([cell.strip() for cell in row] + ["", "", ""])[:3]
        line = pending.get(number)
        if line is None or number in seen:
            result.errors.append(Problem(row_number, "世帯番号", number, "not_pending",
                                         f"世帯番号 {number} has no exported transfer waiting for a result"))
        elif outcome not in PAID | FAILED:
            result.errors.append(Problem(row_number, "結果", outcome, "bad_result",
                                         "結果 must be 振込済 (0) or 振込不能 (1)"))
        elif outcome in FAILED and not reason:
            result.errors.append(Problem(row_number, "不能事由", "", "required", "a failed transfer needs its 不能事由"))
        else:
            outcomes.append((line, outcome in PAID, reason))
        seen.add(number)
    if result.errors:
        return result
    on = (at or utcnow()).astimezone(JST).date()
    # The municipality records payment through its file; the move itself is the exchange's job.
    mover = actor.acting_as("exchange")
    for line, paid, reason in outcomes:
        application = session.get(Application, line.application_id)
        transition(session=session, application=application, to=Status.paid if paid else Status.payment_failed,
                   actor=mover, reason="振込済" if paid else f"振込不能: {reason}"[:500], at=at)
        line.result, line.failure_reason, line.result_on = ("paid" if paid else "failed"), reason[:100], on
        session.add(line)
        if not paid:
            queue_correction(session=session, actor=mover, line=line)
        result.paid += paid
        result.failed += not paid
    record_audit(session=session, actor=actor, action="payment_results", entity="programme", entity_id=programme.id,
                 municipality_id=programme.municipality_id, detail=f"{result.paid} paid, {result.failed} failed")
    session.flush()
    return result


def payment_failures(*, session: Session, actor: Actor, programme: Programme) -> list[PaymentLine]:
    """Failed transfers (振込不能) not yet followed up; `failures.failure_queue` adds age, reason and state."""
    _visible(actor, programme)
    return list(session.exec(select(PaymentLine).where(PaymentLine.programme_id == programme.id,
                                                       PaymentLine.result == "failed",
                                                       PaymentLine.follow_up_done_at.is_(None))
                             .order_by(PaymentLine.result_on, PaymentLine.household_number)))


def list_batches(*, session: Session, actor: Actor, programme: Programme) -> list[PaymentBatch]:
    _visible(actor, programme)
    return list(session.exec(select(PaymentBatch).where(PaymentBatch.programme_id == programme.id)
                             .order_by(PaymentBatch.id.desc())))
