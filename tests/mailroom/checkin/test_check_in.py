from datetime import date

import pytest
from sqlmodel import select

from mailroom.checkin.models import Receipt
from mailroom.checkin.service import check_in_code, record_undeliverable, undeliverable_list
from mailroom.printing.runs import reissue
from secretariat.core.applications.models import Application
from secretariat.core.errors import Conflict, InvalidInput, PermissionDenied
from secretariat.core.households.models import Household
from secretariat.core.programmes.models import Programme
from tests.factories import SYSTEM

from .conftest import ARRIVED_ON


def status_of(factory, mailed, number: int) -> str:
    household_id = int(mailed.form_id(number).split("-H")[1].split("-")[0])
    with factory.session() as session:
        return session.exec(select(Application).where(Application.household_id == household_id)).one().status


def scan_code(factory, code: str, **options):
    with factory.session() as session:
        arrival = check_in_code(session=session, actor=SYSTEM, code=code, arrived_on=ARRIVED_ON, **options)
        session.commit()
        return arrival


def test_scanning_a_form_s_code_records_its_receipt_and_moves_the_application_to_received(factory, mailed):
    m = mailed(1)
    arrival = scan_code(factory, m.code(0))
    assert arrival.new and arrival.receipt.counted and not arrival.receipt.flagged
    assert arrival.receipt.arrived_on == ARRIVED_ON
    assert status_of(factory, m, 0) == "received"


def test_a_double_scan_finds_the_same_receipt_and_counts_nothing_twice(factory, mailed):
    m = mailed(1)
    first = scan_code(factory, m.code(0))
    again = scan_code(factory, m.code(0, page=2))
    assert not again.new and again.receipt.id == first.receipt.id
    with factory.session() as session:
        assert len(session.exec(select(Receipt)).all()) == 1


def test_a_voided_form_is_recognised_and_flagged_without_moving_the_application(factory, mailed, tmp_path):
    m = mailed(1)
    old_code = m.code(0)
    with factory.session() as session:
        household = session.get(Household, int(m.form_id(0).split("-H")[1].split("-")[0]))
        reissue(session=session, actor=SYSTEM, household=household, out_dir=tmp_path / "reissue")
        session.commit()
    arrival = scan_code(factory, old_code)
    assert arrival.receipt.voided_form and not arrival.receipt.counted
    assert "無効" in arrival.message
    assert status_of(factory, m, 0) == "mailed"


def test_a_second_form_for_the_same_household_is_flagged_for_review_never_counted_twice(factory, mailed, tmp_path):
    m = mailed(1)
    scan_code(factory, m.code(0))
    with factory.session() as session:
        household = session.get(Household, int(m.form_id(0).split("-H")[1].split("-")[0]))
        new_form = reissue(session=session, actor=SYSTEM, household=household, out_dir=tmp_path / "r").form
        session.commit()
    from mailroom.printing.page_code import PageCode

    second = scan_code(factory, PageCode(form_id=new_form.form_id, household_id=household.id, page=1,
                                         template="kakuninsho-hikazei@1").text)
    assert second.receipt.duplicate and not second.receipt.counted


def test_a_form_arriving_after_the_deadline_is_flagged_late(factory, mailed):
    m = mailed(1)
    with factory.session() as session:
        programme = session.get(Programme, m.tenant.programme.id)
        programme.deadline_date = date(2026, 11, 20)
        session.add(programme)
        session.commit()
    arrival = scan_code(factory, m.code(0))
    assert arrival.receipt.late and "期限" in arrival.message


def test_a_mistyped_code_is_refused_by_its_check(factory, mailed):
    m = mailed(1)
    with pytest.raises(InvalidInput, match="検査文字が合いません"):
        scan_code(factory, m.code(0)[:-1] + ("0" if m.code(0)[-1] != "0" else "1"))


def test_a_municipal_liaison_cannot_check_forms_in(factory, mailed):
    m = mailed(1)
    liaison = factory.actor("liaison", m.tenant.municipality)
    with factory.session() as session, pytest.raises(PermissionDenied):
        check_in_code(session=session, actor=liaison, code=m.code(0), arrived_on=ARRIVED_ON)


def test_an_envelope_back_undelivered_puts_the_household_on_the_municipality_s_list(factory, mailed):
    m = mailed(2)
    with factory.session() as session:
        mail = record_undeliverable(session=session, actor=SYSTEM, code=m.code(1, page=0), returned_on=ARRIVED_ON)
        session.commit()
        listed = undeliverable_list(session=session, actor=SYSTEM, programme=session.get(Programme, m.tenant.programme.id))
    assert [x.form_id for x in listed] == [m.form_id(1)] and mail.reason.startswith("あて所")
    assert status_of(factory, m, 1) == "undeliverable"


def test_an_envelope_cannot_come_back_undelivered_once_its_form_has_arrived(factory, mailed):
    m = mailed(1)
    scan_code(factory, m.code(0))
    with factory.session() as session, pytest.raises(Conflict):
        record_undeliverable(session=session, actor=SYSTEM, code=m.code(0, page=0))
