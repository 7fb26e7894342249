"""Letter runs (push notices by letter, gift-code letters): the print room lists them beside reminder
runs, serves their PDF and records the day they went to the post office, once, audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from mailroom.printing.letters import GIFTCODE, PUSH_NOTICE, letters_path, open_letter_run, record_letter_mailing
from mailroom.printing.models import Letter, LetterRun
from secretariat.core.audit.models import AuditEvent
from secretariat.core.clock import today_jst
from secretariat.core.errors import Conflict, InvalidInput
from tests.conftest import csrf_from, log_in
from tests.factories import SYSTEM

PRINTED_ON = date(2026, 11, 24)
PDF = b"%PDF-1.4\n% letters\n"


@pytest.fixture
def printed(factory, tmp_path):
    """A run of gift-code letters to a tenant's three households, printed on PRINTED_ON: (tenant, run id)."""
    tenant = factory.tenant(households=3)
    with factory.session() as session:
        run = open_letter_run(session=session, actor=SYSTEM, programme=session.merge(tenant.programme), kind=GIFTCODE,
                              out_root=tmp_path / "letters", household_ids=[h.id for h in tenant.households],
                              on=PRINTED_ON)
        letters_path(run).write_bytes(PDF)
        session.commit()
        return tenant, run.id


def mail(factory, run_id: int, on: date) -> int:
    with factory.session() as session:
        count = record_letter_mailing(session=session, actor=SYSTEM, run=session.get(LetterRun, run_id), mailed_on=on)
        session.commit()
        return count


def test_a_letter_run_holds_one_letter_per_household_in_the_order_given(factory, printed):
    tenant, run_id = printed
    with factory.session() as session:
        letters = session.exec(select(Letter.household_id).where(Letter.letter_run_id == run_id)
                               .order_by(Letter.position)).all()
        run = session.get(LetterRun, run_id)
    assert letters == [h.id for h in tenant.households] and run.letter_count == 3 and run.kind == GIFTCODE


def test_an_unknown_kind_of_letter_is_refused(factory, tmp_path):
    tenant = factory.tenant(households=1)
    with factory.session() as session, pytest.raises(InvalidInput, match="手紙の種類"):
        open_letter_run(session=session, actor=SYSTEM, programme=session.merge(tenant.programme), kind="flyer",
                        out_root=tmp_path, household_ids=[tenant.households[0].id])


def test_recording_the_mailing_date_stores_the_date_and_count_and_is_audited(factory, printed):
    _tenant, run_id = printed
    assert mail(factory, run_id, PRINTED_ON + timedelta(days=1)) == 3
    with factory.session() as session:
        run = session.get(LetterRun, run_id)
        audited = session.exec(select(AuditEvent).where(AuditEvent.action == "mail_letters")).one()
    assert (run.mailed_date, run.mailed_count) == (PRINTED_ON + timedelta(days=1), 3)
    assert (audited.entity, audited.entity_id) == ("letter_run", run_id)


def test_the_mailing_date_is_recorded_only_once(factory, printed):
    _tenant, run_id = printed
    mail(factory, run_id, PRINTED_ON)
    with pytest.raises(Conflict, match="発送済み"):
        mail(factory, run_id, PRINTED_ON + timedelta(days=1))


def test_a_mailing_date_before_printing_is_refused(factory, printed):
    _tenant, run_id = printed
    with pytest.raises(InvalidInput, match="印刷日"):
        mail(factory, run_id, PRINTED_ON - timedelta(days=1))


def test_a_mailing_date_in_the_future_is_refused(factory, printed):
    _tenant, run_id = printed
    with pytest.raises(InvalidInput, match="未来"):
        mail(factory, run_id, today_jst() + timedelta(days=1))


def test_the_print_room_lists_the_run_serves_its_pdf_and_records_its_mailing_date(client, factory, printed):
    tenant, run_id = printed
    log_in(client, factory.user("operator").username)
    page = client.get("/print")
    assert f'data-letter-run="{run_id}"' in page.text and "デジタルギフトのお知らせ" in page.text
    assert f'action="/print/letters/{run_id}/mailed"' in page.text
    assert client.get(f"/print/letters/{run_id}/letters.pdf").content == PDF
    mailed = client.post(f"/print/letters/{run_id}/mailed", data={"csrf_token": csrf_from(page.text),
                                                                 "mailed_on": PRINTED_ON.isoformat()},
                         follow_redirects=False)
    assert mailed.status_code == 303 and mailed.headers["location"] == f"/print#letters-{tenant.programme.id}"
    with factory.session() as session:
        assert session.get(LetterRun, run_id).mailed_date == PRINTED_ON


def test_the_commands_list_letter_runs_and_record_the_mailing_date(cli, factory, printed):
    tenant, run_id = printed
    listed = cli("print", "letters", "--programme", tenant.programme.id)
    assert listed.exit_code == 0 and f"手紙の印刷 {run_id}（デジタルギフトのお知らせ（{GIFTCODE}））" in listed.output
    mailed = cli("print", "letters-mailed", "--run", run_id, "--date", PRINTED_ON.isoformat())
    assert mailed.exit_code == 0 and f"3 通の発送日を {PRINTED_ON.isoformat()} と記録しました" in mailed.output
    again = cli("print", "letters-mailed", "--run", run_id, "--date", PRINTED_ON.isoformat())
    assert again.exit_code == 1 and "発送済み" in again.output


def test_a_push_notice_run_is_named_in_japanese_on_the_print_room_page(client, factory, tmp_path):
    tenant = factory.tenant(households=1)
    with factory.session() as session:
        open_letter_run(session=session, actor=SYSTEM, programme=session.merge(tenant.programme), kind=PUSH_NOTICE,
                        out_root=tmp_path, household_ids=[tenant.households[0].id])
        session.commit()
    log_in(client, factory.user("operator").username)
    assert "支給のお知らせ（書面）" in client.get("/print").text
