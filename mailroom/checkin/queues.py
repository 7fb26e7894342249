"""What waits for the mailroom's operators, counted for the check-in station's links."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from mailroom.checkin.ingest import EXCEPTIONS_LISTED, exception_rows
from mailroom.checkin.models import Receipt, ScannedPage
from mailroom.checkin.service import CHECKERS, REVIEW_LISTED, review_rows
from secretariat.core.auth.actor import Actor


def station_queues(*, session: Session, actor: Actor) -> tuple[int, int]:
    """(receipts waiting for review, pages in the exceptions queue), each as many as its page lists
    (`review_queue`, `exceptions`). The station shows both after every scan, so they are counted in
    one statement without reading the rows."""
    actor.require(*CHECKERS)
    review = review_rows(REVIEW_LISTED).with_only_columns(Receipt.id, Receipt.municipality_id).subquery()
    pages = exception_rows(EXCEPTIONS_LISTED).with_only_columns(ScannedPage.id).subquery()
    waiting = select(func.count()).select_from(review).where(actor.scope(review.c.municipality_id))
    excepted = select(func.count()).select_from(pages)
    return tuple(session.exec(select(waiting.scalar_subquery(), excepted.scalar_subquery())).one())
