"""Failed transfers (振込不能) closed: each failure queues a corrected account, and the settled
correction returns the application to approved for the next payment batch.

1. `queue_correction`: when the bank's results mark a line failed (`import_payment_results`), a
   keying task of kind payment_correction is created for it, waiting for the resident.
2. `take_corrected_account`: an agent or operator records, from the failure queue, that the
   resident gave the new account (by phone or letter); the task opens for the double entry.
3. The mailroom's keying settles it (two blind entries, a verifier for differences) and its
   `apply` replaces the household's account, then calls `close_failure` here.
4. `close_failure`: the line's `follow_up_done_at` is set and the application moves
   payment_failed → approved (this flow owns that step), so `prepare_payment_batch` includes it
   with the new account; the failed line stays as the record of the failed transfer.

`failure_queue` is what the exchange page and `secretariat exchange payment-failures` show: each
open failure's age in days since the result, its reason in Japanese, and where it stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from exchange.results.models import PaymentLine
from mailroom.keying import flows as keying
from mailroom.keying.models import KeyingTask
from secretariat.core.applications.models import Application
from secretariat.core.applications.ownership import owns
from secretariat.core.applications.service import transition
from secretariat.core.applications.states import Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.clock import today_jst, utcnow
from secretariat.core.errors import NotFound
from secretariat.core.programmes.models import Programme

# 不能事由 as the municipality's result file carries it: a one-digit code, or the words themselves.
# The codes are this product's result-file convention (banks word their returns differently);
# words pass through as they are.
FAILURE_REASONS_JA = {"1": "口座なし", "2": "名義相違", "3": "預金種目相違", "4": "口座解約済",
                      "5": "振込入金停止", "9": "その他"}

WAITING_RESIDENT = "waiting_resident"
KEYING = "keying"
DONE = "done"
STATES_JA = {WAITING_RESIDENT: "住民の連絡待ち", KEYING: "口座入力中", DONE: "対応済み"}


def reason_label(reason: str) -> str:
    code = reason.strip()
    if code in FAILURE_REASONS_JA:
        return FAILURE_REASONS_JA[code]
    if code.isdigit():
        return f"不明な事由（コード {code}）"
    return code or "—"


def queue_correction(*, session: Session, actor: Actor, line: PaymentLine) -> KeyingTask:
    """A failed line's correction task, waiting for the resident (once per line)."""
    application = session.get(Application, line.application_id)
    return keying.enqueue_correction(session=session, actor=actor, municipality_id=line.municipality_id,
                                     programme_id=line.programme_id, household_id=application.household_id,
                                     payment_line_id=line.id)


def get_failure(*, session: Session, actor: Actor, line_id: int) -> PaymentLine:
    line = session.get(PaymentLine, line_id)
    if line is None or line.result != "failed" or not actor.can_see(line.municipality_id):
        raise NotFound.of("振込不能の明細", line_id)
    return line


def take_corrected_account(*, session: Session, actor: Actor, line: PaymentLine, channel: str) -> KeyingTask:
    """The resident gave the new account (電話 or 書面): its correction task opens for keying.
    A failure from before corrections were queued gets its task here."""
    actor.require(*keying.ACCOUNT_TAKERS)
    if not actor.can_see(line.municipality_id):
        raise NotFound.of("振込不能の明細", line.id)
    task = queue_correction(session=session, actor=actor, line=line)
    return keying.account_given(session=session, actor=actor, task=task, channel=channel)


@owns((Status.payment_failed, Status.approved))
def close_failure(*, session: Session, actor: Actor, payment_line_id: int, task_id: int) -> None:
    """The corrected account is on file: the failure is followed up and the application is payable again.
    Called by the keying's `apply` once the correction is settled; a second call changes nothing."""
    line = session.get(PaymentLine, payment_line_id)
    if line is None or line.follow_up_done_at is not None:
        return
    line.follow_up_done_at = utcnow()
    session.add(line)
    application = session.get(Application, line.application_id)
    if application.status == Status.payment_failed.value:  # withdrawn meanwhile: nothing left to pay
        # The keyers and the verifier who settled the correction are this step's actors.
        transition(session=session, application=application, to=Status.approved, actor=actor,
                   reason=f"振込不能の口座訂正（入力票 {task_id}）")
    record_audit(session=session, actor=actor, action="payment_failure_closed", entity="payment_line",
                 entity_id=line.id, municipality_id=line.municipality_id,
                 detail=f"task={task_id} application={application.status}")
    session.flush()


@dataclass
class Failure:
    line: PaymentLine
    age_days: int  # since the result (result_on)
    reason: str
    state: str
    task_id: int | None

    @property
    def state_label(self) -> str:
        return STATES_JA[self.state]


def failure_queue(*, session: Session, actor: Actor, programme: Programme, on: date | None = None) -> list[Failure]:
    """Open failures, oldest first; a failure leaves the queue once its correction is applied."""
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    lines = list(session.exec(select(PaymentLine).where(PaymentLine.programme_id == programme.id,
                                                        PaymentLine.result == "failed",
                                                        PaymentLine.follow_up_done_at.is_(None))
                              .order_by(PaymentLine.result_on, PaymentLine.household_number)))
    tasks = keying.correction_tasks(session=session, payment_line_ids=[line.id for line in lines])
    today = on or today_jst()
    rows = []
    for line in lines:
        task = tasks.get(line.id)
        state = WAITING_RESIDENT if task is None or task.status == keying.WAITING_RESIDENT else KEYING
        rows.append(Failure(line=line, age_days=(today - line.result_on).days if line.result_on else 0,
                            reason=reason_label(line.failure_reason), state=state,
                            task_id=task.id if task else None))
    return rows
