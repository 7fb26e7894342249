"""The life of an application: its states and the one table of allowed transitions.

Nothing else in the code base decides whether a status may follow another; the transition
function in `service.py` consults `TRANSITIONS` and nothing more.
"""

from enum import StrEnum

from secretariat.core.messages import label


class Status(StrEnum):
    imported = "imported"              # 対象者として取込済み
    printed = "printed"                # 印刷済み
    mailed = "mailed"                  # 発送済み
    undeliverable = "undeliverable"    # 宛所不明で返送 (あて所に尋ねあたりません)
    received = "received"              # 返送受付
    checking = "checking"              # 審査中
    deficient = "deficient"            # 不備あり
    returned = "returned"              # 返戻済み (form sent back to the resident)
    complete = "complete"              # 審査完了
    approved = "approved"              # 支給決定
    paid = "paid"                      # 支給済み
    payment_failed = "payment_failed"  # 振込不能
    declined = "declined"              # 辞退
    expired = "expired"                # 期限切れ (no reply by the deadline)
    ineligible = "ineligible"          # 対象外
    withdrawn = "withdrawn"            # 取下げ


S = Status

# Who may leave a state for which. Reasons, for the less obvious ones:
# - a household may decline (辞退) or be found ineligible at any point before payment; a decline
#   may also come after the decision (approved → declined) while no transfer has gone to the bank:
#   a declined application is no longer approved, so no payment batch takes it;
# - push-type programmes (支給のお知らせ, プッシュ型) go mailed → approved when the decline-by date E
#   passes with no answer (`online.push.approve_undecided`): the notice told the household the
#   amount and the account on file, and not declining is its answer. A household that changed its
#   account left mailed through a web receipt and goes the way of paper (check, keying, decision list);
# - undeliverable mail is re-mailed once the municipality gives a new address;
# - returned forms come back as received and are checked again;
# - a late form may be accepted on the municipality's word (expired → received);
# - a failed transfer (振込不能) is retried once the account is corrected;
# - a decline recorded in error (a misread tick, a call logged on the wrong household) is undone by
#   a supervisor, with a reason, before the deadline: back to the state it left, which its event
#   names (`callcenter.flows.undo_decline` allows only that one of these).
_BEFORE_PAYMENT_EXITS = {S.declined, S.ineligible, S.withdrawn}

TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.imported: frozenset({S.printed} | _BEFORE_PAYMENT_EXITS),
    S.printed: frozenset({S.mailed} | _BEFORE_PAYMENT_EXITS),
    S.mailed: frozenset({S.received, S.undeliverable, S.expired, S.approved} | _BEFORE_PAYMENT_EXITS),
    S.undeliverable: frozenset({S.printed, S.mailed, S.expired} | _BEFORE_PAYMENT_EXITS),
    S.received: frozenset({S.checking} | _BEFORE_PAYMENT_EXITS),
    S.checking: frozenset({S.complete, S.deficient} | _BEFORE_PAYMENT_EXITS),
    S.deficient: frozenset({S.returned, S.checking} | _BEFORE_PAYMENT_EXITS),
    S.returned: frozenset({S.received, S.expired} | _BEFORE_PAYMENT_EXITS),
    S.complete: frozenset({S.approved, S.checking} | _BEFORE_PAYMENT_EXITS),
    S.approved: frozenset({S.paid, S.payment_failed, S.withdrawn, S.declined}),
    S.payment_failed: frozenset({S.approved, S.withdrawn}),
    S.expired: frozenset({S.received}),
    S.paid: frozenset(),
    S.declined: frozenset({S.imported, S.printed, S.mailed, S.undeliverable, S.received, S.checking, S.deficient,
                           S.returned, S.complete, S.approved}),
    S.ineligible: frozenset(),
    S.withdrawn: frozenset(),
}

# Steps taken by hand, with a reason, on the generic status route (a supervisor or an operator
# acting on a document): every other step belongs to one flow (see `ownership.py`).
# - a returned envelope re-mailed once the municipality gives a new address;
# - a form sent back to the check (an operator's correction), or a review reopened;
# - a late form accepted on the municipality's word;
# - a withdrawal (取下げ) on the resident's written request.
MANUAL: frozenset[tuple[Status, Status]] = frozenset({
    (S.undeliverable, S.printed), (S.undeliverable, S.mailed),
    (S.deficient, S.checking), (S.complete, S.checking),
    (S.expired, S.received),
    *((source, S.withdrawn) for source, targets in TRANSITIONS.items() if S.withdrawn in targets),
})

INITIAL = S.imported
TERMINAL = frozenset(state for state, exits in TRANSITIONS.items() if not exits)

# names from the one message catalogue (secretariat/core/messages/ja.yaml)
LABELS_JA: dict[Status, str] = {state: label("status", state) for state in Status}


def allowed(source: Status, target: Status) -> bool:
    return target in TRANSITIONS[source]


def parse_status(value: str) -> Status:
    """A status from untrusted text (a form field, a CLI argument), or a clear error."""
    from secretariat.core.errors import InvalidInput

    try:
        return Status(value)
    except ValueError:
        known = "、".join(f"{LABELS_JA[s]}（{s.value}）" for s in Status)
        raise InvalidInput(f"申請の状態「{value}」はありません。使える状態: {known}") from None
