"""Jinja2 templates and the helpers every page needs (labels, dates in JST, the CSRF token)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from secretariat.core.applications.states import Status
from secretariat.core.clock import as_utc
from secretariat.core.messages import label, label_code, labels
from secretariat.core.web.security import csrf_binding, csrf_token_for

JST = timezone(timedelta(hours=9), "JST")
TEMPLATE_DIR = Path(__file__).parent / "templates"


def _jst(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return as_utc(moment).astimezone(JST).strftime(fmt) if moment else ""


def _yen(amount: int | None) -> str:
    return f"{amount:,}円" if amount is not None else ""


def _phone(digits: str | None) -> str:
    """0701234567 → 070-1234-5678 style, for reading aloud on the phone; stored as bare digits."""
    if not digits:
        return ""
    if len(digits) == 11:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if len(digits) == 10 and digits[:2] in ("03", "06"):
        return f"{digits[:2]}-{digits[2:6]}-{digits[6:]}"
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return digits


def _label(value, kind: str) -> str:
    """`{{ value|label('status') }}`: the catalogue's Japanese name of a code (the code itself if unknown)."""
    return label(kind, value)


def _label_code(value, kind: str) -> str:
    """`{{ value|label_code('deficiency') }}`: the name with the code beside it, 受付済み（received）."""
    return label_code(kind, value)


def actor_name(username: str | None) -> str:
    """Who took a step, as staff read it: a person's login as it is; the product's own actors by a
    Japanese name with their code beside it (住民（Web）（resident:web）, 自動処理（system:push）)."""
    if not username:
        return ""
    kind, colon, _ = username.partition(":")
    name = label("actor_kind", kind) if colon else kind
    return username if name == kind else f"{name}（{username}）"


def make_templates(*folders: Path) -> Jinja2Templates:
    """Templates from a domain's own folders first, then the core's (so its pages can extend base.html)."""
    made = Jinja2Templates(directory=[str(folder) for folder in folders] + [str(TEMPLATE_DIR)])
    # a page is compiled once per process: without this Jinja stats the page and every page it
    # extends or includes on each request, to see whether it changed (the files ship with the code)
    made.env.auto_reload = False
    made.env.filters.update(jst=_jst, yen=_yen, phone=_phone, label=_label, label_code=_label_code, by=actor_name,
                            status_label=lambda value: label("status", value), role_label=lambda value: label("role", value))
    # label(kind, code) and labels(kind) (a kind's codes and names, for a select) as functions too
    made.env.globals.update(statuses=list(Status), label=label, labels=labels)
    return made


templates = make_templates()


def render(request: Request, name: str, status_code: int = 200, *, using: Jinja2Templates = templates, **context):
    settings = request.app.state.settings
    binding = context.pop("csrf_binding", None) or csrf_binding(request)
    context.setdefault("actor", None)
    context["csrf_token"] = csrf_token_for(settings.secret_key, binding) if binding else ""
    context["menu_counts"] = menu_counts(request, context["actor"])
    return using.TemplateResponse(request, name, context, status_code=status_code)


def menu_counts(request: Request, actor) -> dict[str, int]:
    """Counts the menu shows beside its links (open escalations for the liaison), from the counters
    the composition root registers on `app.state.menu_counters` as name -> f(session, actor)."""
    counters = getattr(request.app.state, "menu_counters", {})
    if actor is None or not counters:
        return {}
    from sqlmodel import Session

    with Session(request.app.state.engine) as session:
        return {name: count(session=session, actor=actor) for name, count in counters.items()}
