"""A decline written on the returned form (辞退 ticked, 受け取る not) is recorded with the scanned page
as evidence; both boxes ticked, or neither, is a deficiency of the form."""

from sqlmodel import select

from mailroom.checkin.models import ScanBatch, ScannedPage
from mailroom.checkin.service import check_in_code, record_check, store_readings
from mailroom.scanning.verdict import FieldResult, Outcome, State
from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.states import Status
from secretariat.core.audit.models import AuditEvent
from templates.loader import default_templates
from tests.factories import SYSTEM

from .conftest import ARRIVED_ON

FILLED_IN = {"confirm_tax_exempt", "confirm_not_dependent", "phone", "signed_date", "signature", "attach_id"}


def readings(page, ticked: set[str], left_blank: set[str]) -> dict[str, FieldResult]:
    """A page of the form as the machine would read it: `ticked` and the usual answers (but those
    `left_blank`) filled, the account left on file, everything else blank."""
    results = {}
    for item in page.fields:
        if item.options:
            chosen = {"account_choice": "on_file"}.get(item.name)
            options = {o.value: State.filled if o.value == chosen else State.blank for o in item.options}
            results[item.name] = FieldResult(item.name, item.kind, State.filled if chosen else State.blank, 0.0,
                                             options)
        else:
            filled = item.name in ticked or item.name in FILLED_IN - left_blank
            results[item.name] = FieldResult(item.name, item.kind, State.filled if filled else State.blank,
                                             5.0 if filled else 0.0)
    return results


def check_form(factory, mailed, ticked: set[str], left_blank: set[str] = frozenset()):
    """Check household 0's form in and record its check with these boxes ticked; returns
    (application, verdict, the scanned page of page 1)."""
    template = default_templates()["kakuninsho-hikazei"]
    with factory.session() as session:
        receipt = check_in_code(session=session, actor=SYSTEM, code=mailed.code(0), arrived_on=ARRIVED_ON).receipt
        batch = ScanBatch(source="test", started_by="test")
        session.add(batch)
        session.flush()
        scanned = {}
        for page in template.pages:
            scanned[page.number] = ScannedPage(scan_batch_id=batch.id, receipt_id=receipt.id,
                                               municipality_id=receipt.municipality_id, source_name=f"p{page.number}",
                                               role="form", form_id=receipt.form_id, page_number=page.number)
            session.add(scanned[page.number])
            session.flush()
            store_readings(session=session, receipt=receipt, page=scanned[page.number],
                           fields=readings(page, ticked, left_blank))
        verdict = record_check(session=session, actor=SYSTEM, receipt=receipt, pages_present={1, 2},
                               attachment_pages=1)
        session.commit()
        application = session.exec(select(Application).where(Application.household_id == receipt.household_id)).one()
        return application, verdict, scanned[1], receipt


def test_a_form_with_only_decline_ticked_moves_the_application_to_declined(factory, mailed):
    application, verdict, _, _ = check_form(factory, mailed(1), {"decline"})
    assert verdict.outcome == Outcome.complete
    assert application.status == Status.declined.value


def test_a_paper_decline_names_the_form_and_the_scanned_page_on_the_timeline_and_in_the_audit(factory, mailed):
    application, _, page, receipt = check_form(factory, mailed(1), {"decline"})
    with factory.session() as session:
        event = session.exec(select(ApplicationEvent).where(ApplicationEvent.application_id == application.id,
                                                            ApplicationEvent.to_status == Status.declined)).one()
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "decline_on_paper")).one()
    assert event.reason == f"書面で辞退（返送用紙 {receipt.form_id}、読取画像 {page.id}）"
    assert (audit.entity, audit.entity_id) == ("receipt", receipt.id)
    assert f"scanned_page={page.id}" in audit.detail


def test_a_form_with_both_receive_and_decline_ticked_is_deficient(factory, mailed):
    application, verdict, _, _ = check_form(factory, mailed(1), {"receive", "decline"})
    assert [d.code for d in verdict.deficiencies] == ["both_of:receive+decline"]
    assert application.status == Status.deficient.value


def test_a_form_with_neither_box_ticked_is_deficient(factory, mailed):
    application, verdict, _, _ = check_form(factory, mailed(1), set())
    assert [d.code for d in verdict.deficiencies] == ["none_of:receive+decline"]
    assert application.status == Status.deficient.value


def test_a_form_with_only_receive_ticked_is_complete(factory, mailed):
    application, verdict, _, _ = check_form(factory, mailed(1), {"receive"})
    assert verdict.outcome == Outcome.complete
    assert application.status == Status.complete.value


def test_a_declining_form_without_its_signature_goes_back_rather_than_declining(factory, mailed):
    application, verdict, _, _ = check_form(factory, mailed(1), {"decline"}, left_blank={"signature"})
    assert [d.code for d in verdict.deficiencies] == ["blank:signature"]
    assert application.status == Status.deficient.value
