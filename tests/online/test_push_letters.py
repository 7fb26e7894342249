"""支給のお知らせ by letter: the households an SMS cannot reach get a printed notice, once, with the
amount, D and E and their own QR link, as a print-room letter run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import cv2
import numpy
import pypdfium2
import pytest
from pypdf import PdfReader
from sqlmodel import select

from mailroom.printing.addressee import wareki
from mailroom.printing.letters import PUSH_NOTICE, letters_path
from mailroom.printing.models import Letter, LetterRun
from online.push_letters import print_push_letters
from online.push_models import PushNotice
from secretariat.core.clock import today_jst
from secretariat.core.errors import Conflict
from secretariat.core.programmes.models import Programme
from tests.conftest import csrf_from, log_in
from tests.factories import SYSTEM

from .test_push import BASE_URL, LANDLINE, MOBILE, application_of, make_push_programme, move_decline_by, send_notices
from .test_push_pages import sign_in


def print_letters(factory, made, folder: Path) -> LetterRun | None:
    with factory.session() as session:
        run = print_push_letters(session=session, actor=SYSTEM, out_root=folder, base_url=BASE_URL,
                                 programme=session.get(Programme, made.tenant.programme.id))
        session.commit()
        if run is not None:
            session.refresh(run)
        return run


def qr_text(pdf: Path, page: int, dpi: int = 300) -> str:
    """The page's QR codes read back by pdfium's raster and OpenCV: the longest is the link (the
    page codes in the corners and the window hold the form id)."""
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        image = document[page].render(scale=dpi / 72, grayscale=True).to_numpy()
    finally:
        document.close()
    gray = numpy.ascontiguousarray(image[..., 0] if image.ndim == 3 else image)
    found, texts, _points, _ = cv2.QRCodeDetector().detectAndDecodeMulti(gray)
    return max(texts, key=len) if found else ""


@pytest.fixture
def told(factory, tmp_path):
    """A push programme of three households told: the first by SMS, the other two listed for a letter."""
    made = make_push_programme(factory, tmp_path, 3, (MOBILE, LANDLINE, LANDLINE))
    send_notices(factory, made)
    return made


def test_letters_are_printed_only_for_the_households_listed_for_a_letter(factory, told, tmp_path):
    run = print_letters(factory, told, tmp_path / "letters")
    with factory.session() as session:
        lettered = set(session.exec(select(Letter.household_id).where(Letter.letter_run_id == run.id)))
    assert run.kind == PUSH_NOTICE and run.letter_count == 2 and letters_path(run).exists()
    assert lettered == {told.household(1).id, told.household(2).id}
    assert len(PdfReader(letters_path(run)).pages) == 2


def test_printing_again_prints_only_households_not_yet_printed(factory, tmp_path):
    made = make_push_programme(factory, tmp_path, 2, (LANDLINE, MOBILE))
    send_notices(factory, made)
    first = print_letters(factory, made, tmp_path / "letters")
    with factory.session() as session:  # the second household loses its mobile, and is told by letter too
        notice = session.exec(select(PushNotice).where(PushNotice.household_id == made.household(1).id)).one()
        notice.by_letter = True
        session.add(notice)
        session.commit()
    second = print_letters(factory, made, tmp_path / "letters")
    with factory.session() as session:
        in_second = session.exec(select(Letter.household_id).where(Letter.letter_run_id == second.id)).all()
    assert first.letter_count == 1 and in_second == [made.household(1).id]
    assert print_letters(factory, made, tmp_path / "letters") is None


def test_the_letter_names_the_amount_the_pay_by_date_and_the_decline_by_date(factory, told, tmp_path):
    run = print_letters(factory, told, tmp_path / "letters")
    text = PdfReader(letters_path(run)).pages[0].extract_text().replace(" ", "")
    amount = application_of(factory, told.household(1)).amount_yen
    pay_by, decline_by = today_jst() + timedelta(days=14), today_jst() + timedelta(days=7)
    assert f"{amount:,}円" in text
    assert wareki(pay_by) in text and wareki(decline_by) in text
    assert "辞退・口座変更の期限" in text and "0120-000-000" in text


def test_the_letters_qr_opens_that_households_push_page(client, factory, told, tmp_path):
    run = print_letters(factory, told, tmp_path / "letters")
    with factory.session() as session:
        first = session.exec(select(Letter.household_id).where(Letter.letter_run_id == run.id)
                             .order_by(Letter.position)).first()
    number = [household.id for household in told.tenant.households].index(first)
    url = qr_text(letters_path(run), 0)
    assert url.startswith(f"{BASE_URL}/a/")
    token = url.removeprefix(f"{BASE_URL}/a/")
    sign_in(client, token, told.births[number])
    page = client.get(f"/a/{token}/apply")
    amount = application_of(factory, told.household(number)).amount_yen
    assert str(page.url).endswith(f"/a/{token}/push") and f"{amount:,}" in page.text


def test_letters_are_refused_after_the_decline_by_date(factory, told, tmp_path):
    move_decline_by(factory, told, -1)
    with pytest.raises(Conflict, match="期限"):
        print_letters(factory, told, tmp_path / "letters")


def test_the_supervisor_prints_the_letters_from_the_push_page(client, factory, told):
    log_in(client, factory.user("supervisor").username)
    page = client.get(f"/programmes/{told.tenant.programme.id}/push")
    assert 'data-testid="print-letters"' in page.text
    printed = client.post(f"/programmes/{told.tenant.programme.id}/push/letters",
                          data={"csrf_token": csrf_from(page.text)})
    assert printed.status_code == 200 and "お知らせの手紙を印刷しました: 2 通" in printed.text
    again = client.post(f"/programmes/{told.tenant.programme.id}/push/letters",
                        data={"csrf_token": csrf_from(page.text)})
    assert again.status_code == 409 and "すべて印刷済みです" in again.text


def test_the_command_prints_the_letters(cli, factory, told, tmp_path):
    printed = cli("online", "push-letters", "--programme", told.tenant.programme.id, "--out", tmp_path / "letters")
    assert printed.exit_code == 0, printed.output
    assert "2 通" in printed.output
    with factory.session() as session:
        assert session.exec(select(LetterRun.letter_count)).all() == [2]
