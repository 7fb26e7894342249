"""Admins manage staff (スタッフ管理): add, disable, reset a password, change a role; each audited."""

import pytest
from sqlmodel import select

from secretariat.core.audit.models import AuditEvent
from secretariat.core.auth.models import LoginSession
from secretariat.core.auth.passwords import verify_password
from secretariat.core.auth.service import (change_role, get_user, reset_password, set_user_active, start_session,
                                           user_for_session)
from secretariat.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from secretariat.core.auth.models import User


def actions(session, entity_id):
    return [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.entity == "user",
                                                                    AuditEvent.entity_id == entity_id))]


def test_disabling_a_user_ends_their_sessions_and_is_audited(factory, session):
    admin, operator = factory.actor("admin"), factory.user("operator")
    operator = session.get(User, operator.id)
    token = start_session(session=session, user=operator, address="10.0.0.1", hours=8)
    set_user_active(session=session, actor=admin, user=operator, active=False)
    session.commit()
    assert user_for_session(session=session, token=token) is None
    assert "disable" in actions(session, operator.id)


def test_an_admin_cannot_disable_themself(factory, session):
    admin = factory.actor("admin")
    with pytest.raises(Conflict, match="自分自身の無効化はできません"):
        set_user_active(session=session, actor=admin, user=session.get(User, admin.user_id), active=False)


def test_only_an_admin_manages_staff(factory, session):
    supervisor, operator = factory.actor("supervisor"), factory.user("operator")
    with pytest.raises(PermissionDenied):
        set_user_active(session=session, actor=supervisor, user=session.get(User, operator.id), active=False)
    with pytest.raises(PermissionDenied):
        get_user(session=session, actor=supervisor, user_id=operator.id)


def test_a_reset_password_replaces_the_old_one_and_is_audited(factory, session):
    admin, agent = factory.actor("admin"), factory.user("agent")
    agent = session.get(User, agent.id)
    reset_password(session=session, actor=admin, user=agent, password="a-new-password-42")
    session.commit()
    assert verify_password(agent.password_hash, "a-new-password-42")
    assert "reset_password" in actions(session, agent.id)


def test_a_short_password_is_refused_in_japanese(factory, session):
    admin, agent = factory.actor("admin"), factory.user("agent")
    with pytest.raises(InvalidInput, match="10文字以上"):
        reset_password(session=session, actor=admin, user=session.get(User, agent.id), password="short")


def test_a_liaison_is_given_their_municipality_with_the_role(factory, session):
    tenant = factory.tenant(households=0)
    admin, agent = factory.actor("admin"), factory.user("agent")
    agent = session.get(User, agent.id)
    with pytest.raises(InvalidInput, match="自治体"):
        change_role(session=session, actor=admin, user=agent, role="liaison")
    change_role(session=session, actor=admin, user=agent, role="liaison", municipality=tenant.municipality)
    session.commit()
    assert (agent.role, agent.municipality_id) == ("liaison", tenant.municipality.id)
    assert "change_role" in actions(session, agent.id)


def test_another_municipalitys_liaison_sees_no_such_user(factory, session):
    ours, theirs = factory.tenant(households=0, name="甲市"), factory.tenant(households=0, name="乙市")
    liaison = factory.actor("liaison", ours.municipality)
    other = factory.user("liaison", theirs.municipality)
    with pytest.raises(NotFound):
        get_user(session=session, actor=liaison, user_id=other.id)
