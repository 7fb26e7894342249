"""A municipality's own column mapping, kept in the store: set by an admin, and chosen for every
file the municipality sends (drop, web upload, or `exchange import` without `--mapping`).

The YAML is kept as uploaded, every version of it; the latest reads the files. A mapping is
checked before it is stored, so a stored one always reads; a refusal lists every problem with its
place in the YAML.
"""

from __future__ import annotations

import hashlib

from sqlmodel import Session, select

from exchange.targets.mapping import Mapping, load_mapping, parse_mapping
from exchange.targets.models import ColumnMapping
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.errors import NotFound
from secretariat.core.tenancy.models import Municipality


def set_municipal_mapping(*, session: Session, actor: Actor, municipality: Municipality, source: str,
                          label: str = "mapping.yaml") -> ColumnMapping:
    """Check `source` (YAML) and make it the municipality's mapping; `MappingInvalid` if it is broken.
    `label` names the upload in the refusal (`chiba.yaml: columns.氏名カナ.field: …`)."""
    actor.require(Role.admin)
    mapping = parse_mapping(source, name=municipality.code, source=label)
    record = ColumnMapping(municipality_id=municipality.id, source=source,
                           sha256=hashlib.sha256(source.encode("utf-8")).hexdigest(), title=mapping.title[:200],
                           uploaded_by=actor.username)
    session.add(record)
    session.flush()
    record_audit(session=session, actor=actor, action="column_mapping_set", entity="municipality",
                 entity_id=municipality.id, municipality_id=municipality.id,
                 detail=f"mapping {record.id} sha256={record.sha256[:16]} columns={len(mapping.columns)}")
    return record


def municipal_mapping(*, session: Session, actor: Actor, municipality: Municipality) -> ColumnMapping | None:
    """The municipality's current mapping as stored, or None when its files are read with the default."""
    if not actor.can_see(municipality.id):
        raise NotFound.of("自治体", municipality.code)
    return _latest(session, municipality.id)


def mapping_for(session: Session, municipality_id: int) -> tuple[Mapping, int | None]:
    """The mapping a municipality's files are read with, and its stored id (None for the default)."""
    record = _latest(session, municipality_id)
    if record is None:
        return load_mapping("default"), None
    code = session.get(Municipality, municipality_id).code
    return parse_mapping(record.source, name=code, source=f"{code} の対応表"), record.id


def municipalities_with_mappings(*, session: Session, actor: Actor) -> list[tuple[Municipality, ColumnMapping]]:
    """Each municipality that has its own mapping, with the current one."""
    actor.require(Role.admin, Role.supervisor)
    latest = select(ColumnMapping.municipality_id, ColumnMapping.id).order_by(ColumnMapping.id)
    current = dict(session.exec(latest).all())  # the last id per municipality wins
    if not current:
        return []
    records = {r.id: r for r in session.exec(select(ColumnMapping).where(ColumnMapping.id.in_(current.values())))}
    municipalities = session.exec(select(Municipality).where(Municipality.id.in_(current)).order_by(Municipality.code))
    return [(m, records[current[m.id]]) for m in municipalities]


def _latest(session: Session, municipality_id: int) -> ColumnMapping | None:
    return session.exec(select(ColumnMapping).where(ColumnMapping.municipality_id == municipality_id)
                        .order_by(ColumnMapping.id.desc()).limit(1)).first()
