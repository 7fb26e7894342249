"""Creating and finding municipalities, always through the actor's tenancy scope."""

from sqlmodel import Session, select

from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.errors import Conflict, InvalidInput, NotFound
from secretariat.core.tenancy.codes import validate_municipality_code
from secretariat.core.tenancy.models import Municipality


def create_municipality(*, session: Session, actor: Actor, code: str, name: str) -> Municipality:
    actor.require_staff_admin()
    code = validate_municipality_code(code)
    name = name.strip()
    if not name:
        raise InvalidInput("自治体名を入力してください")
    if session.exec(select(Municipality).where(Municipality.code == code)).first():
        raise Conflict(f"自治体 {code} はすでに登録されています")
    municipality = Municipality(code=code, name=name)
    session.add(municipality)
    session.flush()
    record_audit(session=session, actor=actor, action="create", entity="municipality",
                 entity_id=municipality.id, municipality_id=municipality.id)
    return municipality


def get_municipality_by_code(*, session: Session, actor: Actor, code: str) -> Municipality:
    municipality = session.exec(select(Municipality).where(Municipality.code == code.strip())).first()
    if municipality is None or not actor.can_see(municipality.id):
        raise NotFound(f"自治体コード「{code.strip()}」の自治体はありません")
    return municipality


def list_municipalities(*, session: Session, actor: Actor) -> list[Municipality]:
    query = select(Municipality).where(actor.scope(Municipality.id)).order_by(Municipality.code)
    return list(session.exec(query))
