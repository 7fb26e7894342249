"""An online application (ファストパス) is a form like paper: the same receipt, rules, codes and keying."""

from sqlmodel import select

from mailroom.checkin.models import FieldReading, Receipt
from mailroom.checkin.service import check_in_code
from mailroom.keying.models import KeyingEntry, KeyingTask
from mailroom.printing.models import IssuedForm
from mailroom.printing.page_code import PageCode
from mailroom.scanning.images import DEFAULT_LIMITS
from online import flows
from online.models import OnlineAttachment, OnlineToken
from secretariat.core.applications.models import Application, ApplicationEvent
from secretariat.core.applications.states import Status
from secretariat.core.auth.roles import Role
from secretariat.core.errors import InvalidInput
from templates.loader import default_templates

from .conftest import photo

CONFIRMED = ["confirm_tax_exempt", "confirm_not_dependent"]
NEW_ACCOUNT = dict(bank="0001", branch="001", account_type="ordinary", account_number="1234567",
                   account_holder_kana="ヤマダ タロウ")


def answers(**changes) -> flows.Answers:
    base = dict(confirmations=CONFIRMED, choice="receive", account_choice="new", phone="0432451234", **NEW_ACCOUNT)
    return flows.Answers(**(base | changes))


def submit(factory, tmp_path, household, given, photos):
    with factory.session() as session:
        done = flows.submit(session=session, household=session.get(type(household), household.id), answers=given,
                            photos=photos, data_dir=tmp_path, limits=DEFAULT_LIMITS)
        session.commit()
        application = session.exec(select(Application).where(Application.household_id == household.id)).one()
        return done, application


def test_a_complete_online_application_completes_through_a_web_receipt(factory, linked, tmp_path):
    link = linked(1)
    done, application = submit(factory, tmp_path, link.household(0), answers(),
                               {"id_copy": photo(seed=1), "bank_book_copy": photo(seed=2)})
    assert done.verdict.outcome.value == "complete" and application.status == Status.complete.value
    assert done.receipt.channel == flows.WEB and done.receipt.counted


def test_the_answers_become_readings_with_no_scanned_page_confirmed_by_the_resident(factory, linked, tmp_path):
    link = linked(1)
    done, _ = submit(factory, tmp_path, link.household(0), answers(),
                     {"id_copy": photo(seed=1), "bank_book_copy": photo(seed=2)})
    with factory.session() as session:
        readings = session.exec(select(FieldReading).where(FieldReading.receipt_id == done.receipt.id)).all()
    assert all(r.scanned_page_id is None and r.confirmed_by == "resident:web" for r in readings)
    assert {r.field for r in readings if r.state == "filled"} >= {"receive", "account_number", "attach_bank"}


def test_the_residents_typed_account_is_the_first_entry_and_an_operator_keys_the_second(factory, linked, tmp_path):
    link = linked(1)
    done, _ = submit(factory, tmp_path, link.household(0), answers(),
                     {"id_copy": photo(seed=1), "bank_book_copy": photo(seed=2)})
    with factory.session() as session:
        task = session.exec(select(KeyingTask).where(KeyingTask.receipt_id == done.receipt.id)).one()
        entry = session.exec(select(KeyingEntry).where(KeyingEntry.task_id == task.id)).one()
        crops = session.exec(select(FieldReading.crop_path).where(FieldReading.receipt_id == done.receipt.id,
                                                                  FieldReading.field == "account_number")).one()
    assert task.status == "waiting_second"
    assert (entry.round, entry.keyed_by, entry.bank_code, entry.account_holder_kana) == (1, "resident:web", "0001",
                                                                                        "ﾔﾏﾀﾞ ﾀﾛｳ")
    assert crops.endswith(".png")  # the bank-book photo is what the second operator keys from


def test_a_missing_attachment_is_deficient_with_the_paper_forms_code_and_sentence(factory, linked, tmp_path):
    link = linked(1)
    done, application = submit(factory, tmp_path, link.household(0), answers(), {"id_copy": photo()})
    assert application.status == Status.deficient.value
    assert [(d.code, d.sentence) for d in done.verdict.deficiencies] == [
        ("attachment:bank_book_copy", "「通帳またはキャッシュカードの写し」が同封されていません。写しを同封してください。")]


def test_a_deficient_application_fixed_on_the_spot_goes_back_through_returned_and_completes(factory, linked, tmp_path):
    link = linked(1)
    submit(factory, tmp_path, link.household(0), answers(), {"id_copy": photo()})
    done, application = submit(factory, tmp_path, link.household(0), answers(), {"bank_book_copy": photo(seed=3)})
    assert application.status == Status.complete.value
    with factory.session() as session:
        steps = [e.to_status for e in session.exec(select(ApplicationEvent).where(
            ApplicationEvent.application_id == application.id).order_by(ApplicationEvent.id))]
        kept = session.exec(select(OnlineAttachment).where(OnlineAttachment.household_id == application.household_id)).all()
    assert steps[-5:] == ["deficient", "returned", "received", "checking", "complete"]
    assert sorted(a.name for a in kept) == ["bank_book_copy", "id_copy"]


def test_declining_online_declines_the_application(factory, linked, tmp_path):
    link = linked(1)
    done, application = submit(factory, tmp_path, link.household(0), answers(choice="decline", account_choice=""),
                               {"id_copy": photo()})
    assert done.declined and application.status == Status.declined.value


def test_bad_input_is_refused_whole_with_every_problem_named_and_nothing_stored(factory, linked, tmp_path):
    link = linked(1)
    try:
        submit(factory, tmp_path, link.household(0),
               answers(bank="9999", account_holder_kana="ヤマダ☆タロウ", phone="12"), {"id_copy": b"not a photo"})
        raise AssertionError("accepted")
    except InvalidInput as error:
        assert "9999" in error.message and "☆" in error.message and "電話番号" in error.message
        assert "JPEG" in error.message
    with factory.session() as session:
        assert session.exec(select(Receipt)).all() == []


def test_a_bank_is_found_by_its_name(factory):
    values = flows.account_values(flows.Answers(bank="みずほ銀行", branch="東京営業部", account_type="ordinary",
                                                account_number="1234567", account_holder_kana="ﾔﾏﾀﾞ ﾀﾛｳ"))
    assert (values["bank_code"], values["branch_code"]) == ("0001", "001")


def test_a_paper_form_arriving_after_an_online_application_is_flagged_as_a_double_submission(factory, linked,
                                                                                             tmp_path):
    link = linked(1)
    submit(factory, tmp_path, link.household(0), answers(), {"id_copy": photo(), "bank_book_copy": photo(seed=2)})
    with factory.session() as session:
        form = session.exec(select(IssuedForm).where(IssuedForm.household_id == link.household(0).id)).one()
        code = PageCode(form_id=form.form_id, household_id=form.household_id, page=1,
                        template=default_templates()["kakuninsho-hikazei"].key)
        checked = check_in_code(session=session, actor=factory.actor(Role.operator), code=code)
        session.commit()
    assert checked.new and checked.receipt.duplicate and not checked.receipt.counted
    assert "二重提出" in checked.message


def test_only_the_links_hash_is_stored(factory, linked):
    link = linked(1)
    with factory.session() as session:
        row = session.exec(select(OnlineToken)).one()
    assert link.tokens[0] not in (row.token_sha256, row.letter_code_sha256)
    assert len(link.tokens[0]) >= 22 and len(row.token_sha256) == 64  # ≥ 128 bits of randomness


def test_the_tokens_command_writes_each_households_short_url_for_the_print_room(cli, factory, tmp_path):
    tenant = factory.tenant(households=2)
    out = tmp_path / "links.csv"
    result = cli("online", "tokens", "--programme", tenant.programme.id, "--out", out)
    assert result.exit_code == 0, result.output
    rows = out.read_text(encoding="cp932").splitlines()
    assert rows[0] == "世帯番号,URL" and len(rows) == 3
    assert all(row.split(",")[1].startswith("http://127.0.0.1:8000/a/") for row in rows[1:])
    assert cli("online", "tokens", "--programme", tenant.programme.id, "--out", out).exit_code == 0
    assert len(out.read_text(encoding="cp932").splitlines()) == 1  # issued once: the second run has none to add


def test_an_online_decline_is_named_as_online_on_the_timeline(factory, linked, tmp_path):
    from sqlmodel import select

    from secretariat.core.applications.models import ApplicationEvent

    link = linked(1)
    _, application = submit(factory, tmp_path, link.household(0), answers(choice="decline", account_choice=""),
                            {"id_copy": photo()})
    with factory.session() as session:
        event = session.exec(select(ApplicationEvent).where(ApplicationEvent.application_id == application.id,
                                                            ApplicationEvent.to_status == "declined")).one()
    assert event.reason.startswith("オンライン申請で辞退") and "返送用紙" not in event.reason


def test_a_submission_choosing_neither_receive_nor_decline_is_not_taken_in(factory, linked, tmp_path):
    link = linked(1)
    try:
        submit(factory, tmp_path, link.household(0), answers(choice="", confirmations=[], phone=""), {})
        raise AssertionError("accepted")
    except InvalidInput as error:
        assert "「受け取ります」か「辞退します」のどちらかを選んでください" in error.message
    with factory.session() as session:
        assert session.exec(select(Receipt)).all() == []
        assert session.exec(select(Application.status)).one() == "mailed"


def test_a_phone_photo_with_data_after_its_image_is_read():
    """Motion photos (Pixel: a video appended after the JPEG's end) and Samsung's trailer: the image
    ends before the file does, which a scanner's cut-off file never does but a phone's photo often."""
    motion_photo = photo(seed=1) + b"\x00\x00\x00\x18ftypmp42" + bytes(4096)
    read = flows.read_photo("id_copy", "本人確認書類の写し", motion_photo, DEFAULT_LIMITS)
    assert (read.width, read.height) == (800, 600)
