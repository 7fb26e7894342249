"""The 目視審査 page: scan the code of a checked-in form, tick the boxes that carry ink, judge it.

For forms checked in at a handheld station, or too damaged to scan. The page is keyboard-first:
the code field takes the handheld scanner's Enter, Space ticks a box, Tab moves on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlmodel import Session

from mailroom.checkin.by_hand import box_key, boxes_of, check_by_hand, receipt_for_code
from mailroom.checkin.service import CHECKERS, template_of
from secretariat.core.auth.actor import Actor
from secretariat.core.errors import DomainError
from secretariat.core.web.deps import DbSession, require_roles
from secretariat.core.web.templating import make_templates, render

router = APIRouter()
pages = make_templates(Path(__file__).parent / "templates")
Checker = Annotated[Actor, require_roles(*CHECKERS)]


def _page(request: Request, session: Session, actor: Actor, code: str = "", **context):
    """The code box, and once a code names a checked-in form, that form's boxes page by page."""
    receipt, boxes = None, []
    if code:
        try:
            receipt = receipt_for_code(session=session, actor=actor, code=code)
            template = template_of(session, receipt)
            boxes = [(page.number, [(item, option, box_key(item, option),
                                     next((o.label for o in item.options if o.value == option), ""))
                                    for item, option in boxes_of(template) if item in page.fields])
                     for page in template.pages]
        except DomainError as error:
            context.setdefault("problem", error.message)
    return render(request, "checkin_by_hand.html", using=pages, actor=actor, code=code, receipt=receipt,
                  boxes=boxes, **context)


@router.get("/mailroom/by-hand")
def by_hand(request: Request, session: DbSession, actor: Checker, code: str = ""):
    return _page(request, session, actor, code=code[:200])


@router.post("/mailroom/by-hand")
def judge_by_hand(request: Request, session: DbSession, actor: Checker,
                  code: Annotated[str, Form(max_length=200)],
                  attachments: Annotated[str, Form(max_length=3)] = "0",
                  box: Annotated[list[str] | None, Form()] = None):
    """Judge the form: every ticked box is `filled`, every other box `blank`. A plain function, so
    its database work runs in the thread pool, never on the event loop."""
    ticked = [str(value) for value in box or ()][:200]
    try:
        count = int(attachments or "0")
    except ValueError:
        session.rollback()
        return _page(request, session, actor, code=code, ticked=set(ticked), attachments=attachments,
                     problem=f"添付書類の枚数は数字で入力してください（「{attachments}」）")
    try:
        receipt = receipt_for_code(session=session, actor=actor, code=code)
        verdict = check_by_hand(session=session, actor=actor, receipt=receipt, ticked=ticked,
                                attachment_pages=count)
    except DomainError as error:
        session.rollback()
        return _page(request, session, actor, code=code, ticked=set(ticked), attachments=attachments,
                     problem=error.message)
    session.commit()
    return _page(request, session, actor, judged=receipt, verdict=verdict)
