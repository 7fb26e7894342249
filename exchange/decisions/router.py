"""支給決定 pages: the review queue and the proposal (secretariat supervisors), and each decision
list with its PDF and CSV, approved or sent back by the municipality's liaison."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from exchange.decisions.files import CSV_FILE, FLAG_LABELS_JA, PDF_FILE
from exchange.decisions.flows import (STATUS_LABELS_JA, approve_decision_list, decision_lines, decision_lists_of,
                                      get_decision_list, propose_decision_list, ready_for_decision,
                                      reject_decision_list)
from exchange.decisions.models import DecisionList
from exchange.decisions.push import push_decision_csv, push_decisions
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.errors import NotFound
from secretariat.core.households.service import households_by_id
from secretariat.core.programmes.service import get_programme
from secretariat.core.web.deps import AppSettings, CurrentActor, DbSession, ValidProgramme, require_roles
from secretariat.core.web.templating import make_templates, render

router = APIRouter()
pages = make_templates(Path(__file__).parent / "templates")
Decider = Annotated[Actor, require_roles(Role.admin, Role.supervisor, Role.liaison)]
Proposer = Annotated[Actor, require_roles(Role.admin, Role.supervisor)]
Liaison = Annotated[Actor, require_roles(Role.liaison)]
TENANT_PATH_PARAMETERS = ("decision_id",)
FILES = {"pdf": (PDF_FILE, "application/pdf"), "csv": (CSV_FILE, "text/csv")}


def valid_decision(decision_id: int, session: DbSession, actor: CurrentActor) -> DecisionList:
    return get_decision_list(session=session, actor=actor, decision_id=decision_id)


ValidDecision = Annotated[DecisionList, Depends(valid_decision)]


@router.get("/programmes/{programme_id}/decisions")
def decisions_page(request: Request, session: DbSession, programme: ValidProgramme, actor: Decider):
    """The applications waiting for a decision, and the programme's decision lists."""
    ready = ready_for_decision(session, programme)
    households = households_by_id(session, (a.household_id for a in ready))
    record_audit(session=session, actor=actor, action="view", entity="decision_queue", entity_id=programme.id,
                 municipality_id=programme.municipality_id, detail=f"{len(ready)} waiting")
    session.commit()
    return render(request, "decisions.html", using=pages, actor=actor, programme=programme, ready=ready,
                  households=households, lists=decision_lists_of(session=session, actor=actor, programme=programme),
                  labels=STATUS_LABELS_JA, push_days=push_decisions(session=session, actor=actor, programme=programme))


@router.get("/programmes/{programme_id}/decisions/push.csv")
def push_decision_file(session: DbSession, programme: ValidProgramme, actor: Decider, day: date):
    """One day's push approvals (支給のお知らせ) as CSV, like a decision list's."""
    found = next((d for d in push_decisions(session=session, actor=actor, programme=programme)
                  if d.decided_on == day), None)
    if found is None:
        raise NotFound(f"{day.isoformat()} に支給のお知らせによる支給決定はありません")
    record_audit(session=session, actor=actor, action="download", entity="push_decisions", entity_id=programme.id,
                 municipality_id=programme.municipality_id, detail=f"{day.isoformat()}: {len(found.lines)} households")
    session.commit()
    return Response(push_decision_csv(found), media_type="text/csv; charset=cp932",
                    headers={"Content-Disposition": f'attachment; filename="push-decisions-P{programme.id}-'
                                                    f'{day:%Y%m%d}.csv"'})


@router.post("/programmes/{programme_id}/decisions")
def propose(session: DbSession, settings: AppSettings, programme: ValidProgramme, actor: Proposer):
    decision = propose_decision_list(session=session, actor=actor, programme=programme,
                                     out_root=settings.data_dir / "decisions")
    session.commit()
    return RedirectResponse(f"/decisions/{decision.id}", status_code=303)


@router.get("/decisions/{decision_id}")
def decision_page(request: Request, session: DbSession, decision: ValidDecision, actor: Decider):
    programme = get_programme(session=session, actor=actor, programme_id=decision.programme_id)
    record_audit(session=session, actor=actor, action="view", entity="decision_list", entity_id=decision.id,
                 municipality_id=decision.municipality_id)
    session.commit()
    return render(request, "decision.html", using=pages, actor=actor, programme=programme, decision=decision,
                  lines=decision_lines(session, decision), labels=STATUS_LABELS_JA, flags=FLAG_LABELS_JA,
                  may_decide=actor.role is Role.liaison and decision.status == "proposed"
                  and actor.username != decision.proposed_by)


@router.get("/decisions/{decision_id}/list.{kind}")
def decision_file(session: DbSession, decision: ValidDecision, actor: Decider, kind: str):
    if kind not in FILES:
        raise NotFound(f"支給決定リストに「{kind}」形式のファイルはありません（{'・'.join(FILES)} のどちらかです）")
    name, media = FILES[kind]
    record_audit(session=session, actor=actor, action="download", entity="decision_list", entity_id=decision.id,
                 municipality_id=decision.municipality_id, detail=name)
    session.commit()
    return FileResponse(Path(decision.directory) / name, media_type=media, filename=f"decision-{decision.id}-{name}")


@router.post("/decisions/{decision_id}/approve")
def approve(session: DbSession, decision: ValidDecision, actor: Liaison):
    approve_decision_list(session=session, actor=actor, decision=decision)
    session.commit()
    return RedirectResponse(f"/decisions/{decision.id}", status_code=303)


@router.post("/decisions/{decision_id}/reject")
def reject(session: DbSession, decision: ValidDecision, actor: Liaison,
           reason: Annotated[str, Form(max_length=500)] = ""):
    reject_decision_list(session=session, actor=actor, decision=decision, reason=reason)
    session.commit()
    return RedirectResponse(f"/decisions/{decision.id}", status_code=303)
