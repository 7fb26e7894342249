import cv2
import numpy
import pytest

from mailroom.scanning import simulate
from mailroom.scanning.check import check_pixels, field_states
from mailroom.scanning.images import ScanError, decode_pages
from mailroom.scanning.verdict import Outcome
from templates.schema import registration_marks

from .conftest import FORM, FORM_ID

SKEWED_UPSIDE_DOWN = simulate.Feed(angle=3.5, scale=1.02, shift_mm=(3, -2), upside_down=True, blur=0.6, noise=3,
                                   fade=0.85, dpi=300)


def read(scan, quality=85):
    return check_pixels(next(decode_pages(scan.jpeg(quality), "scan.jpg")).pixels)


def test_a_skewed_upside_down_page_is_identified_and_every_field_read_right(scanned, complete_plan):
    scan = scanned(complete_plan, page=1, feed=SKEWED_UPSIDE_DOWN)
    reading = read(scan)
    assert (reading.code.form_id, reading.code.page, reading.template.name) == (FORM_ID, 1, FORM)
    assert reading.located.rotation == 180
    assert field_states(reading) == {name: "filled" if filled else "blank" for name, filled in scan.truth.fields.items()}


def test_a_page_at_200_dpi_in_a_low_quality_jpeg_reads_the_same(scanned, complete_plan):
    scan = scanned(complete_plan, page=2, feed=simulate.Feed(angle=-2, dpi=200, blur=1.0, noise=4))
    assert field_states(read(scan, quality=60)) == {n: "filled" if f else "blank" for n, f in scan.truth.fields.items()}


def test_an_untouched_page_with_dust_reads_every_field_blank(scanned):
    reading = read(scanned({}, page=1, feed=simulate.Feed(angle=1.5, noise=5), seed=3))
    assert set(field_states(reading).values()) == {"blank"}


@pytest.mark.parametrize("style", ["pencil", "seal"])
def test_faint_pencil_and_a_red_seal_count_as_ink(scanned, style):
    page = scanned({}, page=2).pixels.copy()
    pen = simulate.Pen(page, 300, numpy.random.default_rng(1))
    from templates.loader import default_templates

    box = default_templates()[FORM].fields()["signature"].box
    if style == "pencil":
        pen.handwriting(box, 175, 0.3)
    else:
        pen.seal(box, 140)
    assert field_states(check_pixels(page))["signature"] == "filled"


def test_three_corner_marks_are_enough_to_register_a_page(scanned, complete_plan):
    scan = scanned(complete_plan, page=1)
    x, y, w, h = registration_marks((210, 297))[3]  # bottom-right, torn off
    cx, cy = check_pixels(scan.pixels).located.point(x + w / 2, y + h / 2)
    reach = int(w * 300 / 25.4)
    cv2.rectangle(scan.pixels, (int(cx) - reach, int(cy) - reach), (int(cx) + reach, int(cy) + reach), 245, -1)
    reading = check_pixels(scan.pixels)
    assert reading.located.marks_found == 3
    assert field_states(reading)["confirm_tax_exempt"] == "filled"


def test_a_form_with_a_new_account_but_no_account_number_is_deficient_for_that_field(scanned, complete_plan):
    plan = simulate.damage(complete_plan, "account_number")
    verdict = read(scanned(plan, page=1)).verdict()
    assert verdict.outcome == Outcome.deficient
    assert [d.code for d in verdict.deficiencies] == ["blank:account_number"]
    assert "口座番号" in verdict.deficiencies[0].message


def test_receiving_and_declining_both_ticked_is_a_deficiency(scanned, complete_plan):
    verdict = read(scanned({**complete_plan, "decline": True}, page=1)).verdict()
    assert [d.code for d in verdict.deficiencies] == ["both_of:receive+decline"]


def test_a_completely_filled_first_page_has_nothing_to_return(scanned, complete_plan):
    assert read(scanned(complete_plan, page=1)).verdict().outcome == Outcome.complete


def test_a_blank_sheet_is_its_own_error(scanned):
    with pytest.raises(ScanError) as caught:
        check_pixels(numpy.full((3508, 2480), 247, numpy.uint8))
    assert caught.value.code == "blank_page"


def test_a_page_without_our_code_says_so(scanned):
    page = scanned({}, page=1).pixels.copy()
    page[: page.shape[0] // 4, page.shape[1] // 2:] = 245   # the top-right code torn off
    page[page.shape[0] * 3 // 4:, : page.shape[1] // 2] = 245  # and the bottom-left one
    with pytest.raises(ScanError) as caught:
        check_pixels(page)
    assert caught.value.code == "no_page_code"


def test_a_document_with_someone_else_s_qr_code_is_foreign(scanned):
    import zxingcpp

    page = numpy.full((2339, 1654), 245, numpy.uint8)
    symbol = zxingcpp.create_barcode("https://example.com/other", zxingcpp.BarcodeFormat.QRCode).to_image(scale=8)
    page[100:100 + symbol.shape[0], 1654 - 100 - symbol.shape[1]:1654 - 100] = numpy.asarray(symbol)
    page[1000:1010, 200:1400] = 0  # some printing, so the page is not blank
    with pytest.raises(ScanError) as caught:
        check_pixels(page)
    assert caught.value.code == "foreign_code"
