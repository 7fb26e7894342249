"""Digital gift codes at a phone's width (390 px): the QR on a household's gift-code letter is the code
assigned to it, and the liaison's upload of the provider's redemption file marks that household paid."""

import pytest

from exchange.giftcodes.delivery import deliver_giftcodes
from secretariat.core.applications.models import Application
from tests.browser.test_staff_journey import log_in
from tests.exchange.giftcodes.conftest import checker, frozen, giftcode_tenant, maker, stock  # noqa: F401 (fixtures)
from tests.exchange.giftcodes.test_delivery import letters_in_postal_order, qr_text
from tests.factories import SYSTEM

pytestmark = pytest.mark.browser


def test_a_letters_qr_redeemed_through_the_page_marks_the_household_paid(factory, live_server, page, giftcode_tenant,
                                                                          frozen, tmp_path):
    with factory.session() as session:
        delivered = deliver_giftcodes(session=session, actor=SYSTEM, programme=giftcode_tenant.programme,
                                      out_dir=tmp_path / "letters")
        session.commit()
    code, _household = letters_in_postal_order(factory)[0]
    read = qr_text(delivered.letters, 0)
    assert read == code.code
    redeemed = tmp_path / "giftcode-redemption.csv"
    redeemed.write_text(f"code,redeemed_at\n{read},2027-01-10T09:00:00+09:00\n", encoding="utf-8")

    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, factory.user("liaison", giftcode_tenant.municipality).username)
    page.wait_for_selector("h1")
    page.goto(f"{live_server}/programmes/{giftcode_tenant.programme.id}/exchange")
    page.click(f"a[href='/programmes/{giftcode_tenant.programme.id}/giftcodes']")
    page.set_input_files("form[action$='/giftcodes/redemptions'] input[type=file]", str(redeemed))
    page.click("form[action$='/giftcodes/redemptions'] button[type=submit]")
    assert "引換済 1 件" in page.inner_text("#outcome")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with factory.session() as session:
        assert session.get(Application, code.application_id).status == "paid"
