"""Creating programmes and reading them back within the actor's tenancy."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.assignments import in_view
from secretariat.core.auth.roles import Role
from secretariat.core.errors import Conflict, InvalidInput, NotFound
from secretariat.core.programmes.models import Channel, Programme
from secretariat.core.tenancy.models import Municipality


def parse_date(value: str | date, field: str) -> date:
    """An ISO date (2026-12-01) from untrusted text, or an error naming the field and the value."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{field}の「{value}」は日付として読めません。2026-12-01 のように年-月-日で書いてください") from None


def create_programme(*, session: Session, actor: Actor, municipality: Municipality, name: str,
                     reference_date: str | date, opens_date: str | date, deadline_date: str | date,
                     amount_per_household_yen: int = 0, amount_per_child_yen: int = 0, child_max_age: int = 18,
                     channels: list[str] | None = None, form_templates: list[str] | None = None) -> Programme:
    actor.require(Role.admin)
    if not actor.can_see(municipality.id):
        raise NotFound.of("自治体", municipality.code)
    name = name.strip()
    if not name:
        raise InvalidInput("事業名を入力してください")
    reference = parse_date(reference_date, "基準日")
    opens = parse_date(opens_date, "受付開始日")
    deadline = parse_date(deadline_date, "申請期限")
    if deadline < opens:
        raise InvalidInput(f"申請期限（{deadline}）が受付開始日（{opens}）より前です")
    if amount_per_household_yen < 0 or amount_per_child_yen < 0:
        raise InvalidInput("支給額に負の数は使えません")
    chosen = channels or [Channel.paper.value]
    unknown = sorted(set(chosen) - {c.value for c in Channel})
    if unknown:
        raise InvalidInput(f"申請方法 {'、'.join(unknown)} はありません。paper（紙）、web（オンライン）、push（プッシュ型）から選んでください")
    clash = select(Programme).where(Programme.municipality_id == municipality.id, Programme.name == name)
    if session.exec(clash).first():
        raise Conflict(f"自治体 {municipality.code} には「{name}」という事業がすでにあります")
    programme = Programme(municipality_id=municipality.id, name=name, reference_date=reference, opens_date=opens,
                          deadline_date=deadline, amount_per_household_yen=amount_per_household_yen,
                          amount_per_child_yen=amount_per_child_yen, child_max_age=child_max_age,
                          channels=chosen, form_templates=form_templates or [])
    session.add(programme)
    session.flush()
    record_audit(session=session, actor=actor, action="create", entity="programme", entity_id=programme.id,
                 municipality_id=municipality.id)
    return programme


def get_programme(*, session: Session, actor: Actor, programme_id: int) -> Programme:
    programme = session.get(Programme, programme_id)
    if programme is None or not in_view(session, actor, programme.municipality_id, programme.id):
        raise NotFound.of("事業", programme_id)
    return programme


def list_programmes(*, session: Session, actor: Actor) -> list[tuple[Programme, Municipality]]:
    query = (select(Programme, Municipality).join(Municipality, Municipality.id == Programme.municipality_id)
             .where(actor.scope(Programme.municipality_id, Programme.id)).order_by(Municipality.code, Programme.id))
    return [(programme, municipality) for programme, municipality in session.exec(query)]
