"""The check-in station's links say how many receipts wait for review and how many pages wait in the
exceptions queue: as many as those pages list, counted without reading the rows."""

from datetime import date, datetime, timezone

from mailroom.checkin.ingest import EXCEPTIONS_LISTED, exceptions
from mailroom.checkin.models import Receipt, ScanBatch, ScannedPage
from mailroom.checkin.queues import station_queues
from mailroom.checkin.service import review_queue


def waiting_work(factory, *, review: int, settled: int, exception_pages: int, resolved: int) -> None:
    tenant = factory.tenant(households=review + settled)
    with factory.session() as session:
        for index, household in enumerate(tenant.households):
            session.add(Receipt(municipality_id=household.municipality_id, programme_id=household.programme_id,
                                household_id=household.id, form_id=f"F{household.id:07d}", arrived_on=date(2026, 12, 2),
                                received_by="tests", outcome="review" if index < review else "complete"))
        batch = ScanBatch(source="tests", started_by="tests")
        session.add(batch)
        session.flush()
        for index in range(exception_pages + resolved):
            session.add(ScannedPage(scan_batch_id=batch.id, source_name=f"p{index}.png", role="exception",
                                    resolved_at=datetime(2026, 12, 2, tzinfo=timezone.utc) if index < resolved else None))
        session.commit()


def test_the_station_counts_the_receipts_waiting_for_review_and_the_unresolved_exceptions(factory):
    waiting_work(factory, review=3, settled=2, exception_pages=4, resolved=1)
    with factory.session() as session:
        assert station_queues(session=session, actor=factory.actor("operator")) == (3, 4)


def test_the_station_counts_no_more_than_the_queues_list(factory):
    waiting_work(factory, review=0, settled=0, exception_pages=EXCEPTIONS_LISTED + 2, resolved=0)
    operator = factory.actor("operator")
    with factory.session() as session:
        listed = (len(review_queue(session=session, actor=operator)), len(exceptions(session=session, actor=operator)))
        assert station_queues(session=session, actor=operator) == listed == (0, EXCEPTIONS_LISTED)
