import pytest

from secretariat.core.applications.guard import UnauthorisedStatusChange
from secretariat.core.applications.models import Application
from secretariat.core.applications.service import manual_transition, transition
from secretariat.core.errors import NotFound, PermissionDenied


def test_a_status_changed_outside_the_transition_function_is_refused(factory, session):
    application = session.get(Application, factory.tenant(households=1).applications[0].id)
    application.status = "paid"
    session.add(application)
    with pytest.raises(UnauthorisedStatusChange, match="only change through"):
        session.commit()


def test_a_call_center_agent_cannot_change_a_status_by_hand(factory, session):
    application = session.get(Application, factory.tenant(households=1).applications[0].id)
    with pytest.raises(PermissionDenied):
        manual_transition(session=session, application=application, to="withdrawn", actor=factory.actor("agent"),
                          reason="書面で取下げ")


def test_another_municipalitys_application_is_not_found(factory, session):
    ours, theirs = factory.tenant(households=1), factory.tenant(households=1)
    application = session.get(Application, theirs.applications[0].id)
    liaison = factory.actor("liaison", ours.municipality)
    with pytest.raises(NotFound):
        transition(session=session, application=application, to="printed", actor=liaison)
