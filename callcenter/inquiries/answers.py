"""Answer templates (回答テンプレート): searchable in Japanese, suggested from the inquiry's category and
the household's state ("申請書は12月3日に到着し、審査完了です").

A template may fit only some states of the application (`statuses:` in answers.yaml: "審査には2週間
程度かかります" is no answer to a household that declined); it is suggested only to households in
one of them. A placeholder the household cannot fill yet is shown by its Japanese name (〈到着日〉).

Search uses SQLite's FTS5 trigram tokenizer, or pg_trgm on PostgreSQL, so any three characters of
a Japanese phrase find it without a word segmenter; shorter queries fall back to a LIKE scan.
"""

from __future__ import annotations

import string
from datetime import datetime
from functools import cache
from pathlib import Path

from sqlalchemy import DateTime, text
from sqlmodel import Field, Session, SQLModel, select

from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.states import LABELS_JA, Status
from secretariat.core.messages import label
from secretariat.core.clock import as_utc, in_jst, utcnow
from secretariat.core.households.models import Household
from secretariat.core.programmes.models import Programme
from secretariat.core.yamlfile import load_yaml

SEED = Path(__file__).with_name("answers.yaml")
# the Japanese name of each placeholder, shown as 〈到着日〉 where this household has no value for it
PLACEHOLDER_NAMES = {"deadline": "申請期限", "status": "現在の状態", "amount": "支給額", "imported_on": "取込日",
                     "mailed_on": "発送日", "received_on": "到着日", "complete_on": "審査完了日",
                     "returned_on": "返送日", "paid_on": "振込日", "payment_failed_on": "振込不能の日",
                     "declined_on": "辞退の日", "approved_on": "支給決定日", "undeliverable_on": "宛所不明で戻った日",
                     "expired_on": "期限切れの日"}


class AnswerTemplate(SQLModel, table=True):
    """A reviewed answer agents may read out or send; placeholders in {braces} are filled per caller."""

    __tablename__ = "callcenter_answer"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int | None = Field(default=None, foreign_key="programme.id", description="None: every programme")
    category: str = Field(max_length=40, index=True)
    title: str = Field(max_length=200)
    body: str = Field(max_length=4000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


@cache
def _shipped(path: Path = SEED) -> list[dict]:
    return load_yaml(path.read_text(encoding="utf-8"))


def fitting_statuses(title: str) -> frozenset[str] | None:
    """The states a shipped template fits (None: any), by its title as shipped."""
    for entry in _shipped():
        if entry["title"] == title:
            return frozenset(entry["statuses"]) if entry.get("statuses") else None
    return None


def placeholder_name(name: str) -> str:
    if name in PLACEHOLDER_NAMES:
        return PLACEHOLDER_NAMES[name]
    if name.endswith("_on"):
        return f"{label('status', name[:-3])}の日"
    return name


class _Filled(dict):
    """Facts for str.format_map; what is missing shows by its Japanese name."""

    def __missing__(self, name: str) -> str:
        return f"〈{placeholder_name(name)}〉"


def filled(body: str, facts: dict[str, str] | None = None) -> str:
    """The template's text with this household's facts in it; 〈到着日〉 where a fact is not known."""
    return body.format_map(_Filled(facts or {}))


def load_answer_templates(session: Session, path: Path = SEED) -> int:
    """The shipped templates, added once (by title)."""
    known = set(session.exec(select(AnswerTemplate.title)))
    added = 0
    for entry in _shipped(path):
        if entry["title"] not in known:
            session.add(AnswerTemplate(category=entry["category"], title=entry["title"], body=entry["body"]))
            added += 1
    session.flush()
    return added


def search_answers(session: Session, query: str, limit: int = 10) -> list[AnswerTemplate]:
    query = query.strip()[:100]
    if not query:
        return []
    dialect = session.connection().dialect.name
    if dialect == "sqlite" and len(query) >= 3:
        phrase = '"' + query.replace('"', '""') + '"'
        ids = [row[0] for row in session.execute(text(
            "SELECT rowid FROM callcenter_answer_fts WHERE callcenter_answer_fts MATCH :q ORDER BY rank LIMIT :n"),
            {"q": phrase, "n": limit})]
        found = {t.id: t for t in session.exec(select(AnswerTemplate).where(AnswerTemplate.id.in_(ids)))}
        return [found[i] for i in ids if i in found]
    pattern = "%" + query.replace("%", "").replace("_", "") + "%"
    column = AnswerTemplate.title + " " + AnswerTemplate.body
    matcher = column.ilike(pattern) if dialect == "postgresql" else column.like(pattern)
    return list(session.exec(select(AnswerTemplate).where(matcher).limit(limit)))


def household_facts(session: Session, household: Household) -> dict[str, str]:
    """What a template may say of this caller's application, in the words staff use."""
    application = session.exec(select(Application).where(Application.household_id == household.id)).first()
    events = list(session.exec(select(ApplicationEvent).where(ApplicationEvent.application_id == application.id))
                  ) if application is not None else []
    return facts_of(session.get(Programme, household.programme_id), application, events)


def facts_of(programme: Programme, application: Application | None, events: list[ApplicationEvent]) -> dict[str, str]:
    """`household_facts` from what the caller's record page has already read (its application and
    timeline), so the page does not read them twice. A state reached twice is told by its later day."""
    facts = {"deadline": f"{programme.deadline_date.month}月{programme.deadline_date.day}日"}
    if application is None:
        return facts
    facts["status"] = LABELS_JA[Status(application.status)]
    facts["status_code"] = application.status
    facts["amount"] = f"{application.amount_yen:,}円"
    for event in sorted(events, key=lambda event: (as_utc(event.at), event.id)):
        day = in_jst(event.at)
        facts[f"{event.to_status}_on"] = f"{day.month}月{day.day}日"
    return facts


def suggestions(session: Session, household: Household, category: str,
                facts: dict[str, str] | None = None) -> list[tuple[AnswerTemplate, str]]:
    """The category's templates that fit the application's state and whose every placeholder this
    household's facts can fill, filled."""
    return [(template, text) for _, template, text in suggestions_for(session, household, [category], facts)]


def suggestions_for(session: Session, household: Household, categories: list[str],
                    facts: dict[str, str] | None = None) -> list[tuple[str, AnswerTemplate, str]]:
    """`suggestions` for several categories, in their order, read in one statement (the caller's
    record offers every category of the programme)."""
    facts = household_facts(session, household) if facts is None else facts
    offered: dict[str, list[tuple[str, AnswerTemplate, str]]] = {category: [] for category in categories}
    for template in session.exec(select(AnswerTemplate).where(
            AnswerTemplate.category.in_(categories),
            (AnswerTemplate.programme_id.is_(None)) | (AnswerTemplate.programme_id == household.programme_id))
            .order_by(AnswerTemplate.id)):
        fits = fitting_statuses(template.title)
        if fits is not None and facts.get("status_code") not in fits:
            continue
        names = {name for _, name, _, _ in string.Formatter().parse(template.body) if name}
        if names <= set(facts):
            offered[template.category].append((template.category, template, filled(template.body, facts)))
    return [suggestion for category in categories for suggestion in offered[category]]
