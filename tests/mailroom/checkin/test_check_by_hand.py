"""目視審査: a form checked in without a scan is judged from the paper by an operator, with the same
rules, codes and next steps as a scanned form."""

import pytest
from sqlmodel import select

from mailroom.checkin.by_hand import check_by_hand
from mailroom.checkin.models import UNREAD, DeficiencyRecord, FieldReading, Receipt
from mailroom.checkin.service import check_in_code
from mailroom.keying.models import KeyingTask
from mailroom.scanning.verdict import Outcome
from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status
from secretariat.core.audit.models import AuditEvent
from secretariat.core.auth.roles import Role
from secretariat.core.errors import Conflict, InvalidInput, NotFound

from .conftest import ARRIVED_ON

COMPLETE = {"confirm_tax_exempt", "confirm_not_dependent", "receive", "account_choice=on_file", "phone",
            "signed_date", "signature", "attach_id"}


def checked_in(factory, mailed):
    """Household 0's form checked in at a handheld station: received, not yet judged."""
    with factory.session() as session:
        receipt = check_in_code(session=session, actor=factory.actor(Role.operator), code=mailed.code(0),
                                arrived_on=ARRIVED_ON).receipt
        session.commit()
        return receipt


def judge(factory, receipt, ticked, attachments=1, actor=None):
    with factory.session() as session:
        actor = actor or factory.actor(Role.operator)
        verdict = check_by_hand(session=session, actor=actor, receipt=session.get(Receipt, receipt.id),
                                ticked=ticked, attachment_pages=attachments)
        session.commit()
        application = session.exec(select(Application).where(Application.household_id == receipt.household_id)).one()
        return verdict, application


def test_a_complete_form_judged_by_hand_completes_the_application(factory, mailed):
    receipt = checked_in(factory, mailed(1))
    verdict, application = judge(factory, receipt, COMPLETE)
    assert verdict.outcome == Outcome.complete
    assert application.status == Status.complete.value


def test_the_operators_ticks_are_stored_as_confirmed_readings_with_no_scanned_page(factory, mailed):
    receipt = checked_in(factory, mailed(1))
    judge(factory, receipt, COMPLETE)
    with factory.session() as session:
        readings = session.exec(select(FieldReading).where(FieldReading.receipt_id == receipt.id)).all()
        assert readings and all(r.scanned_page_id is None and r.machine_state == UNREAD for r in readings)
        assert {r.field for r in readings if r.state == "filled"} == {key.split("=")[0] for key in COMPLETE}
        assert not any(r.overridden for r in readings)
        assert all(r.confirmed_by.startswith("operator") for r in readings)


def test_a_box_left_blank_gives_the_same_deficiency_code_as_a_scan(factory, mailed):
    receipt = checked_in(factory, mailed(1))
    verdict, application = judge(factory, receipt, COMPLETE - {"signature"})
    assert application.status == Status.deficient.value
    with factory.session() as session:
        codes = session.exec(select(DeficiencyRecord.code).where(DeficiencyRecord.receipt_id == receipt.id)).all()
    assert codes == [d.code for d in verdict.deficiencies] and any("signature" in code for code in codes)


def test_a_missing_attachment_is_a_deficiency(factory, mailed):
    receipt = checked_in(factory, mailed(1))
    verdict, _ = judge(factory, receipt, COMPLETE, attachments=0)
    assert verdict.outcome == Outcome.deficient


def test_a_box_the_form_does_not_have_is_refused_by_name_and_nothing_is_stored(factory, mailed):
    receipt = checked_in(factory, mailed(1))
    with pytest.raises(InvalidInput, match="favourite_colour"):
        judge(factory, receipt, COMPLETE | {"favourite_colour"})
    with factory.session() as session:
        assert session.exec(select(FieldReading).where(FieldReading.receipt_id == receipt.id)).all() == []


def test_a_form_already_read_cannot_be_judged_twice(factory, mailed):
    receipt = checked_in(factory, mailed(1))
    judge(factory, receipt, COMPLETE - {"phone"})
    with pytest.raises(Conflict):
        judge(factory, receipt, COMPLETE)


def test_a_new_account_written_on_the_paper_queues_for_keying(factory, mailed):
    receipt = checked_in(factory, mailed(1))
    ticked = COMPLETE - {"account_choice=on_file"} | {"account_choice=new", "bank_name", "branch_name",
                                                      "account_type=ordinary", "account_number",
                                                      "account_holder_kana", "attach_bank"}
    _, application = judge(factory, receipt, ticked, attachments=2)
    assert application.status == Status.complete.value
    with factory.session() as session:
        assert session.exec(select(KeyingTask).where(KeyingTask.receipt_id == receipt.id)).first() is not None


def test_a_decline_ticked_alone_declines(factory, mailed):
    receipt = checked_in(factory, mailed(1))
    _, application = judge(factory, receipt, COMPLETE - {"receive"} | {"decline"})
    assert application.status == Status.declined.value


def test_an_operator_of_the_secretariat_is_audited_when_judging_by_hand(factory, mailed):
    receipt = checked_in(factory, mailed(1))
    judge(factory, receipt, COMPLETE)
    with factory.session() as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "check_by_hand",
                                                     AuditEvent.entity_id == receipt.id)).first() is not None


def test_a_liaison_cannot_judge_forms(factory, mailed):
    data = mailed(1)
    receipt = checked_in(factory, data)
    from secretariat.core.errors import PermissionDenied

    with pytest.raises((PermissionDenied, NotFound)):
        judge(factory, receipt, COMPLETE, actor=factory.actor(Role.liaison, data.tenant.municipality))


def test_mailroom_check_by_hand_judges_a_checked_in_form_from_the_command_line(factory, mailed, cli):
    data = mailed(1)
    assert cli("mailroom", "checkin", data.code(0), "--arrived", ARRIVED_ON.isoformat()).exit_code == 0
    result = cli("mailroom", "check-by-hand", data.code(0), "--filled", ",".join(sorted(COMPLETE - {"phone"})),
                 "--attachments", "1")
    assert result.exit_code == 0, result.output
    assert "不備" in result.stdout
    with factory.session() as session:
        application = session.get(Application, data.tenant.applications[0].id)
        assert application.status == Status.deficient.value


def test_a_form_checked_in_before_nine_and_judged_is_received_before_it_is_checked(factory, mailed):
    """The early shift (07:00) checks in and judges the morning's post: the timeline must not put
    受付 after 審査 by stamping the arrival at the office day's start."""
    from datetime import datetime, time

    from secretariat.core.applications.models import ApplicationEvent
    from secretariat.core.clock import JST, replaying_at, today_jst

    data = mailed(1)
    with replaying_at(datetime.combine(today_jst(), time(7), JST)):
        with factory.session() as session:
            receipt = check_in_code(session=session, actor=factory.actor(Role.operator), code=data.code(0),
                                    arrived_on=today_jst()).receipt
            session.commit()
        judge(factory, receipt, COMPLETE)
    with factory.session() as session:
        events = session.exec(select(ApplicationEvent).where(ApplicationEvent.application_id ==
                                                             data.tenant.applications[0].id)
                              .order_by(ApplicationEvent.at, ApplicationEvent.id)).all()
    judged = [e.to_status for e in events if e.to_status in ("received", "checking", "complete")]
    assert judged == ["received", "checking", "complete"]
