"""Gift-code lists (ギフトコード割当) under maker-checker control, like payment lists.

prepare (one user: each approved application of a gift-code programme gets a code of its amount
set aside; too few codes and nothing is prepared) → approve (another user) → freeze (the codes are
assigned to their applications; the database refuses any later change to the batch, migration 0026).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from exchange.approvals import check_approver
from exchange.giftcodes.models import CodeState, GiftCode, GiftCodeBatch, GiftCodeLine, Payout, PayoutChoice
from exchange.giftcodes.setting import required_setting, visible
from exchange.results.models import PaymentLine
from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import today_jst, utcnow
from secretariat.core.errors import Conflict, InvalidInput, NotFound
from secretariat.core.households.models import Household
from secretariat.core.programmes.models import Programme


@dataclass
class Prepared:
    batch: GiftCodeBatch | None
    refused: list[str] = field(default_factory=list)  # 世帯番号: why the household was left out


def _candidates(session: Session, programme: Programme, payout: str) -> list[tuple[Application, Household]]:
    """Approved applications with no code in hand and no live transfer; under `choice`, only the
    households that chose a gift code. A code in hand is one in a line that is neither void nor
    expired with a supervisor's leave to replace it (再発行)."""
    in_lines = (select(GiftCodeLine.application_id).join(GiftCode, GiftCode.id == GiftCodeLine.gift_code_id)
                .where(GiftCodeLine.programme_id == programme.id, GiftCode.state != CodeState.void.value,
                       GiftCode.reissue_allowed_at.is_(None)))
    in_transfers = select(PaymentLine.application_id).where(PaymentLine.programme_id == programme.id,
                                                            PaymentLine.result.in_(["pending", "paid"]))
    query = (select(Application, Household).join(Household, Household.id == Application.household_id)
             .where(Application.programme_id == programme.id, Application.status == Status.approved.value,
                    Application.id.not_in(in_lines), Application.id.not_in(in_transfers)))
    if payout == Payout.choice.value:
        chose = select(PayoutChoice.household_id).where(PayoutChoice.programme_id == programme.id,
                                                        PayoutChoice.payout == Payout.gift_code.value)
        query = query.where(Household.id.in_(chose))
    return list(session.exec(query.order_by(Household.household_number)).all())


def _available(session: Session, programme: Programme, provider: str, today: date) -> dict[int, list[GiftCode]]:
    """Unexpired codes in no line, by amount, the soonest to expire first."""
    in_lines = select(GiftCodeLine.gift_code_id).where(GiftCodeLine.programme_id == programme.id)
    codes = session.exec(select(GiftCode).where(GiftCode.programme_id == programme.id, GiftCode.provider == provider,
                                                GiftCode.state == CodeState.available.value,
                                                GiftCode.expires_on >= today, GiftCode.id.not_in(in_lines))
                         .order_by(GiftCode.expires_on, GiftCode.id))
    by_amount: dict[int, list[GiftCode]] = defaultdict(list)
    for code in codes:
        by_amount[code.amount_yen].append(code)
    return by_amount


def prepare_giftcode_batch(*, session: Session, actor: Actor, programme: Programme,
                           today: date | None = None) -> Prepared:
    """A batch setting aside one code, of the application's amount under the programme's rules, for
    every approved application to be paid by gift code; not enough codes of an amount → InvalidInput
    naming the shortfall, and nothing is set aside."""
    actor.require(Role.admin, Role.supervisor)
    setting = required_setting(session=session, actor=actor, programme=programme)
    result = Prepared(batch=None)
    available = _available(session, programme, setting.provider, today or today_jst())
    wanted: Counter[int] = Counter()
    pairs = []
    for application, household in _candidates(session, programme, setting.payout):
        if application.amount_yen <= 0:
            result.refused.append(f"{household.household_number}: 支給額が 0 円です")
            continue
        wanted[application.amount_yen] += 1
        pairs.append((application, household))
    short = {amount: count - len(available.get(amount, [])) for amount, count in sorted(wanted.items())
             if count > len(available.get(amount, []))}
    if short:
        raise InvalidInput("ギフトコードが足りません（何も割り当てていません）: " + "、".join(
            f"{amount:,} 円のコードが {missing} 件不足" for amount, missing in short.items())
            + "。提供事業者の発行ファイルを取り込んでから作成し直してください")
    if not pairs:
        return result
    batch = GiftCodeBatch(municipality_id=programme.municipality_id, programme_id=programme.id,
                          line_count=len(pairs), total_yen=sum(a.amount_yen for a, _ in pairs),
                          prepared_by=actor.username)
    session.add(batch)
    attempts = dict(session.exec(select(GiftCodeLine.application_id, func.count()).where(
        GiftCodeLine.application_id.in_([application.id for application, _ in pairs]))
        .group_by(GiftCodeLine.application_id)).all())
    try:
        session.flush()
        session.add_all(GiftCodeLine(batch_id=batch.id, municipality_id=programme.municipality_id,
                                     programme_id=programme.id, application_id=application.id,
                                     attempt=attempts.get(application.id, 0) + 1,
                                     gift_code_id=available[application.amount_yen].pop(0).id,
                                     household_number=household.household_number, amount_yen=application.amount_yen)
                        for application, household in pairs)
        session.flush()
    except IntegrityError:  # another batch prepared at the same moment took one of these codes or applications
        raise Conflict("同時に作成された別のギフトコード割当と重なりました。何も割り当てていません。"
                       "もう一度作成してください") from None
    record_audit(session=session, actor=actor, action="giftcode_prepared", entity="giftcode_batch",
                 entity_id=batch.id, municipality_id=programme.municipality_id,
                 detail=f"{batch.line_count} lines, {batch.total_yen} yen")
    session.flush()
    result.batch = batch
    return result


def get_giftcode_batch(*, session: Session, actor: Actor, batch_id: int) -> GiftCodeBatch:
    batch = session.get(GiftCodeBatch, batch_id)
    if batch is None or not actor.can_see(batch.municipality_id):
        raise NotFound.of("ギフトコード割当", batch_id)
    return batch


def list_giftcode_batches(*, session: Session, actor: Actor, programme: Programme) -> list[GiftCodeBatch]:
    visible(actor, programme)
    return list(session.exec(select(GiftCodeBatch).where(GiftCodeBatch.programme_id == programme.id)
                             .order_by(GiftCodeBatch.id.desc())))


def batch_lines(*, session: Session, actor: Actor, batch: GiftCodeBatch) -> list[tuple[GiftCodeLine, GiftCode]]:
    if not actor.can_see(batch.municipality_id):
        raise NotFound.of("ギフトコード割当", batch.id)
    return list(session.exec(select(GiftCodeLine, GiftCode).join(GiftCode, GiftCode.id == GiftCodeLine.gift_code_id)
                             .where(GiftCodeLine.batch_id == batch.id).order_by(GiftCodeLine.household_number)))


def approve_giftcode_batch(*, session: Session, actor: Actor, batch: GiftCodeBatch) -> GiftCodeBatch:
    """The checker's approval: a different person from the one who prepared it (maker-checker)."""
    check_approver(actor=actor, batch=batch, kind="giftcode_batch")
    _leave_out_withdrawn(session, actor, batch)
    batch.status, batch.approved_by, batch.approved_at = "approved", actor.username, utcnow()
    session.add(batch)
    record_audit(session=session, actor=actor, action="giftcode_approved", entity="giftcode_batch",
                 entity_id=batch.id, municipality_id=batch.municipality_id,
                 detail=f"{batch.line_count} lines, {batch.total_yen} yen")
    session.flush()
    return batch


def freeze_giftcode_batch(*, session: Session, actor: Actor, batch: GiftCodeBatch) -> GiftCodeBatch:
    """Assign each line's code to its application and freeze the batch: from now on it is the record."""
    actor.require(Role.admin, Role.supervisor)
    if not actor.can_see(batch.municipality_id):
        raise NotFound.of("ギフトコード割当", batch.id)
    if batch.status != "approved":
        raise Conflict(f"ギフトコード割当 {batch.id} は「{batch.status}」です。確定できるのは承認済みの割当だけです")
    _leave_out_withdrawn(session, actor, batch)
    for line, code in batch_lines(session=session, actor=actor, batch=batch):
        code.state, code.application_id = CodeState.assigned.value, line.application_id
        session.add(code)
    batch.status, batch.frozen_at = "frozen", utcnow()
    session.add(batch)
    record_audit(session=session, actor=actor, action="giftcode_frozen", entity="giftcode_batch", entity_id=batch.id,
                 municipality_id=batch.municipality_id, detail=f"{batch.line_count} codes assigned")
    session.flush()
    return batch


def _leave_out_withdrawn(session: Session, actor: Actor, batch: GiftCodeBatch) -> None:
    """Lines of applications no longer approved (辞退 after the decision) leave the batch, their codes
    free again, so no household that declined gets a code."""
    gone = list(session.exec(select(GiftCodeLine).join(Application, Application.id == GiftCodeLine.application_id)
                             .where(GiftCodeLine.batch_id == batch.id, Application.status != Status.approved.value)))
    for line in gone:
        session.delete(line)
        record_audit(session=session, actor=actor, action="giftcode_line_left_out", entity="giftcode_batch",
                     entity_id=batch.id, municipality_id=batch.municipality_id,
                     detail=f"household={line.household_number} amount={line.amount_yen}")
    if gone:
        session.flush()
        batch.line_count -= len(gone)
        batch.total_yen -= sum(line.amount_yen for line in gone)


def code_stock(*, session: Session, actor: Actor, programme: Programme) -> dict[str, tuple[int, int]]:
    """The programme's codes by state: (count, yen)."""
    visible(actor, programme)
    return {state: (count, total or 0) for state, count, total in session.exec(
        select(GiftCode.state, func.count(), func.sum(GiftCode.amount_yen))
        .where(GiftCode.programme_id == programme.id).group_by(GiftCode.state))}
