"""Moving an application by hand (a form on the household page, and the same over the API)."""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from secretariat.core.applications.service import transition
from secretariat.core.web.deps import CurrentActor, DbSession, ValidApplication

router = APIRouter()


@router.post("/applications/{application_id}/transition")
def transition_form(session: DbSession, actor: CurrentActor, application: ValidApplication,
                    to: Annotated[str, Form(max_length=20)], reason: Annotated[str, Form(max_length=500)] = ""):
    transition(session=session, application=application, to=to, actor=actor, reason=reason)
    return RedirectResponse(f"/households/{application.household_id}", status_code=303)


class TransitionRequest(BaseModel):
    to: str = Field(max_length=20)
    reason: str = Field(default="", max_length=500)


@router.post("/api/applications/{application_id}/transitions", status_code=201)
def transition_json(session: DbSession, actor: CurrentActor, application: ValidApplication, body: TransitionRequest):
    event = transition(session=session, application=application, to=body.to, actor=actor, reason=body.reason)
    return event.model_dump(mode="json")
