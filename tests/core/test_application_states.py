"""The state machine, exhaustively: every allowed transition succeeds and writes its event,
every other pair is refused, and random walks never leave the table."""

from collections import deque

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlmodel import select

from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.service import IllegalTransition, transition
from secretariat.core.applications.states import INITIAL, TERMINAL, TRANSITIONS, Status
from secretariat.core.audit.models import AuditEvent
from tests.factories import SYSTEM


def shortest_paths() -> dict[Status, list[Status]]:
    paths = {INITIAL: []}
    queue = deque([INITIAL])
    while queue:
        state = queue.popleft()
        for target in sorted(TRANSITIONS[state]):
            if target not in paths:
                paths[target] = paths[state] + [target]
                queue.append(target)
    return paths


PATHS = shortest_paths()


def test_every_state_is_reachable_from_import():
    assert set(PATHS) == set(Status)


def test_every_state_has_a_row_in_the_table():
    assert set(TRANSITIONS) == set(Status)


def test_final_states_are_the_ones_a_programme_ends_in():
    # declined is final once its undo window (the deadline) has passed; the table alone cannot say so
    assert TERMINAL == {Status.paid, Status.ineligible, Status.withdrawn}


def test_a_decline_can_be_undone_back_to_exactly_the_states_a_decline_can_come_from():
    assert TRANSITIONS[Status.declined] == {state for state, exits in TRANSITIONS.items() if Status.declined in exits}


@pytest.mark.parametrize("source", list(Status), ids=lambda s: s.value)
def test_each_pair_from_a_state_is_allowed_exactly_when_the_table_says(factory, source):
    tenant = factory.tenant(households=len(Status))
    for application, target in zip(tenant.applications, Status):
        factory.advance(application, *PATHS[source])
        with factory.session() as session:
            current = session.get(Application, application.id)
            if target in TRANSITIONS[source]:
                event = transition(session=session, application=current, to=target, actor=SYSTEM, reason="test")
                session.commit()
                assert (event.from_status, event.to_status) == (source.value, target.value)
                assert session.get(Application, application.id).status == target.value
            else:
                with pytest.raises(IllegalTransition) as refused:
                    transition(session=session, application=current, to=target, actor=SYSTEM)
                assert source.value in refused.value.message and target.value in refused.value.message
                session.rollback()
                assert session.get(Application, application.id).status == source.value


def test_a_transition_writes_its_event_and_audit_row_in_the_same_commit(factory, session):
    application = session.get(Application, factory.tenant(households=1).applications[0].id)
    transition(session=session, application=application, to=Status.printed, actor=SYSTEM, reason="wave 1")
    session.rollback()
    assert session.exec(select(ApplicationEvent).where(ApplicationEvent.to_status == "printed")).all() == []
    assert session.get(Application, application.id).status == "imported"

    transition(session=session, application=application, to=Status.printed, actor=SYSTEM, reason="wave 1")
    session.commit()
    event = session.exec(select(ApplicationEvent).where(ApplicationEvent.to_status == "printed")).one()
    assert (event.from_status, event.actor, event.reason) == ("imported", "system:tests", "wave 1")
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "transition")).one()
    assert (audit.entity, audit.entity_id, audit.detail) == ("application", application.id, "imported->printed")


def test_an_illegal_transition_names_both_states(factory, session):
    application = session.get(Application, factory.tenant(households=1).applications[0].id)
    with pytest.raises(IllegalTransition, match="「取込済み（imported）」から「支給済み（paid）」"):
        transition(session=session, application=application, to=Status.paid, actor=SYSTEM)


def test_an_unknown_status_is_refused_by_name(factory, session):
    from secretariat.core.errors import InvalidInput

    application = session.get(Application, factory.tenant(households=1).applications[0].id)
    with pytest.raises(InvalidInput, match="「shipped」"):
        transition(session=session, application=application, to="shipped", actor=SYSTEM)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(walk=st.lists(st.sampled_from(list(Status)), min_size=1, max_size=25))
def test_random_walks_follow_the_table_and_record_every_step(factory, walk):
    tenant = factory.tenant(households=1)
    expected = INITIAL
    taken = [(None, INITIAL.value)]
    with factory.session() as session:
        application = session.get(Application, tenant.applications[0].id)
        for target in walk:
            if target in TRANSITIONS[expected]:
                transition(session=session, application=application, to=target, actor=SYSTEM)
                taken.append((expected.value, target.value))
                expected = target
            else:
                with pytest.raises(IllegalTransition):
                    transition(session=session, application=application, to=target, actor=SYSTEM)
        session.commit()
        assert session.get(Application, application.id).status == expected.value
        events = session.exec(select(ApplicationEvent).where(ApplicationEvent.application_id == application.id)
                              .order_by(ApplicationEvent.id)).all()
        assert [(e.from_status, e.to_status) for e in events] == taken


def test_a_step_stamped_in_japan_time_reads_back_as_the_same_instant(factory, session):
    from datetime import datetime, timedelta, timezone

    from secretariat.core.clock import as_utc

    arrived = datetime(2026, 12, 3, 9, 30, tzinfo=timezone(timedelta(hours=9)))
    application = session.get(Application, factory.tenant(households=1).applications[0].id)
    transition(session=session, application=application, to=Status.printed, actor=SYSTEM, at=arrived)
    session.commit()
    session.expire_all()
    stored = session.exec(select(ApplicationEvent).where(ApplicationEvent.to_status == "printed")).one()
    assert as_utc(stored.at) == arrived


def test_many_applications_move_together_each_with_its_event(factory, session):
    from secretariat.core.applications.service import transition_all

    tenant = factory.tenant(households=3)
    applications = [session.get(Application, a.id) for a in tenant.applications]
    assert transition_all(session=session, applications=applications, to=Status.printed, actor=SYSTEM) == 3
    session.commit()
    assert {session.get(Application, a.id).status for a in tenant.applications} == {"printed"}
    assert len(session.exec(select(ApplicationEvent).where(ApplicationEvent.to_status == "printed")).all()) == 3


def test_if_one_application_may_not_move_none_does(factory, session):
    from secretariat.core.applications.service import transition_all

    tenant = factory.tenant(households=2)
    factory.advance(tenant.applications[1], Status.withdrawn)
    applications = [session.get(Application, a.id) for a in tenant.applications]
    with pytest.raises(IllegalTransition, match="「取下げ（withdrawn）」から「印刷済み（printed）」"):
        transition_all(session=session, applications=applications, to=Status.printed, actor=SYSTEM)
    session.rollback()
    assert session.get(Application, tenant.applications[0].id).status == "imported"
