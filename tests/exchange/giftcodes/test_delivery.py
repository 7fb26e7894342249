"""A gift-code letter's QR, read back by independent readers (pdfium's raster at 300 dpi and
OpenCV's QR decoder), is the code assigned to that household; redeeming it pays the household."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy
import pypdfium2
from sqlmodel import select

from exchange.giftcodes.delivery import deliver_giftcodes
from exchange.giftcodes.models import GiftCode
from exchange.giftcodes.redemption import import_redemptions
from exchange.giftcodes.setting import set_giftcode_setting
from secretariat.core.applications.models import Application
from secretariat.core.households.models import Household
from secretariat.core.sms.models import SmsRequest
from tests.factories import SYSTEM

PROVIDER_URL = "https://gift.example.jp/r?c={code}"


def qr_text(pdf: Path, page: int, dpi: int = 300) -> str:
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        image = document[page].render(scale=dpi / 72, grayscale=True).to_numpy()
    finally:
        document.close()
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(
        numpy.ascontiguousarray(image[..., 0] if image.ndim == 3 else image))
    return text


def deliver(factory, tenant, out):
    with factory.session() as session:
        delivered = deliver_giftcodes(session=session, actor=SYSTEM, programme=tenant.programme, out_dir=out)
        session.commit()
    return delivered


def letters_in_postal_order(factory) -> list[tuple[GiftCode, Household]]:
    with factory.session() as session:
        return list(session.exec(select(GiftCode, Household)
                                 .join(Application, Application.id == GiftCode.application_id)
                                 .join(Household, Household.id == Application.household_id)
                                 .order_by(Household.postal_code, Household.household_number)))


def test_a_letters_qr_decodes_to_the_assigned_code_and_redeeming_it_pays(factory, giftcode_tenant, frozen, tmp_path):
    delivered = deliver(factory, giftcode_tenant, tmp_path / "letters")
    assigned = letters_in_postal_order(factory)
    assert delivered.letter_count == 3 and {code.state for code, _ in assigned} == {"delivered"}
    first_code, first_household = assigned[0]
    assert qr_text(delivered.letters, 0) == first_code.code
    redeemed = tmp_path / "redeemed.csv"
    redeemed.write_text(f"code,redeemed_at\n{qr_text(delivered.letters, 0)},2027-01-10\n", encoding="utf-8")
    with factory.session() as session:
        import_redemptions(session=session, actor=SYSTEM, programme=giftcode_tenant.programme, path=redeemed)
        session.commit()
        assert session.get(Application, first_code.application_id).status == "paid"
        assert session.get(Application, first_code.application_id).household_id == first_household.id


def test_a_provider_url_puts_the_code_inside_the_qr(factory, giftcode_tenant, frozen, tmp_path):
    with factory.session() as session:
        set_giftcode_setting(session=session, actor=SYSTEM, programme=giftcode_tenant.programme, payout="gift_code",
                             provider="テストギフト", redemption_url=PROVIDER_URL)
        session.commit()
    delivered = deliver(factory, giftcode_tenant, tmp_path / "letters")
    assert qr_text(delivered.letters, 0) == PROVIDER_URL.replace("{code}", letters_in_postal_order(factory)[0][0].code)


def test_an_sms_programme_texts_households_with_a_mobile_and_mails_the_rest(factory, giftcode_tenant, frozen,
                                                                             tmp_path):
    with factory.session() as session:
        set_giftcode_setting(session=session, actor=SYSTEM, programme=giftcode_tenant.programme, payout="gift_code",
                             provider="テストギフト", delivery="sms", redemption_url=PROVIDER_URL)
        households = list(session.exec(select(Household).where(
            Household.programme_id == giftcode_tenant.programme.id).order_by(Household.id)))
        for household, phone in zip(households, ["090-1234-5678", "043-245-1234", "080-0000-1111"]):
            household.phone = phone
            session.add(household)
        session.commit()
    delivered = deliver(factory, giftcode_tenant, tmp_path / "letters")
    assert (delivered.texted, delivered.letter_count) == (2, 1)
    with factory.session() as session:
        texts = session.exec(select(SmsRequest).where(SmsRequest.kind == "giftcode")).all()
    assert len(texts) == 2 and all("https://gift.example.jp/r?c=" in text.body for text in texts)


def letter_text(pdf: Path, page: int) -> str:
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return document[page].get_textpage().get_text_range().replace("\r", "").replace("\n", "")
    finally:
        document.close()


def test_a_letter_names_the_provider_whose_site_takes_the_code_and_the_day_it_expires(factory, giftcode_tenant,
                                                                                       frozen, tmp_path):
    delivered = deliver(factory, giftcode_tenant, tmp_path / "letters")
    text = letter_text(delivered.letters, 0)
    assert "テストギフトのサイトで入力" in text and "有効期限: 2027年3月31日まで" in text
