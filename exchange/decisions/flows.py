"""審査 and 支給決定: reviewed applications go to the municipality as a decision list, and only the
liaison's approval of that list moves them to approved.

An application is ready for a decision when its form's check is complete (審査完了) and, if its
resident wrote a new account on the form, that account's double entry has settled. The
secretariat's supervisor proposes a list of every ready application not already on a list still
open or approved; each line says who, how much (the amount the programme's rules gave at import)
and which account, with flags for what a reviewer should look at. The municipality's liaison —
never the proposer — approves the list, or rejects it with a reason (its applications can then be
proposed again). Approval moves each listed application that is still complete to approved; one
that moved meanwhile (declined, withdrawn by a delta) is excluded from the decision, with a note.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlmodel import Session, select

from exchange.decisions.files import write_decision_files
from exchange.decisions.models import DecisionLine, DecisionList
from exchange.targets.models import TargetChange
from mailroom.keying.flows import SETTLED
from mailroom.keying.models import KeyingTask
from secretariat.core.applications.models import Application
from secretariat.core.applications.ownership import owns
from secretariat.core.applications.service import transition
from secretariat.core.applications.states import LABELS_JA, Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.banking import NotTransferable, account_line, transfer_kana
from secretariat.core.clock import utcnow
from secretariat.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from secretariat.core.households.models import Household, Person
from secretariat.core.households.service import households_by_id
from secretariat.core.programmes.models import Programme

PROPOSERS = (Role.admin, Role.supervisor)
OPEN_OR_APPROVED = ("proposed", "approved")
STATUS_LABELS_JA = {"proposed": "承認待ち", "approved": "承認済み", "rejected": "差戻し"}


def ready_for_decision(session: Session, programme: Programme) -> list[Application]:
    """Complete applications whose keying (if any) has settled and that are on no open or approved list."""
    listed = (select(DecisionLine.application_id).join(DecisionList, DecisionList.id == DecisionLine.decision_list_id)
              .where(DecisionList.programme_id == programme.id, DecisionList.status.in_(OPEN_OR_APPROVED)))
    unsettled = select(KeyingTask.household_id).where(KeyingTask.programme_id == programme.id,
                                                      KeyingTask.status.not_in(SETTLED))
    return list(session.exec(select(Application).where(
        Application.programme_id == programme.id, Application.status == Status.complete.value,
        Application.id.not_in(listed), Application.household_id.not_in(unsettled)).order_by(Application.id)))


def propose_decision_list(*, session: Session, actor: Actor, programme: Programme, out_root: Path) -> DecisionList:
    """Put every application ready for a decision on a new list, with its PDF and CSV for the municipality."""
    actor.require(*PROPOSERS)
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    applications = ready_for_decision(session, programme)
    if not applications:
        raise InvalidInput("支給決定を提案できる申請がありません（審査完了で、口座の入力が済んだ申請が対象です）")
    decision = DecisionList(municipality_id=programme.municipality_id, programme_id=programme.id,
                            proposed_by=actor.username)
    session.add(decision)
    session.flush()
    lines = _lines(session, decision, applications)
    session.add_all(lines)
    decision.line_count = len(lines)
    decision.total_yen = sum(line.amount_yen for line in lines)
    decision.flagged_count = sum(1 for line in lines if line.flags)
    folder = out_root / f"decision-{decision.id:04d}"
    write_decision_files(folder, programme, decision, lines)
    decision.directory = str(folder)
    session.add(decision)
    record_audit(session=session, actor=actor, action="decision_proposed", entity="decision_list",
                 entity_id=decision.id, municipality_id=programme.municipality_id,
                 detail=f"{decision.line_count} applications, {decision.total_yen} yen, {decision.flagged_count} flagged")
    session.flush()
    return decision


def _lines(session: Session, decision: DecisionList, applications: list[Application]) -> list[DecisionLine]:
    households = households_by_id(session, (a.household_id for a in applications))
    heads = {p.household_id: p for p in session.exec(select(Person).where(
        Person.household_id.in_(list(households)), Person.is_head.is_(True)))}
    differing = set(session.exec(select(KeyingTask.household_id).where(
        KeyingTask.household_id.in_(list(households)), KeyingTask.applied == "differs")))
    moved = set(session.exec(select(TargetChange.household_id).where(
        TargetChange.household_id.in_(list(households)), TargetChange.follow_up.is_(True))))
    accounts = Counter(_account_key(h) for h in households.values() if h.account_number)
    lines = []
    for application in applications:
        household, head = households[application.household_id], heads.get(application.household_id)
        lines.append(DecisionLine(
            decision_list_id=decision.id, municipality_id=application.municipality_id, application_id=application.id,
            household_id=household.id, household_number=household.household_number,
            head_name=head.name if head else "", amount_yen=application.amount_yen, account=account_line(household),
            flags=_flags(household, head, accounts, household.id in differing, household.id in moved)))
    return lines


def _account_key(household: Household) -> tuple:
    return household.bank_code, household.branch_code, household.account_number


def _flags(household: Household, head: Person | None, accounts: Counter, keyed_differs: bool,
           changed_by_delta: bool) -> list[str]:
    flags = []
    if not household.account_number:
        flags.append("no_account")
    else:
        if head is not None and household.account_holder_kana and _name(household.account_holder_kana) != _name(
                head.name_kana or ""):
            flags.append("holder_not_head")
        if accounts[_account_key(household)] > 1:
            flags.append("duplicate_account")
    if keyed_differs:
        flags.append("keyed_account_differs")
    if changed_by_delta:
        flags.append("changed_by_delta")
    return flags


def _name(kana: str) -> str:
    """A name as a bank compares it: half-width kana, without spaces."""
    try:
        return transfer_kana(kana).replace(" ", "")
    except NotTransferable:  # a character no bank takes: compared as written
        return "".join(kana.split())


def get_decision_list(*, session: Session, actor: Actor, decision_id: int) -> DecisionList:
    decision = session.get(DecisionList, decision_id)
    if decision is None or not actor.can_see(decision.municipality_id):
        raise NotFound(f"支給決定リスト {decision_id} はありません")
    return decision


def decision_lines(session: Session, decision: DecisionList) -> list[DecisionLine]:
    return list(session.exec(select(DecisionLine).where(DecisionLine.decision_list_id == decision.id)
                             .order_by(DecisionLine.household_number)))


def decision_lists_of(*, session: Session, actor: Actor, programme: Programme) -> list[DecisionList]:
    if not actor.can_see(programme.municipality_id):
        raise NotFound.of("事業", programme.id)
    return list(session.exec(select(DecisionList).where(DecisionList.programme_id == programme.id)
                             .order_by(DecisionList.id.desc())))


def _deciding(actor: Actor, decision: DecisionList) -> None:
    """Only the municipality's liaison decides, and never on a list they proposed."""
    if actor.role is not Role.liaison:
        raise PermissionDenied("支給決定の承認・差戻しは市区町村の担当者が行います")
    if not actor.can_see(decision.municipality_id):
        raise NotFound(f"支給決定リスト {decision.id} はありません")
    if decision.status != "proposed":
        raise Conflict(f"支給決定リスト {decision.id} は{STATUS_LABELS_JA[decision.status]}です")
    if actor.username == decision.proposed_by:
        raise PermissionDenied("提案した人とは別の人が承認してください")


@owns((Status.complete, Status.approved))
def approve_decision_list(*, session: Session, actor: Actor, decision: DecisionList) -> int:
    """The liaison's approval: every listed application still complete moves to approved; returns how many."""
    _deciding(actor, decision)
    approved = 0
    for line in decision_lines(session, decision):
        application = session.get(Application, line.application_id)
        if application.status != Status.complete.value:
            line.outcome = "excluded"
            line.outcome_note = f"承認時に{LABELS_JA[Status(application.status)]}のため対象外"
        else:
            transition(session=session, application=application, to=Status.approved, actor=actor,
                       reason=f"支給決定（決定リスト {decision.id}）")
            line.outcome = "approved"
            approved += 1
        session.add(line)
    decision.status, decision.decided_by, decision.decided_at = "approved", actor.username, utcnow()
    session.add(decision)
    record_audit(session=session, actor=actor, action="decision_approved", entity="decision_list",
                 entity_id=decision.id, municipality_id=decision.municipality_id,
                 detail=f"{approved} of {decision.line_count} applications approved")
    session.flush()
    return approved


def reject_decision_list(*, session: Session, actor: Actor, decision: DecisionList, reason: str) -> None:
    """The liaison sends the list back with a reason; its applications may be proposed again."""
    _deciding(actor, decision)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("差戻しの理由を入力してください")
    decision.status, decision.decided_by, decision.decided_at = "rejected", actor.username, utcnow()
    decision.reason = reason[:500]
    session.add(decision)
    record_audit(session=session, actor=actor, action="decision_rejected", entity="decision_list",
                 entity_id=decision.id, municipality_id=decision.municipality_id, detail="rejected with a reason")
    session.flush()
