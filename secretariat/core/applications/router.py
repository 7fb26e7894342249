"""Moving an application by hand (a form on the household page, and the same over the API): only
the manual steps of the table (`states.MANUAL`), with a reason."""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from secretariat.core.applications.service import manual_transition
from secretariat.core.applications.states import Status
from secretariat.core.errors import Conflict
from secretariat.core.web.deps import CurrentActor, DbSession, ValidApplication

router = APIRouter()

# A decline is undone by a supervisor, with a reason, before the deadline, on the household's call
# screen (`callcenter.flows.undo_decline`): the message says where.
FLOW_ONLY_SOURCES = {Status.declined.value: "辞退の取消は、通話画面からスーパーバイザーが理由を付けて行ってください。"}


def _refuse_flow_only(application) -> None:
    if application.status in FLOW_ONLY_SOURCES:
        raise Conflict(FLOW_ONLY_SOURCES[application.status])


@router.post("/applications/{application_id}/transition")
def transition_form(session: DbSession, actor: CurrentActor, application: ValidApplication,
                    to: Annotated[str, Form(max_length=20)], reason: Annotated[str, Form(max_length=500)] = ""):
    _refuse_flow_only(application)
    manual_transition(session=session, application=application, to=to, actor=actor, reason=reason)
    return RedirectResponse(f"/households/{application.household_id}", status_code=303)


class TransitionRequest(BaseModel):
    to: str = Field(max_length=20)
    reason: str = Field(default="", max_length=500)


@router.post("/api/applications/{application_id}/transitions", status_code=201)
def transition_json(session: DbSession, actor: CurrentActor, application: ValidApplication, body: TransitionRequest):
    _refuse_flow_only(application)
    event = manual_transition(session=session, application=application, to=body.to, actor=actor, reason=body.reason)
    return event.model_dump(mode="json")
