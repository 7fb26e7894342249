"""The scan check hands a form to keying the moment its check completes with a new account ticked."""

from sqlmodel import select

from mailroom.checkin.models import ScanBatch, ScannedPage
from mailroom.checkin.service import check_in_code, record_check, store_readings
from mailroom.keying.models import KeyingTask
from mailroom.scanning.verdict import FieldResult, State
from templates.loader import default_templates
from tests.factories import SYSTEM
from tests.mailroom.checkin.conftest import ARRIVED_ON, mailed  # noqa: F401 (fixture)


def all_filled(account_choice: str) -> dict[str, FieldResult]:
    """Every box of the form as a careful resident fills it, 受け取る ticked and the account chosen."""
    results = {}
    for name, field in default_templates()["kakuninsho-hikazei"].fields().items():
        if field.kind == "choice":
            chosen = account_choice if name == "account_choice" else field.options[0].value
            options = {o.value: State.filled if o.value == chosen else State.blank for o in field.options}
            results[name] = FieldResult(name, field.kind, State.filled, 0.0, options)
        else:
            state = State.blank if name == "decline" else State.filled
            results[name] = FieldResult(name, field.kind, state, 20.0)
    return results


def check(factory, m, number: int, account_choice: str):
    with factory.session() as session:
        receipt = check_in_code(session=session, actor=SYSTEM, code=m.code(number), arrived_on=ARRIVED_ON).receipt
        batch = ScanBatch(source="scanner", started_by="tests")
        session.add(batch)
        session.flush()
        page = ScannedPage(scan_batch_id=batch.id, receipt_id=receipt.id, municipality_id=receipt.municipality_id,
                           source_name="scan.jpg", role="form", form_id=receipt.form_id, page_number=1)
        session.add(page)
        session.flush()
        store_readings(session=session, receipt=receipt, page=page, fields=all_filled(account_choice))
        verdict = record_check(session=session, actor=SYSTEM, receipt=receipt, pages_present={1, 2},
                               attachment_pages=2)
        session.commit()
        return receipt, verdict


def test_a_complete_form_with_a_new_account_queues_for_keying_when_its_check_completes(factory, mailed):
    m = mailed(2)
    new, verdict = check(factory, m, 0, "new")
    on_file, _ = check(factory, m, 1, "on_file")
    assert verdict.outcome.value == "complete"
    with factory.session() as session:
        queued = session.exec(select(KeyingTask.receipt_id)).all()
    assert queued == [new.id]
