"""The check's short cuts for large scans: a 300-dpi JPEG is decoded at half its resolution, and
page codes are searched on a half-size copy of a large image; what they read is what the full
image reads, and a reading that leaves anything to an operator is made again at full resolution."""

from pathlib import Path

import numpy
import pytest
import zxingcpp

from mailroom.scanning import simulate
from mailroom.scanning.check import field_states
from mailroom.scanning.images import decode_pages
from mailroom.scanning.locate import QR, read_page_code
from mailroom.scanning.parallel import PageTask, check_page

from .conftest import FORM_ID

FED = simulate.Feed(angle=2.5, shift_mm=(2, -1), blur=0.6, noise=3, fade=0.9, dpi=300)


def truth_states(scan) -> dict[str, str]:
    return {name: "filled" if filled else "blank" for name, filled in scan.truth.fields.items()}


def test_a_300_dpi_jpeg_is_checked_from_its_half_size_decode_and_every_field_read_right(scanned, complete_plan,
                                                                                      tmp_path: Path):
    scan = scanned(complete_plan, page=1, feed=FED)
    path = tmp_path / "scan.jpg"
    path.write_bytes(scan.jpeg(75))
    checked = check_page(PageTask(str(path)))
    assert checked.reduced
    assert (checked.reading.code.form_id, checked.reading.code.page) == (FORM_ID, 1)
    assert field_states(checked.reading) == truth_states(scan)


def test_a_200_dpi_jpeg_is_decoded_whole(scanned, tmp_path: Path):
    path = tmp_path / "scan.jpg"
    path.write_bytes(scanned({}, page=2, feed=simulate.Feed(dpi=200)).jpeg())
    assert not check_page(PageTask(str(path))).reduced


def test_a_half_size_reading_with_an_undecided_field_is_made_again_at_full_resolution(scanned, complete_plan,
                                                                                        tmp_path: Path, monkeypatch):
    from mailroom.scanning import check
    from mailroom.scanning.verdict import State

    path = tmp_path / "scan.jpg"
    path.write_bytes(scanned(complete_plan, page=2, feed=FED).jpeg())
    reading_of = check.check_pixels

    def undecided_when_small(pixels):
        reading = reading_of(pixels)
        if pixels.shape[1] < 2000:  # the half-size decode of a 300-dpi page (2,480 pixels wide)
            reading.fields["signature"].state = State.uncertain
        return reading

    monkeypatch.setattr(check, "check_pixels", undecided_when_small)
    checked = check_page(PageTask(str(path)))
    assert not checked.reduced and checked.reading.uncertain_fields() == []


@pytest.mark.parametrize("turns", [1, 3])
def test_a_page_turned_a_quarter_is_found_by_the_half_size_search(scanned, turns):
    upright = scanned({}, page=1, feed=simulate.Feed(dpi=300)).jpeg()
    turned = numpy.ascontiguousarray(numpy.rot90(next(decode_pages(upright, "scan.jpg")).pixels, turns))
    code, symbols, _orientation = read_page_code(turned)
    assert (code.form_id, code.page, len(symbols)) == (FORM_ID, 1, 2)


def test_a_symbol_found_at_half_size_is_placed_to_the_pixel_of_the_full_image(scanned):
    pixels = scanned({}, page=1, feed=simulate.Feed(dpi=300, angle=1.0)).pixels
    [read_whole] = [barcode.position for barcode in zxingcpp.read_barcodes(pixels, formats=QR)
                    if barcode.text.startswith("SCT1|")][:1]
    _code, [corners], _orientation = read_page_code(pixels)
    assert abs(corners[0] - (read_whole.top_left.x, read_whole.top_left.y)).max() <= 1.5
    assert abs(corners[2] - (read_whole.bottom_right.x, read_whole.bottom_right.y)).max() <= 1.5
