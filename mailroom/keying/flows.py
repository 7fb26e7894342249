"""申請データ入力 (keying) by double entry (ベリファイ入力): each step one flow function.

1. `enqueue`: when a counted form's check completes with 新しい口座 ticked, a task is created for it
   (the scan check's `_apply` calls it; `enqueue_waiting` sweeps up forms checked before).
2. `next_task` and `submit_entry`: an operator keys the form from its crops. The first entry moves the
   task to waiting_second; a second operator, never the first, keys it blind. Equal entries settle the
   task (agreed); different ones wait for a verifier (disputed).
3. `verify`: a verifier picks the first or the second entry, or keys a correction. Verifiers are
   supervisors and admins who keyed neither entry (the trade's rule: the one who settles a difference
   is not one of the two who made it).
4. `apply`: the settled account is applied to the household, once, by this function only. The
   municipality's account on file is never overwritten: a household without one gets the keyed
   account; one whose account differs keeps it, the keyed account stays on the task beside a copy of
   the account on file (`applied == "differs"`), and the pages show both for the review (審査).

A failed transfer's corrected account (振込不能の口座訂正) is keyed the same way, as a task of kind
`payment_correction`: `enqueue_correction` creates it when the bank's results mark the line failed
(waiting for the resident), `account_given` opens it for keying when the resident gives the new
account by phone or letter, and the same double entry and verifier settle it. Its `apply` replaces
the account that failed (kept on the task as `on_file_*`) and hands the failure back to the
exchange (`exchange.results.failures.close_failure`), which returns the application to approved.

Who keyed and who verified, and when, are stored on the entries and the task and audited; audit
details name rounds and fields, never the values keyed (they are a resident's personal data).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from mailroom.checkin.models import FieldReading, Receipt
from mailroom.keying.models import KeyedValues, KeyingEntry, KeyingTask
from secretariat.core.applications.service import application_for_household
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.banking import NotTransferable, bank_problem, transfer_kana
from secretariat.core.clock import utcnow
from secretariat.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from secretariat.core.households.models import Household
from secretariat.core.text import to_halfwidth_digits

KEYERS = (Role.admin, Role.supervisor, Role.operator)
VERIFIERS = (Role.admin, Role.supervisor)

FORM = "form"
PAYMENT_CORRECTION = "payment_correction"
KIND_LABELS_JA = {FORM: "申請書", PAYMENT_CORRECTION: "振込不能の口座訂正"}
CHANNELS = {"phone": "電話", "letter": "書面"}
# who may record that a resident gave a corrected account: call center agents and the mailroom
ACCOUNT_TAKERS = (Role.admin, Role.supervisor, Role.operator, Role.agent)

WAITING_RESIDENT = "waiting_resident"
WAITING_FIRST = "waiting_first"
WAITING_SECOND = "waiting_second"
AGREED = "agreed"
DISPUTED = "disputed"
VERIFIED = "verified"
STATUSES = (WAITING_RESIDENT, WAITING_FIRST, WAITING_SECOND, AGREED, DISPUTED, VERIFIED)
STATUS_LABELS_JA = {WAITING_RESIDENT: "住民からの口座連絡待ち", WAITING_FIRST: "1回目入力待ち", WAITING_SECOND: "2回目入力待ち", AGREED: "一致",
                    DISPUTED: "不一致（ベリファイ待ち）", VERIFIED: "ベリファイ済み"}
SETTLED = (AGREED, VERIFIED)

FIELDS = ("bank_code", "branch_code", "account_type", "account_number", "account_holder_kana", "phone")
FIELD_LABELS_JA = {"bank_code": "金融機関コード", "branch_code": "支店コード", "account_type": "預金種目",
                   "account_number": "口座番号", "account_holder_kana": "口座名義（カナ）", "phone": "日中の電話番号"}
# The form's boxes each keyed field is read from (their crops are shown beside the inputs).
FORM_FIELDS = {"bank_code": "bank_name", "branch_code": "branch_name", "account_type": "account_type",
               "account_number": "account_number", "account_holder_kana": "account_holder_kana", "phone": "phone"}

ACCOUNT_TYPES = {"ordinary": "普通", "current": "当座"}
_ACCOUNT_TYPE_WORDS = {"ordinary": "ordinary", "普通": "ordinary", "1": "ordinary",
                       "current": "current", "当座": "current", "2": "current"}
HOLDER_MAX = 30  # the Zengin 総合振込 record's 受取人名 is 30 half-width characters


# --- validation ------------------------------------------------------------------------------

def normalise(raw: dict[str, str]) -> KeyedValues:
    """What an operator typed, as banks want it; every problem at once, in Japanese, or InvalidInput."""
    get = {name: to_halfwidth_digits(str(raw.get(name) or "")).strip() for name in FIELDS}
    problems: list[str] = []
    bank, branch = get["bank_code"], get["branch_code"]
    if bank.isdigit() and len(bank) < 4:
        bank = bank.zfill(4)
    if branch.isdigit() and len(branch) < 3:
        branch = branch.zfill(3)
    if problem := bank_problem(bank, branch):
        problems.append(problem)
    kind = _ACCOUNT_TYPE_WORDS.get(get["account_type"])
    if kind is None:
        problems.append("預金種目は 普通（1）か 当座（2）です。貯蓄預金には総合振込で振り込めません")
    number = get["account_number"].replace("-", "")
    if not (number.isascii() and number.isdigit()) or len(number) > 7:
        problems.append("口座番号は7桁までの数字です" + ("" if get["account_number"] else "（空欄）"))
    holder = ""
    if not get["account_holder_kana"]:
        problems.append("口座名義（カナ）が空欄です")
    else:
        try:
            holder = transfer_kana(str(raw.get("account_holder_kana")))
        except NotTransferable as error:
            problems.append(f"口座名義（カナ）: {error}（銀行が受け付けない文字です）")
        if len(holder) > HOLDER_MAX:
            problems.append(f"口座名義（カナ）は半角{HOLDER_MAX}文字までです（{len(holder)}文字）")
    phone = get["phone"]
    for mark in "-‐－ー()（） ":
        phone = phone.replace(mark, "")
    if phone and not (phone.isascii() and phone.isdigit() and 10 <= len(phone) <= 11):
        problems.append("日中の電話番号は10桁か11桁の数字です（空欄も可）")
    if problems:
        raise InvalidInput("。".join(problems) + "。")
    return KeyedValues(bank_code=bank, branch_code=branch, account_type=kind, account_number=number.zfill(7),
                       account_holder_kana=holder, phone=phone)


def differences(first: KeyedValues, second: KeyedValues) -> list[str]:
    return [name for name in FIELDS if getattr(first, name) != getattr(second, name)]


# --- the queue -------------------------------------------------------------------------------

def new_account_chosen(session: Session, receipt: Receipt) -> bool:
    """新しい口座 ticked (as machine read it, or as an operator confirmed it)."""
    readings = session.exec(select(FieldReading).where(FieldReading.receipt_id == receipt.id,
                                                       FieldReading.field == "account_choice",
                                                       FieldReading.option == "new"))
    return any(reading.state == "filled" for reading in readings)


def enqueue(*, session: Session, actor: Actor, receipt: Receipt) -> KeyingTask | None:
    """A keying task for a counted, complete form whose values matter (a new account) and whose
    application is complete; None otherwise. Called by the scan check when a form's check completes;
    asking twice finds the same task."""
    if not receipt.counted or receipt.outcome != "complete" or not new_account_chosen(session, receipt):
        return None
    application = application_for_household(session=session, household_id=receipt.household_id)
    if application is None or application.status != "complete":  # declined on paper, withdrawn…
        return None
    existing = session.exec(select(KeyingTask).where(KeyingTask.receipt_id == receipt.id)).first()
    if existing is not None:
        return existing
    task = KeyingTask(municipality_id=receipt.municipality_id, programme_id=receipt.programme_id,
                      household_id=receipt.household_id, receipt_id=receipt.id)
    session.add(task)
    session.flush()
    record_audit(session=session, actor=actor, action="keying_enqueue", entity="keying_task", entity_id=task.id,
                 municipality_id=task.municipality_id, detail=f"receipt={receipt.id}")
    return task


def enqueue_waiting(*, session: Session, actor: Actor, programme_id: int | None = None) -> int:
    """Tasks for complete forms checked before keying existed (or by a path that did not enqueue)."""
    actor.require(*KEYERS)
    query = select(Receipt).where(Receipt.outcome == "complete", Receipt.counted.is_(True),
                                  # NOT IN over a NULL (a correction's receipt) would match nothing
                                  Receipt.id.not_in(select(KeyingTask.receipt_id)
                                                    .where(KeyingTask.receipt_id.is_not(None))),
                                  actor.scope(Receipt.municipality_id))
    if programme_id is not None:
        query = query.where(Receipt.programme_id == programme_id)
    return sum(enqueue(session=session, actor=actor, receipt=receipt) is not None
               for receipt in session.exec(query.order_by(Receipt.id)))


def enqueue_correction(*, session: Session, actor: Actor, municipality_id: int, programme_id: int,
                       household_id: int, payment_line_id: int) -> KeyingTask:
    """The keying task for a failed transfer's corrected account, waiting for the resident to give it;
    one per failed line (asking twice finds the same task). Called by the exchange when the bank's
    results mark a line failed, and when an agent takes the account for a failure that has none."""
    existing = session.exec(select(KeyingTask).where(KeyingTask.payment_line_id == payment_line_id)).first()
    if existing is not None:
        return existing
    task = KeyingTask(kind=PAYMENT_CORRECTION, municipality_id=municipality_id, programme_id=programme_id,
                      household_id=household_id, payment_line_id=payment_line_id, status=WAITING_RESIDENT)
    session.add(task)
    session.flush()
    record_audit(session=session, actor=actor, action="keying_enqueue", entity="keying_task", entity_id=task.id,
                 municipality_id=task.municipality_id,
                 detail=f"kind={PAYMENT_CORRECTION} payment_line={payment_line_id}")
    return task


def account_given(*, session: Session, actor: Actor, task: KeyingTask, channel: str) -> KeyingTask:
    """The resident gave the corrected account (by phone to an agent, or by letter): the task opens
    for the double entry. The account itself is keyed by two operators, not recorded here."""
    actor.require(*ACCOUNT_TAKERS)
    if not actor.can_see(task.municipality_id):
        raise NotFound.of("入力票", task.id)
    if task.kind != PAYMENT_CORRECTION:
        raise Conflict("口座の連絡を受け付けるのは振込不能の口座訂正だけです。")
    if channel not in CHANNELS:
        raise InvalidInput("受付方法は 電話 か 書面 です。")
    if task.status != WAITING_RESIDENT:
        raise Conflict(f"この口座訂正はすでに受付済みです（{STATUS_LABELS_JA[task.status]}）。")
    task.status, task.channel = WAITING_FIRST, channel
    session.add(task)
    record_audit(session=session, actor=actor, action="keying_account_given", entity="keying_task",
                 entity_id=task.id, municipality_id=task.municipality_id, detail=f"channel={channel}")
    session.flush()
    return task


def correction_tasks(*, session: Session, payment_line_ids: list[int]) -> dict[int, KeyingTask]:
    """The correction task of each failed payment line that has one, by line id (for the failure queue)."""
    if not payment_line_ids:
        return {}
    found = session.exec(select(KeyingTask).where(KeyingTask.payment_line_id.in_(payment_line_ids)))
    return {task.payment_line_id: task for task in found}


def get_task(*, session: Session, actor: Actor, task_id: int) -> KeyingTask:
    task = session.get(KeyingTask, task_id)
    if task is None or not actor.can_see(task.municipality_id):
        raise NotFound.of("入力票", task_id)
    return task


def entries_of(session: Session, task: KeyingTask) -> list[KeyingEntry]:
    return list(session.exec(select(KeyingEntry).where(KeyingEntry.task_id == task.id).order_by(KeyingEntry.round)))


def next_task(*, session: Session, actor: Actor) -> KeyingTask | None:
    """The oldest form this operator may key: second entries first (they settle a form), never the
    operator's own first entry again."""
    actor.require(*KEYERS)
    mine = select(KeyingEntry.task_id).where(KeyingEntry.keyed_by == actor.username)
    for status in (WAITING_SECOND, WAITING_FIRST):
        found = session.exec(select(KeyingTask).where(KeyingTask.status == status, KeyingTask.id.not_in(mine),
                                                      actor.scope(KeyingTask.municipality_id))
                             .order_by(KeyingTask.id).limit(1)).first()
        if found is not None:
            return found
    return None


def may_key(session: Session, actor: Actor, task: KeyingTask) -> bool:
    if task.status not in (WAITING_FIRST, WAITING_SECOND):
        return False
    return all(entry.keyed_by != actor.username for entry in entries_of(session, task))


# --- entries and their comparison ------------------------------------------------------------

def submit_entry(*, session: Session, actor: Actor, task: KeyingTask, raw: dict[str, str]) -> KeyingTask:
    """One operator's blind entry of a form; the second settles it or sends it to a verifier."""
    actor.require(*KEYERS)
    if not actor.can_see(task.municipality_id):
        raise NotFound.of("入力票", task.id)
    if task.status not in (WAITING_FIRST, WAITING_SECOND):
        raise Conflict("この様式の入力は終わっています（2回の入力が済んでいます）。")
    earlier = entries_of(session, task)
    if any(entry.keyed_by == actor.username for entry in earlier):
        raise PermissionDenied("同じ様式の2回目の入力は、1回目と別の人が行います。")
    values = normalise(raw)
    entry = KeyingEntry(task_id=task.id, municipality_id=task.municipality_id, round=len(earlier) + 1,
                        keyed_by=actor.username, **values.model_dump())
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:  # another operator's entry of this round landed a moment ago
        raise Conflict("ほかの人が同時にこの様式を入力しました。次の様式に進んでください。") from None
    detail = f"round={entry.round}"
    if entry.round == 1:
        task.status = WAITING_SECOND
    else:
        differing = differences(earlier[0], entry)
        if differing:
            task.status = DISPUTED
            detail += " differs=" + ",".join(differing)
        else:
            _settle(task, entry, decision="agreement", by="")
            task.status = AGREED
    session.add(task)
    record_audit(session=session, actor=actor, action="keying_entry", entity="keying_task", entity_id=task.id,
                 municipality_id=task.municipality_id, detail=detail)
    session.flush()
    if task.status == AGREED:
        apply(session=session, actor=actor, task=task)
    return task


def verify(*, session: Session, actor: Actor, task: KeyingTask, choice: str,
           raw: dict[str, str] | None = None) -> KeyingTask:
    """A verifier settles a disputed form: `first`, `second`, or `correction` with the values keyed."""
    actor.require(*VERIFIERS)
    if not actor.can_see(task.municipality_id):
        raise NotFound.of("入力票", task.id)
    if task.status != DISPUTED:
        raise Conflict("ベリファイが必要なのは、2回の入力が食い違った様式だけです。")
    entries = entries_of(session, task)
    if any(entry.keyed_by == actor.username for entry in entries):
        raise PermissionDenied("自分が入力した様式はベリファイできません。別のスーパーバイザーに依頼してください。")
    if choice in ("first", "second"):
        chosen = entries[0 if choice == "first" else 1]
    elif choice == "correction":
        chosen = KeyingEntry(task_id=task.id, municipality_id=task.municipality_id, round=3, keyed_by=actor.username,
                             **normalise(raw or {}).model_dump())
        session.add(chosen)
    else:
        raise InvalidInput("ベリファイは 1回目・2回目・訂正入力 のいずれかを選びます。")
    _settle(task, chosen, decision=choice, by=actor.username)
    task.status = VERIFIED
    session.add(task)
    record_audit(session=session, actor=actor, action="keying_verify", entity="keying_task", entity_id=task.id,
                 municipality_id=task.municipality_id, detail=f"decision={choice}")
    session.flush()
    apply(session=session, actor=actor, task=task)
    return task


def _settle(task: KeyingTask, values: KeyedValues, *, decision: str, by: str) -> None:
    for name in FIELDS:
        setattr(task, name, getattr(values, name))
    task.decision = decision
    task.settled_by = by
    task.settled_at = utcnow()


# --- applying the settled values -------------------------------------------------------------

def apply(*, session: Session, actor: Actor, task: KeyingTask) -> str:
    """The one way keyed values reach the household: see the module docstring. Returns `task.applied`."""
    if task.status not in SETTLED:
        raise Conflict("入力が確定していない様式の値は反映できません。")
    if task.applied:
        return task.applied
    household = session.get(Household, task.household_id)
    on_file = tuple(getattr(household, name) or "" for name in FIELDS[:5])
    (task.on_file_bank_code, task.on_file_branch_code, task.on_file_account_type, task.on_file_account_number,
     task.on_file_account_holder_kana) = on_file
    if task.kind == PAYMENT_CORRECTION:
        # Replacing is the point here: the bank refused the account on file. It stays on the task.
        for name in FIELDS[:5]:
            setattr(household, name, getattr(task, name))
        task.applied = "replaced"
    elif not any(on_file):
        for name in FIELDS[:5]:
            setattr(household, name, getattr(task, name))
        task.applied = "filled"
    elif on_file == task.account():
        task.applied = "same"
    else:
        task.applied = "differs"  # both kept: the review decides, the account on file stays as it is
    if task.phone and not household.phone:
        household.phone = task.phone
    session.add_all([task, household])
    record_audit(session=session, actor=actor, action="keying_apply", entity="household", entity_id=household.id,
                 municipality_id=household.municipality_id, detail=f"task={task.id} applied={task.applied}")
    session.flush()
    if task.kind == PAYMENT_CORRECTION:
        # The failed line and the application's return to approved are the exchange's to record.
        from exchange.results.failures import close_failure

        close_failure(session=session, actor=actor, payment_line_id=task.payment_line_id, task_id=task.id)
    return task.applied


def keyed_account_for(*, session: Session, actor: Actor, household_id: int) -> KeyingTask | None:
    """The newest settled keying of a household's form (for review and household pages)."""
    return session.exec(select(KeyingTask).where(KeyingTask.household_id == household_id,
                                                 KeyingTask.status.in_(SETTLED),
                                                 actor.scope(KeyingTask.municipality_id))
                        .order_by(KeyingTask.id.desc())).first()


# --- what the pages show ---------------------------------------------------------------------

def crops_for(session: Session, task: KeyingTask) -> dict[str, list[FieldReading]]:
    """Each keyed field's boxes on the scan (a choice has one per option), for the crops beside the inputs."""
    readings = session.exec(select(FieldReading).where(FieldReading.receipt_id == task.receipt_id,
                                                       FieldReading.field.in_(list(FORM_FIELDS.values())))
                            .order_by(FieldReading.id))
    by_form_field: dict[str, list[FieldReading]] = {}
    for reading in readings:
        by_form_field.setdefault(reading.field, []).append(reading)
    return {name: by_form_field.get(form_field, []) for name, form_field in FORM_FIELDS.items()}


def open_task(*, session: Session, actor: Actor, task_id: int) -> KeyingTask:
    """A task opened on screen (its scan and, for verifiers, its entries): the read is audited."""
    task = get_task(session=session, actor=actor, task_id=task_id)
    record_audit(session=session, actor=actor, action="read", entity="keying_task", entity_id=task.id,
                 municipality_id=task.municipality_id)
    return task


def disputed(*, session: Session, actor: Actor, limit: int = 100) -> list[KeyingTask]:
    actor.require(*VERIFIERS)
    return list(session.exec(select(KeyingTask).where(KeyingTask.status == DISPUTED,
                                                      actor.scope(KeyingTask.municipality_id))
                             .order_by(KeyingTask.id).limit(limit)))


def differing_accounts(*, session: Session, actor: Actor, limit: int = 100) -> list[KeyingTask]:
    """Keyed accounts that differ from the account on file: both kept, for the review to decide."""
    return list(session.exec(select(KeyingTask).where(KeyingTask.applied == "differs",
                                                      actor.scope(KeyingTask.municipality_id))
                             .order_by(KeyingTask.id).limit(limit)))


@dataclass
class KeyingCounts:
    by_status: dict[str, int]
    agreement_rate: float | None  # agreed / forms keyed twice; None before any

    @property
    def keyed_twice(self) -> int:
        return sum(self.by_status[s] for s in (AGREED, DISPUTED, VERIFIED))


def counts(*, session: Session, actor: Actor, programme_id: int | None = None) -> KeyingCounts:
    query = select(KeyingTask.status, func.count()).where(actor.scope(KeyingTask.municipality_id))
    if programme_id is not None:
        query = query.where(KeyingTask.programme_id == programme_id)
    found = dict(session.exec(query.group_by(KeyingTask.status)).all())
    by_status = {status: found.get(status, 0) for status in STATUSES}
    twice = sum(by_status[s] for s in (AGREED, DISPUTED, VERIFIED))
    return KeyingCounts(by_status, by_status[AGREED] / twice if twice else None)
