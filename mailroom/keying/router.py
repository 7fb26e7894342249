"""The keying pages: an operator keys a form from its crops (keyboard only), a verifier settles the
forms whose two entries differ, and a small lookup shows the bank and branch names as codes are typed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse
from sqlmodel import Session, select

from mailroom.keying import flows
from mailroom.keying.models import KeyingTask
from secretariat.core.auth.actor import Actor
from secretariat.core.banking import bank_named, branch_named, find_banks, find_branches
from secretariat.core.errors import DomainError
from secretariat.core.households.models import Household
from secretariat.core.households.router import HouseholdSection
from secretariat.core.web.deps import CurrentActor, DbSession, require_roles
from secretariat.core.web.templating import _jst, actor_name, make_templates, render

router = APIRouter()
pages = make_templates(Path(__file__).parent / "templates")
pages.env.globals.update(field_labels=flows.FIELD_LABELS_JA, status_labels=flows.STATUS_LABELS_JA,
                         account_types=flows.ACCOUNT_TYPES, bank_named=bank_named, branch_named=branch_named,
                         kind_labels=flows.KIND_LABELS_JA, channels=flows.CHANNELS)
Keyer = Annotated[Actor, require_roles(*flows.KEYERS)]
Verifier = Annotated[Actor, require_roles(*flows.VERIFIERS)]
SCRIPT = Path(__file__).parent / "keying.js"

# Path parameters that name a tenant's objects (see core.web.deps): loaded before the role check.
TENANT_PATH_PARAMETERS = ("task_id",)


def valid_task(task_id: int, session: DbSession, actor: CurrentActor) -> KeyingTask:
    return flows.get_task(session=session, actor=actor, task_id=task_id)


ValidTask = Annotated[KeyingTask, Depends(valid_task)]


async def _typed(request: Request) -> dict[str, str]:
    """The keyed fields of the posted form. Read on the event loop as a dependency, so the routes
    themselves are plain functions and do their database work in the thread pool: a statement
    waiting for a lock on the loop would stop every request, the lock's holder among them."""
    form = await request.form()
    return {name: str(form.get(name, ""))[:100] for name in flows.FIELDS}


Typed = Annotated[dict[str, str], Depends(_typed)]


@router.get("/mailroom/keying")
def overview(request: Request, session: DbSession, actor: Keyer, problem: str = ""):
    """How much is waiting, the way to the next form, and for verifiers the forms to settle."""
    verifier = actor.role in flows.VERIFIERS or actor.role.value == "system"
    return render(request, "keying_overview.html", using=pages, actor=actor, problem=problem,
                  counts=flows.counts(session=session, actor=actor),
                  disputed=flows.disputed(session=session, actor=actor) if verifier else [],
                  differing=flows.differing_accounts(session=session, actor=actor) if verifier else [])


@router.get("/mailroom/keying/next")
def next_form(session: DbSession, actor: Keyer):
    task = flows.next_task(session=session, actor=actor)
    if task is None:
        return RedirectResponse("/mailroom/keying?problem=none", status_code=303)
    return RedirectResponse(f"/mailroom/keying/tasks/{task.id}", status_code=303)


def _entry_page(request: Request, session: Session, actor: Actor, task: KeyingTask, status_code: int = 200,
                **context):
    return render(request, "keying_entry.html", status_code, using=pages, actor=actor, task=task,
                  crops=flows.crops_for(session, task), may_key=flows.may_key(session, actor, task),
                  household=session.get(Household, task.household_id), **context)


@router.get("/mailroom/keying/tasks/{task_id}")
def entry_form(request: Request, session: DbSession, task: ValidTask, actor: Keyer):
    """The form's crops, each beside its input; the entry is blind (no earlier entry is shown)."""
    flows.open_task(session=session, actor=actor, task_id=task.id)
    return _entry_page(request, session, actor, task, typed={})


@router.post("/mailroom/keying/tasks/{task_id}/entries")
def submit(request: Request, session: DbSession, task: ValidTask, actor: Keyer, typed: Typed):
    try:
        flows.submit_entry(session=session, actor=actor, task=task, raw=typed)
    except DomainError as error:
        session.rollback()
        task = flows.get_task(session=session, actor=actor, task_id=task.id)
        return _entry_page(request, session, actor, task, error.status_code, typed=typed, problem=error.message)
    return RedirectResponse("/mailroom/keying/next", status_code=303)


def _verify_page(request: Request, session: Session, actor: Actor, task: KeyingTask, status_code: int = 200,
                 **context):
    entries = flows.entries_of(session, task)
    differing = flows.differences(entries[0], entries[1]) if len(entries) >= 2 else []
    return render(request, "keying_verify.html", status_code, using=pages, actor=actor, task=task, entries=entries,
                  differing=differing, crops=flows.crops_for(session, task), **context)


@router.get("/mailroom/keying/tasks/{task_id}/verify")
def verify_form(request: Request, session: DbSession, task: ValidTask, actor: Verifier):
    """Both entries side by side, the differing fields marked, with the crops to decide from."""
    flows.open_task(session=session, actor=actor, task_id=task.id)
    return _verify_page(request, session, actor, task, typed={})


@router.post("/mailroom/keying/tasks/{task_id}/verify")
def verify(request: Request, session: DbSession, task: ValidTask, actor: Verifier, typed: Typed,
           choice: Annotated[str, Form(max_length=20)] = ""):
    try:
        flows.verify(session=session, actor=actor, task=task, choice=choice,
                     raw=typed if choice == "correction" else None)
    except DomainError as error:
        session.rollback()
        task = flows.get_task(session=session, actor=actor, task_id=task.id)
        return _verify_page(request, session, actor, task, error.status_code, typed=typed, problem=error.message)
    return RedirectResponse("/mailroom/keying", status_code=303)


@router.get("/mailroom/keying/banks")
def bank_lookup(actor: Keyer, bank: Annotated[str, Query(max_length=40)] = "",
                branch: Annotated[str, Query(max_length=40)] = ""):
    """Zengin names for the codes typed so far, or codes for a name: `{bank, branch, banks, branches}`."""
    found_bank = bank_named(bank) if bank.isdigit() else None
    found_branch = branch_named(bank, branch) if found_bank and branch.isdigit() else None
    return {"bank": found_bank.name if found_bank else "", "branch": found_branch.name if found_branch else "",
            "banks": [m.__dict__ for m in find_banks(bank)] if bank and not bank.isdigit() else [],
            "branches": [m.__dict__ for m in find_branches(bank, branch)]
            if found_bank and branch and not branch.isdigit() else []}


@router.get("/mailroom/keying/keying.js")
def script(actor: Keyer):
    return FileResponse(SCRIPT, media_type="text/javascript")


APPLIED_JA = {"filled": "登録口座がなかったため、この口座を世帯に登録しました",
              "same": "登録口座と同じです",
              "differs": "登録口座と異なります。登録口座は変更せず両方を保持しています（審査で確認）",
              "replaced": "振込不能の口座をこの口座に置き換えました（元の口座は入力票に記録）"}


def _account_words(bank: str, branch: str, kind: str, number: str, holder: str) -> str:
    bank_match, branch_match = bank_named(bank), branch_named(bank, branch)
    return (f"{bank} {bank_match.name if bank_match else ''} / {branch} {branch_match.name if branch_match else ''} "
            f"{flows.ACCOUNT_TYPES.get(kind, kind)} {number} {holder}")


def household_section(*, session: Session, actor: Actor, household: Household) -> HouseholdSection | None:
    """The household page's lines on keying: the keyed account beside the account on file, and who keyed it."""
    task = session.exec(select(KeyingTask).where(KeyingTask.household_id == household.id)
                        .order_by(KeyingTask.id.desc())).first()
    if task is None or not actor.can_see(task.municipality_id):
        return None
    rows = [("状態", flows.STATUS_LABELS_JA[task.status])]
    if task.status in flows.SETTLED:
        rows.append(("届出口座（入力値）", _account_words(*task.account())))
        if task.applied == "differs":
            rows.append(("登録口座（自治体）", _account_words(*task.on_file())))
        elif task.applied == "replaced":
            rows.append(("振込不能だった口座", _account_words(*task.on_file())))
        rows.append(("登録口座との関係", APPLIED_JA.get(task.applied, "")))
    who = [f"{entry.round}回目 {actor_name(entry.keyed_by)} {_jst(entry.keyed_at)}" if entry.round < 3
           else f"訂正 {actor_name(entry.keyed_by)} {_jst(entry.keyed_at)}" for entry in flows.entries_of(session, task)]
    if task.settled_by:
        who.append(f"ベリファイ {actor_name(task.settled_by)} {_jst(task.settled_at)}")
    rows.append(("入力者", "、".join(who) or "—"))
    return HouseholdSection("申請データ入力（口座）", rows, testid="keying")
