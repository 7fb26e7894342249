"""Reminders (督促状): households that have not replied get one letter as the deadline nears."""

from datetime import date

import pypdfium2
import pytest
from sqlmodel import select

from callcenter.forecast.programme import plan_for
from mailroom.checkin.service import check_in_code
from mailroom.printing.models import ReminderLetter, ReminderRun
from mailroom.printing.reminders import print_reminders, record_reminder_mailing
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.errors import Conflict, InvalidInput, PermissionDenied
from secretariat.core.households.models import Household
from secretariat.core.programmes.models import Programme
from tests.factories import SYSTEM

from .conftest import ARRIVED_ON

DEADLINE = date(2027, 2, 28)
TWO_WEEKS_BEFORE = date(2027, 2, 14)


def remind(factory, mailed, tmp_path, on=TWO_WEEKS_BEFORE, actor=SYSTEM):
    with factory.session() as session:
        run = print_reminders(session=session, actor=actor, programme=session.get(Programme, mailed.tenant.programme.id),
                              out_root=tmp_path / "reminders", on=on)
        session.commit()
        return run


def reminded_households(factory, run):
    with factory.session() as session:
        return [letter.household_id for letter in session.exec(
            select(ReminderLetter).where(ReminderLetter.reminder_run_id == run.id).order_by(ReminderLetter.position))]


def test_only_households_that_have_not_replied_get_a_reminder(factory, mailed, tmp_path):
    forms = mailed(households=3)
    with factory.session() as session:
        check_in_code(session=session, actor=SYSTEM, code=forms.code(0), arrived_on=ARRIVED_ON)
        session.commit()
    run = remind(factory, forms, tmp_path)
    assert run.letter_count == 2
    replied = int(forms.form_id(0).split("-H")[1].split("-")[0])
    assert replied not in reminded_households(factory, run)


def test_the_letters_are_one_page_each_in_postal_code_order(factory, mailed, tmp_path):
    forms = mailed(households=4)
    run = remind(factory, forms, tmp_path)
    document = pypdfium2.PdfDocument(f"{run.directory}/{run.letters_file}")
    try:
        assert len(document) == 4
        first_page = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    assert "支給要件確認書のご提出について" in first_page
    assert "当日消印有効" in first_page
    with factory.session() as session:
        postal = [session.get(Household, household).postal_code for household in reminded_households(factory, run)]
    assert postal == sorted(postal)


def test_a_household_is_reminded_once(factory, mailed, tmp_path):
    forms = mailed(households=2)
    assert remind(factory, forms, tmp_path).letter_count == 2
    assert remind(factory, forms, tmp_path, on=date(2027, 2, 20)) is None


def test_reminders_cannot_be_printed_before_the_window_opens(factory, mailed, tmp_path):
    forms = mailed(households=1)
    with pytest.raises(InvalidInput, match="14日前"):
        remind(factory, forms, tmp_path, on=date(2027, 2, 13))


def test_reminders_cannot_be_printed_after_the_deadline(factory, mailed, tmp_path):
    forms = mailed(households=1)
    with pytest.raises(InvalidInput, match="期限切れ"):
        remind(factory, forms, tmp_path, on=date(2027, 3, 1))


def test_a_call_center_agent_cannot_print_reminders(factory, mailed, tmp_path):
    forms = mailed(households=1)
    with pytest.raises(PermissionDenied):
        remind(factory, forms, tmp_path, actor=Actor(username="agent1", role=Role.agent))


def test_a_mailed_reminder_run_is_a_wave_of_the_call_forecast(factory, mailed, tmp_path, monkeypatch):
    forms = mailed(households=3)
    run = remind(factory, forms, tmp_path)
    monkeypatch.setattr("mailroom.printing.reminders.today_jst", lambda: date(2027, 2, 15))
    with factory.session() as session:
        programme = session.get(Programme, forms.tenant.programme.id)
        before = plan_for(session, programme).waves
        record_reminder_mailing(session=session, actor=SYSTEM, run=session.get(ReminderRun, run.id), mailed_on=date(2027, 2, 15))
        session.commit()
        after = plan_for(session, programme).waves
    start = min(date(2026, 11, 20), programme.opens_date)
    assert after == (*before, ((date(2027, 2, 15) - start).days, 3))


def test_a_reminder_run_is_recorded_as_mailed_once(factory, mailed, tmp_path, monkeypatch):
    forms = mailed(households=1)
    run = remind(factory, forms, tmp_path)
    monkeypatch.setattr("mailroom.printing.reminders.today_jst", lambda: date(2027, 2, 16))
    with factory.session() as session:
        record_reminder_mailing(session=session, actor=SYSTEM, run=session.get(ReminderRun, run.id), mailed_on=date(2027, 2, 15))
        session.commit()
        with pytest.raises(Conflict, match="発送済み"):
            record_reminder_mailing(session=session, actor=SYSTEM, run=session.get(ReminderRun, run.id), mailed_on=date(2027, 2, 16))
