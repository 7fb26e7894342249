"""A household's page: its members, its application and the timeline, with the audit row
that records who looked."""

from fastapi import APIRouter, Request

from secretariat.core.applications.service import next_states, timeline
from secretariat.core.auth.roles import STATUS_CHANGERS, Role
from secretariat.core.households.service import read_household_record
from secretariat.core.programmes.models import Programme
from secretariat.core.web.deps import CurrentActor, DbSession, ValidHousehold
from secretariat.core.web.templating import render

router = APIRouter()


@router.get("/households/{household_id}")
def household_page(request: Request, session: DbSession, actor: CurrentActor, household: ValidHousehold):
    record = read_household_record(session=session, actor=actor, household_id=household.id)
    events = timeline(session=session, application_id=record.application.id) if record.application else []
    may_change = Role(actor.role) in STATUS_CHANGERS and record.application is not None
    return render(request, "household.html", actor=actor, record=record, events=events,
                  programme=session.get(Programme, household.programme_id),
                  next_states=next_states(record.application) if may_change else [])


@router.get("/api/households/{household_id}")
def household_json(session: DbSession, actor: CurrentActor, household: ValidHousehold):
    record = read_household_record(session=session, actor=actor, household_id=household.id)
    application = record.application
    return {
        "household": record.household.model_dump(mode="json"),
        "persons": [person.model_dump(mode="json") for person in record.persons],
        "application": application.model_dump(mode="json") if application else None,
        "timeline": [event.model_dump(mode="json") for event in
                     (timeline(session=session, application_id=application.id) if application else [])],
    }
