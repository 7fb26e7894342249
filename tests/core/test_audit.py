import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from secretariat.core.audit.guard import AuditTamperingRefused
from secretariat.core.audit.models import AuditEvent
from secretariat.core.households.service import read_household_record, search_households


def test_reading_a_household_record_is_audited_with_who_and_where(factory, session):
    tenant = factory.tenant(households=1)
    agent = factory.actor("agent")
    read_household_record(session=session, actor=agent, household_id=tenant.households[0].id)
    session.commit()
    row = session.exec(select(AuditEvent).where(AuditEvent.action == "read")).one()
    assert (row.username, row.role, row.address, row.entity, row.entity_id, row.municipality_id) == (
        agent.username, "agent", "127.0.0.1", "household", tenant.households[0].id, tenant.municipality.id)


def test_a_search_that_shows_names_is_audited_with_the_households_shown(factory, session):
    tenant = factory.tenant(households=3)
    search_households(session=session, actor=factory.actor("agent"), programme=tenant.programme)
    row = session.exec(select(AuditEvent).where(AuditEvent.action == "list")).one()
    assert row.detail == "ids=" + ",".join(str(h.id) for h in tenant.households)


def test_audit_rows_cannot_be_edited_through_the_orm(factory, session):
    factory.tenant(households=0)
    row = session.exec(select(AuditEvent)).first()
    row.detail = "rewritten"
    session.add(row)
    with pytest.raises(AuditTamperingRefused):
        session.commit()


def test_audit_rows_cannot_be_deleted_through_the_orm(factory, session):
    factory.tenant(households=0)
    session.delete(session.exec(select(AuditEvent)).first())
    with pytest.raises(AuditTamperingRefused):
        session.commit()


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET detail = 'x'", "DELETE FROM audit_event"])
def test_the_database_refuses_to_change_audit_rows_even_in_bulk(factory, session, statement):
    factory.tenant(households=0)
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
    session.rollback()
    assert session.exec(select(AuditEvent)).all() != []
