"""The station's three modes: 受付 checks a returned form in, 宛所不明 puts an unopened envelope on the
municipality's list by the code in its window, 補正後の再提出 takes back a form after its 返戻. A code
that does not fit the mode is refused with a line saying which mode fits, and nothing is recorded."""

from datetime import timedelta

import pytest
from sqlmodel import select

from mailroom.checkin.flows import Level, StationMode, parse_mode, scan_at_station, station_counts
from mailroom.checkin.models import Receipt, UndeliverableMail
from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status
from secretariat.core.audit.models import AuditEvent
from secretariat.core.clock import today_jst
from secretariat.core.errors import Conflict, InvalidInput

from .conftest import ARRIVED_ON
from .station_support import household_of, status_of


def scan(factory, actor, mode: StationMode, code: str, arrived_on=ARRIVED_ON):
    with factory.session() as session:
        made = scan_at_station(session=session, actor=actor, mode=mode, code=code, arrived_on=arrived_on)
        session.commit()
        return made


def window_code(mailed, number: int) -> str:
    """The cover letter's code, the one the envelope's window shows."""
    return mailed.code(number, page=0)


def returned(factory, mailed, number: int, operator) -> None:
    """The form came back once, was found deficient and sent back to the resident (返戻)."""
    scan(factory, operator, StationMode.check_in, mailed.code(number))
    with factory.session() as session:
        application = session.exec(select(Application).where(
            Application.household_id == household_of(mailed, number))).one()
    factory.advance(application, Status.checking, Status.deficient, Status.returned)


def test_a_window_code_scanned_as_undeliverable_puts_the_household_on_the_undeliverable_list(factory, mailed):
    m = mailed(1)
    operator = factory.actor("operator")
    made = scan(factory, operator, StationMode.undeliverable, window_code(m, 0))
    assert made.level == Level.accepted and "宛所不明" in made.message
    assert status_of(factory, m, 0) == "undeliverable"
    with factory.session() as session:
        mail = session.exec(select(UndeliverableMail)).one()
        assert (mail.household_id, mail.returned_on, mail.recorded_by) == (household_of(m, 0), ARRIVED_ON,
                                                                           operator.username)
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "station_undeliverable")).one()
        assert (audit.entity, audit.entity_id, audit.username) == ("undeliverable_mail", mail.id, operator.username)
        assert session.exec(select(Receipt)).all() == []


def test_an_undeliverable_envelope_scanned_twice_is_a_warning_and_recorded_once(factory, mailed):
    m = mailed(1)
    operator = factory.actor("operator")
    scan(factory, operator, StationMode.undeliverable, window_code(m, 0))
    again = scan(factory, operator, StationMode.undeliverable, window_code(m, 0))
    assert again.level == Level.warning and "二重読取り" in again.message
    with factory.session() as session:
        assert len(session.exec(select(UndeliverableMail)).all()) == 1


def test_an_envelope_of_a_household_that_already_replied_cannot_be_undeliverable(factory, mailed):
    m = mailed(1)
    operator = factory.actor("operator")
    scan(factory, operator, StationMode.check_in, m.code(0))
    with pytest.raises(Conflict, match="「受付済み」です。宛所不明として記録できるのは「発送済み」"):
        scan(factory, operator, StationMode.undeliverable, window_code(m, 0))
    assert status_of(factory, m, 0) == "received"


def test_a_window_code_scanned_to_check_in_is_refused_and_points_to_the_undeliverable_mode(factory, mailed):
    m = mailed(1)
    with pytest.raises(Conflict, match="F3 で「宛所不明」"):
        scan(factory, factory.actor("operator"), StationMode.check_in, window_code(m, 0))
    assert status_of(factory, m, 0) == "mailed"


def test_a_corrected_form_after_its_return_is_received_again(factory, mailed):
    m = mailed(1)
    operator = factory.actor("operator")
    returned(factory, m, 0, operator)
    made = scan(factory, operator, StationMode.corrected, m.code(0))
    assert made.level == Level.accepted and "修正後の様式" in made.message
    assert made.receipt.arrival == 1
    assert status_of(factory, m, 0) == "received"


def test_a_corrected_form_scanned_twice_is_a_double_scan_not_a_refusal(factory, mailed):
    m = mailed(1)
    operator = factory.actor("operator")
    returned(factory, m, 0, operator)
    scan(factory, operator, StationMode.corrected, m.code(0))
    again = scan(factory, operator, StationMode.corrected, m.code(0))
    assert again.level == Level.warning and "二重読取り" in again.message


def test_a_form_that_was_never_returned_is_refused_as_a_correction_and_nothing_is_recorded(factory, mailed):
    m = mailed(1)
    with pytest.raises(Conflict, match="「発送済み」で、返戻した様式ではありません"):
        scan(factory, factory.actor("operator"), StationMode.corrected, m.code(0))
    assert status_of(factory, m, 0) == "mailed"
    with factory.session() as session:
        assert session.exec(select(Receipt)).all() == []


def test_a_double_scan_at_check_in_is_a_warning(factory, mailed):
    m = mailed(1)
    operator = factory.actor("operator")
    first = scan(factory, operator, StationMode.check_in, m.code(0))
    again = scan(factory, operator, StationMode.check_in, m.code(0))
    assert (first.level, again.level) == (Level.accepted, Level.warning)


def test_an_undeliverable_envelope_cannot_come_back_on_a_future_day(factory, mailed):
    m = mailed(1)
    with pytest.raises(InvalidInput, match="未来の日付"):
        scan(factory, factory.actor("operator"), StationMode.undeliverable, window_code(m, 0),
             arrived_on=today_jst() + timedelta(days=1))


def test_today_s_counts_are_this_operator_s_per_mode_from_what_was_stored(factory, mailed):
    m = mailed(4)
    operator, colleague = factory.actor("operator"), factory.actor("operator")
    scan(factory, operator, StationMode.check_in, m.code(0))
    scan(factory, operator, StationMode.check_in, m.code(0))  # a double scan counts once
    scan(factory, operator, StationMode.undeliverable, window_code(m, 1))
    returned(factory, m, 2, colleague)
    scan(factory, operator, StationMode.corrected, m.code(2))
    scan(factory, colleague, StationMode.check_in, m.code(3))
    with factory.session() as session:
        assert station_counts(session=session, actor=operator) == {
            StationMode.check_in: 1, StationMode.undeliverable: 1, StationMode.corrected: 1}
        assert station_counts(session=session, actor=operator, on=today_jst() - timedelta(days=1)) == {
            StationMode.check_in: 0, StationMode.undeliverable: 0, StationMode.corrected: 0}


def test_an_unknown_mode_is_refused_in_japanese():
    with pytest.raises(InvalidInput, match="受付の種類が正しくありません"):
        parse_mode("teleport")
