"""Working the exceptions queue: a page is attached to the form it belongs to (and the form's check
runs again with it), dismissed with a reason, or checked again by the machine."""

import pytest
from sqlmodel import select

from mailroom.checkin.flows import attach_exception, dismiss_exception, exception_page, recheck_exception
from mailroom.checkin.ingest import exceptions, ingest_folder
from mailroom.checkin.models import Receipt, ScannedPage
from mailroom.scanning.images import ScanLimits
from secretariat.core.applications.models import Application
from secretariat.core.audit.models import AuditEvent
from secretariat.core.errors import Conflict, InvalidInput, PermissionDenied
from tests.factories import SYSTEM

from .conftest import ARRIVED_ON
from .station_support import id_copy


def ingest(factory, folder, store, limits=None):
    with factory.session() as session:
        options = {"limits": limits} if limits else {}
        batch = ingest_folder(session=session, actor=SYSTEM, folder=folder, store_root=store, arrived_on=ARRIVED_ON,
                              **options)
        session.commit()
        return batch.id


def the_exception(factory) -> int:
    with factory.session() as session:
        return [page.id for page in exceptions(session=session, actor=SYSTEM)][-1]


@pytest.fixture
def form_without_its_copy(factory, mailed, scanner, plan, tmp_path):
    """A form checked deficient for its missing ID copy, and the copy in the exceptions queue."""
    m = mailed(1)
    ingest(factory, scanner(m, 0, plan, attachments=0), tmp_path / "store")
    ingest(factory, id_copy(tmp_path / "later"), tmp_path / "store")
    return m


def status_of(factory, form_id: str) -> str:
    with factory.session() as session:
        receipt = session.exec(select(Receipt).where(Receipt.form_id == form_id)).one()
        return session.exec(select(Application).where(Application.household_id == receipt.household_id)).one().status


def test_an_id_copy_attached_to_its_deficient_form_makes_the_form_complete(factory, form_without_its_copy):
    m = form_without_its_copy
    assert status_of(factory, m.form_id(0)) == "deficient"
    operator = factory.actor("operator")
    with factory.session() as session:
        page = exception_page(session=session, actor=operator, scanned_page_id=the_exception(factory))
        attached = attach_exception(session=session, actor=operator, page=page, code=m.code(0))
        session.commit()
    assert attached.verdict.outcome == "complete" and attached.verdict.deficiencies == []
    assert status_of(factory, m.form_id(0)) == "complete"
    with factory.session() as session:
        filed = session.get(ScannedPage, attached.page.id)
        assert (filed.role, filed.receipt_id, filed.resolved_by) == ("attachment", attached.receipt.id,
                                                                     operator.username)
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "exception_attach")).one().entity_id == filed.id
        assert exceptions(session=session, actor=operator) == []


def test_a_page_can_be_attached_by_the_form_number_typed_by_hand(factory, form_without_its_copy):
    m = form_without_its_copy
    operator = factory.actor("operator")
    with factory.session() as session:
        page = exception_page(session=session, actor=operator, scanned_page_id=the_exception(factory))
        attached = attach_exception(session=session, actor=operator, page=page, code=f" {m.form_id(0)} ")
        session.commit()
    assert attached.receipt.form_id == m.form_id(0)


def test_a_page_cannot_be_attached_to_a_form_not_yet_checked_in(factory, mailed, tmp_path):
    m = mailed(1)
    ingest(factory, id_copy(tmp_path / "alone"), tmp_path / "store")
    operator = factory.actor("operator")
    with factory.session() as session:
        page = exception_page(session=session, actor=operator, scanned_page_id=the_exception(factory))
        with pytest.raises(Conflict, match="まだ受付されていません"):
            attach_exception(session=session, actor=operator, page=page, code=m.code(0))


def test_an_exception_is_dismissed_only_with_a_reason(factory, mailed, tmp_path):
    ingest(factory, id_copy(tmp_path / "alone"), tmp_path / "store")
    operator = factory.actor("operator")
    page_id = the_exception(factory)
    with factory.session() as session:
        page = exception_page(session=session, actor=operator, scanned_page_id=page_id)
        with pytest.raises(InvalidInput, match="理由を選んでください"):
            dismiss_exception(session=session, actor=operator, page=page, reason="")
        with pytest.raises(InvalidInput, match="メモに書いてください"):
            dismiss_exception(session=session, actor=operator, page=page, reason="other", note="  ")
        dismiss_exception(session=session, actor=operator, page=page, reason="foreign")
        session.commit()
    with factory.session() as session:
        assert session.get(ScannedPage, page_id).resolved_by == operator.username
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "exception_dismiss")).one()
        assert (audit.entity_id, audit.detail) == (page_id, "reason=foreign")
        with pytest.raises(Conflict, match="処理済み"):
            exception_page(session=session, actor=operator, scanned_page_id=page_id)


def test_a_batch_refused_under_a_tight_scan_limit_is_filed_when_checked_again(factory, mailed, scanner, plan,
                                                                              tmp_path):
    m = mailed(1)
    ingest(factory, scanner(m, 0, plan, attachments=1), tmp_path / "store",
           limits=ScanLimits(max_pixels=1_000_000, max_side=12_000, max_pages=500))
    with factory.session() as session:
        held = exceptions(session=session, actor=SYSTEM)
        assert {page.error_code for page in held} == {"too_many_pixels"}
    operator = factory.actor("operator")
    with factory.session() as session:
        page = exception_page(session=session, actor=operator, scanned_page_id=held[0].id)
        batch = recheck_exception(session=session, actor=operator, page=page, store_root=tmp_path / "store")
        session.commit()
    assert batch is not None and batch.form_count == 1
    with factory.session() as session:
        assert session.exec(select(Receipt).where(Receipt.form_id == m.form_id(0))).one().outcome == "complete"
        assert exceptions(session=session, actor=operator) == []


def test_a_check_run_again_that_still_cannot_file_the_page_changes_nothing(factory, mailed, tmp_path):
    ingest(factory, id_copy(tmp_path / "alone"), tmp_path / "store")
    operator = factory.actor("operator")
    page_id = the_exception(factory)
    with factory.session() as session:
        page = exception_page(session=session, actor=operator, scanned_page_id=page_id)
        assert recheck_exception(session=session, actor=operator, page=page, store_root=tmp_path / "store") is None
        session.commit()
    with factory.session() as session:
        assert [page.id for page in exceptions(session=session, actor=operator)] == [page_id]


def test_a_liaison_cannot_open_an_exception(factory, mailed, tmp_path):
    m = mailed(1)
    ingest(factory, id_copy(tmp_path / "alone"), tmp_path / "store")
    liaison = factory.actor("liaison", municipality=m.tenant.municipality)
    with factory.session() as session, pytest.raises(PermissionDenied):
        exception_page(session=session, actor=liaison, scanned_page_id=the_exception(factory))
