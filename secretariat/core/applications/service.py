"""Changing an application's status, and reading its timeline.

`transition` is the one function that changes a status: it consults the state table, moves
the application, and adds the timeline event and the audit row to the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.states import LABELS_JA, MANUAL, TRANSITIONS, Status, parse_status
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.assignments import in_view
from secretariat.core.auth.roles import STATUS_CHANGERS
from secretariat.core.clock import as_utc, utcnow
from secretariat.core.db import bulk_insert
from secretariat.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class IllegalTransition(Conflict):
    def __init__(self, source: Status, target: Status):
        allowed = "、".join(LABELS_JA[s] for s in sorted(TRANSITIONS[source], key=list(Status).index)) \
            or "なし（最終の状態です）"
        super().__init__(f"申請は「{LABELS_JA[source]}（{source.value}）」から「{LABELS_JA[target]}（{target.value}）」"
                         f"には変更できません。「{LABELS_JA[source]}」から変更できるのは: {allowed}")
        self.source = source
        self.target = target


def transition(*, session: Session, application: Application, to: Status | str, actor: Actor,
               reason: str = "", at: datetime | None = None) -> ApplicationEvent:
    """Move `application` to `to`, or raise `IllegalTransition` naming both states.

    Called by the flow that owns the step (`ownership.py`), which has authorised its actor (a
    liaison approves a decision list, an agent records a decline): this checks the tenant and the
    table, and writes the timeline event and the audit row. `at` lets a caller record when the
    step really happened (the arrival date an operator keys in for a form that sat in the post
    room over a weekend); it defaults to now.
    """
    if not actor.can_see(application.municipality_id):
        raise NotFound.of("申請", application.id)
    source = Status(application.status)
    target = parse_status(to) if isinstance(to, str) and not isinstance(to, Status) else Status(to)
    if target not in TRANSITIONS[source]:
        raise IllegalTransition(source, target)
    moment = as_utc(at) if at else utcnow()
    _move(session, application, source, target, moment)
    event = ApplicationEvent(application_id=application.id, municipality_id=application.municipality_id,
                             programme_id=application.programme_id, from_status=source.value,
                             to_status=target.value, actor=actor.username, at=moment, reason=reason.strip()[:500])
    session.add(event)
    record_audit(session=session, actor=actor, action="transition", entity="application",
                 entity_id=application.id, municipality_id=application.municipality_id,
                 detail=f"{source.value}->{target.value}")
    session.flush()
    return event


def _move(session: Session, application: Application, source: Status, target: Status, moment: datetime) -> None:
    """Store the step only if the application is still where this session read it: two people
    taking a step at once (a decline on the phone while the paper form is checked in, two tabs)
    would otherwise both move it and write two timelines. The second is refused, naming why."""
    session.flush()  # the application's own row first (a new one is inserted, other changes stored)
    moved = session.execute(update(Application)
                            .where(Application.id == application.id, Application.status == source.value)
                            .values(status=target.value, status_changed_at=moment)
                            .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise Conflict(f"申請 {application.id} の状態は、読み込んだ後に別の操作で変わりました（「{LABELS_JA[source]}」では"
                       "なくなっています）。画面を更新して、今の状態を確かめてからやり直してください")
    set_committed_value(application, "status", target.value)
    set_committed_value(application, "status_changed_at", moment)


def transition_all(*, session: Session, applications: list[Application], to: Status, actor: Actor,
                   reason: str = "", at: datetime | None = None) -> int:
    """Move many applications to `to` at once (a print run, a mail-out): the same table and
    checks as `transition`, with the timeline events inserted set-based and one audit row.

    All or nothing: if any application may not make the step, none moves.
    """
    target = Status(to)
    for application in applications:
        if not actor.can_see(application.municipality_id):
            raise NotFound.of("申請", application.id)
        if target not in TRANSITIONS[Status(application.status)]:
            raise IllegalTransition(Status(application.status), target)
    moment = as_utc(at) if at else utcnow()
    session.flush()
    events = [dict(application_id=application.id, municipality_id=application.municipality_id,
                   programme_id=application.programme_id, from_status=application.status,
                   to_status=target.value, actor=actor.username, at=moment, reason=reason.strip()[:500])
              for application in applications]
    # One UPDATE by primary key for the lot; the loaded objects are then told their new state
    # as already stored, so no per-object flush repeats it (that made print runs crawl).
    session.execute(update(Application), [dict(id=application.id, status=target.value, status_changed_at=moment)
                                          for application in applications])
    for application in applications:
        set_committed_value(application, "status", target.value)
        set_committed_value(application, "status_changed_at", moment)
    bulk_insert(session, ApplicationEvent.__table__, events)
    if applications:
        record_audit(session=session, actor=actor, action="transition", entity="application",
                     municipality_id=applications[0].municipality_id,
                     detail=f"{len(applications)} applications ->{target.value}")
    return len(applications)


def get_application(*, session: Session, actor: Actor, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None or not in_view(session, actor, application.municipality_id, application.programme_id):
        raise NotFound.of("申請", application_id)
    return application


def application_for_household(*, session: Session, household_id: int) -> Application | None:
    return session.exec(select(Application).where(Application.household_id == household_id)).first()


def timeline(*, session: Session, application_id: int) -> list[ApplicationEvent]:
    """An application's steps in the order they were taken (each one's from-state is the one before's
    to-state). Not by `at`: a step may be stamped with the day it stands for (a form's arrival day at
    09:00) after a later step already happened at 06:04, and sorting by the stamp put 審査中 before 受付済み."""
    query = (select(ApplicationEvent).where(ApplicationEvent.application_id == application_id)
             .order_by(ApplicationEvent.id))
    return list(session.exec(query))


def next_states(application: Application) -> list[Status]:
    """The states an application may be moved to by hand (the manual steps), in the table's order."""
    source = Status(application.status)
    return sorted((target for target in TRANSITIONS[source] if (source, target) in MANUAL), key=list(Status).index)


def manual_transition(*, session: Session, actor: Actor, application: Application, to: Status | str,
                      reason: str) -> ApplicationEvent:
    """A step taken by hand on the generic status route: only a manual step of the table, by staff
    who may move states, with a reason. Every other step is its flow's, on its own page."""
    if actor.role not in STATUS_CHANGERS:
        raise PermissionDenied("申請の状態を手作業で変えられるのは事務局の職員だけです")
    if not actor.can_see(application.municipality_id):
        raise NotFound.of("申請", application.id)
    source = Status(application.status)
    target = parse_status(to) if isinstance(to, str) and not isinstance(to, Status) else Status(to)
    if (source, target) not in MANUAL:
        if target not in TRANSITIONS[source]:
            raise IllegalTransition(source, target)
        raise Conflict(f"「{LABELS_JA[source]}」から「{LABELS_JA[target]}」への変更は、その手続きの画面で行います"
                       f"（手作業では変更できません）")
    if not reason.strip():
        raise InvalidInput("手作業で状態を変える理由を入力してください")
    return transition(session=session, application=application, to=target, actor=actor, reason=reason)
