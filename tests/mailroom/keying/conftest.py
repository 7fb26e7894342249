"""Forms whose check completed with 新しい口座 ticked, each with its boxes' crops, ready to key."""

from datetime import date
from pathlib import Path

import cv2
import numpy
import pytest

from mailroom.checkin.models import FieldReading, Receipt, ScanBatch, ScannedPage
from mailroom.keying.flows import enqueue
from secretariat.core.applications.states import Status
from tests.factories import SYSTEM

# What the residents wrote in the boxes, drawn into the crops for the operator to read.
WRITTEN = {"bank_name": "0001", "branch_name": "001", "account_number": "1234567",
           "account_holder_kana": "YAMADA TARO", "phone": "0432001234"}
CHOICES = {"account_choice": {"on_file": "blank", "new": "filled"},
           "account_type": {"ordinary": "filled", "current": "blank"}}


def crop(folder: Path, name: str, text: str) -> str:
    image = numpy.full((120, 700), 255, numpy.uint8)
    cv2.putText(image, text, (20, 80), cv2.FONT_HERSHEY_SIMPLEX, 2, 0, 3)
    path = folder / f"{name}.png"
    cv2.imwrite(str(path), image)
    return str(path)


@pytest.fixture
def checked_form(factory, tmp_path):
    """checked_form(tenant, number=0, new_account=True) -> Receipt: a counted form of household `number`,
    checked complete, with a crop per box; the keying task is enqueued as the scan check does."""

    def make(tenant, number: int = 0, new_account: bool = True) -> Receipt:
        household = tenant.households[number]
        factory.advance(tenant.applications[number], Status.printed, Status.mailed, Status.received, Status.checking,
                        Status.complete)
        folder = tmp_path / f"crops-{household.id}"
        folder.mkdir()
        with factory.session() as session:
            batch = ScanBatch(source="scanner", started_by="tests")
            session.add(batch)
            session.flush()
            receipt = Receipt(municipality_id=household.municipality_id, programme_id=household.programme_id,
                              household_id=household.id, form_id=f"F-H{household.id}", arrived_on=date(2026, 12, 5),
                              received_by="tests", scan_batch_id=batch.id, outcome="complete", page_count=2)
            session.add(receipt)
            session.flush()
            page = ScannedPage(scan_batch_id=batch.id, receipt_id=receipt.id, municipality_id=receipt.municipality_id,
                               source_name="scan-00001.jpg", role="form", form_id=receipt.form_id, page_number=1)
            session.add(page)
            session.flush()
            for name, text in WRITTEN.items():
                session.add(FieldReading(receipt_id=receipt.id, scanned_page_id=page.id,
                                         municipality_id=receipt.municipality_id, field=name, kind="text",
                                         machine_state="filled", crop_path=crop(folder, name, text)))
            for name, options in CHOICES.items():
                for option, state in options.items():
                    if name == "account_choice" and not new_account:
                        state = "filled" if option == "on_file" else "blank"
                    session.add(FieldReading(receipt_id=receipt.id, scanned_page_id=page.id,
                                             municipality_id=receipt.municipality_id, field=name, option=option,
                                             kind="choice", machine_state=state,
                                             crop_path=crop(folder, f"{name}-{option}",
                                                            "X" if state == "filled" else "")))
            session.flush()
            enqueue(session=session, actor=SYSTEM, receipt=receipt)
            session.commit()
            return receipt

    return make
