"""Two people taking a step on one application at once (a phone decline while the paper form is
checked in, two tabs): one step is stored, the other is refused in Japanese; one timeline."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlmodel import select

from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.service import transition
from secretariat.core.applications.states import Status
from secretariat.core.errors import Conflict
from tests.factories import SYSTEM

TO_MAILED = (Status.printed, Status.mailed)


def events_to(factory, application_id: int, status: Status) -> int:
    with factory.session() as session:
        return len(session.exec(select(ApplicationEvent).where(ApplicationEvent.application_id == application_id,
                                                               ApplicationEvent.to_status == status.value)).all())


def test_a_step_on_an_application_another_session_already_moved_is_refused(factory):
    application = factory.advance(factory.tenant(households=1).applications[0], *TO_MAILED)
    with factory.session() as first, factory.session() as second:
        mine, theirs = first.get(Application, application.id), second.get(Application, application.id)
        transition(session=first, application=mine, to=Status.declined, actor=SYSTEM)
        first.commit()
        with pytest.raises(Conflict, match="別の操作で変わりました"):
            transition(session=second, application=theirs, to=Status.declined, actor=SYSTEM)
    assert events_to(factory, application.id, Status.declined) == 1


def test_five_declines_at_the_same_moment_store_one_step(factory):
    application = factory.advance(factory.tenant(households=1).applications[0], *TO_MAILED)
    start = Barrier(5)

    def decline(_):
        with factory.session() as session:
            loaded = session.get(Application, application.id)
            start.wait()
            try:
                transition(session=session, application=loaded, to=Status.declined, actor=SYSTEM)
                session.commit()
                return True
            except Conflict:
                session.rollback()
                return False

    with ThreadPoolExecutor(5) as pool:
        stored = list(pool.map(decline, range(5)))
    assert stored.count(True) == 1
    assert events_to(factory, application.id, Status.declined) == 1


def test_two_steps_in_a_row_in_one_session_both_stand(factory):
    application = factory.advance(factory.tenant(households=1).applications[0], *TO_MAILED)
    with factory.session() as session:
        loaded = session.get(Application, application.id)
        transition(session=session, application=loaded, to=Status.received, actor=SYSTEM)
        transition(session=session, application=loaded, to=Status.checking, actor=SYSTEM)
        session.commit()
        assert session.get(Application, application.id).status == "checking"
