"""A household's page: its members, its application and the timeline, with the audit row
that records who looked."""

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from sqlmodel import Session

from secretariat.core.applications.service import next_states, timeline
from secretariat.core.auth.roles import STATUS_CHANGERS, Role
from secretariat.core.auth.actor import Actor
from secretariat.core.households.models import Household
from secretariat.core.households.service import read_household_record
from secretariat.core.programmes.models import Programme
from secretariat.core.sms.service import requests_for
from secretariat.core.web.deps import CurrentActor, DbSession, ValidHousehold
from secretariat.core.web.templating import render

router = APIRouter()


@dataclass
class HouseholdSection:
    """A domain's own lines on the household page (the core cannot import the domains): the
    composition root lists the functions that make them in `app.state.household_sections`."""

    heading: str
    rows: list[tuple[str, str]]
    testid: str = ""


SectionMaker = Callable[..., "HouseholdSection | None"]  # (*, session, actor, household)


def _sections(request: Request, session: Session, actor: Actor, household: Household) -> list[HouseholdSection]:
    makers: tuple[SectionMaker, ...] = getattr(request.app.state, "household_sections", ())
    return [made for make in makers if (made := make(session=session, actor=actor, household=household))]


@router.get("/households/{household_id}")
def household_page(request: Request, session: DbSession, actor: CurrentActor, household: ValidHousehold):
    record = read_household_record(session=session, actor=actor, household_id=household.id)
    events = timeline(session=session, application_id=record.application.id) if record.application else []
    may_change = Role(actor.role) in STATUS_CHANGERS and record.application is not None
    return render(request, "household.html", actor=actor, record=record, events=events,
                  programme=session.get(Programme, household.programme_id),
                  next_states=next_states(record.application) if may_change else [],
                  sections=_sections(request, session, actor, household), texts=requests_for(session, household))


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
