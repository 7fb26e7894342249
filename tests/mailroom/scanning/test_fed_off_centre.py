"""Pages as a sheet feeder delivers them: its window is the paper's size, so a sheet that comes
through skewed and shifted a few millimetres loses corners, registration marks and all, over the
image's edge. Such a page is still identified and read, from its two page codes, the marks that
are left and the template's own printed frames; a page that truly cannot be placed is refused,
naming its form and page."""

import numpy
import pytest

from mailroom.scanning import simulate
from mailroom.scanning.check import PageReading, check_pixels, field_states
from mailroom.scanning.images import decode_pages
from mailroom.scanning.locate import Unregistered
from templates.loader import default_templates
from templates.schema import code_boxes

from .conftest import FORM, FORM_ID, PX_PER_MM, printed_pages

# feeds with no overscan (`margin_mm=0`) that cut corner marks off: which ones, says each test
ONE_MARK_CUT = simulate.Feed(angle=2.5, shift_mm=(2, 1), margin_mm=0, blur=0.6, noise=3, fade=0.9)
TWO_MARKS_CUT = simulate.Feed(angle=3.5, shift_mm=(3, 3), margin_mm=0, blur=0.6, noise=3, fade=0.9)
TWO_MARKS_CUT_UPSIDE_DOWN = simulate.Feed(angle=-3.5, shift_mm=(-3, 3), upside_down=True, margin_mm=0, noise=4,
                                          dpi=200, format="png")
NO_MARK_WHOLE = simulate.Feed(angle=-4, shift_mm=(3, 0), upside_down=True, margin_mm=0, blur=1.0, noise=2, quality=60)


def delivered(scan, feed: simulate.Feed) -> PageReading:
    """The page checked from the file the feeder writes (JPEG or PNG, at its resolution)."""
    return check_pixels(next(decode_pages(feed.encode(scan.pixels), f"scan{feed.suffix}")).pixels)


def as_filled(scan) -> dict[str, str]:
    return {name: "filled" if filled else "blank" for name, filled in scan.truth.fields.items()}


def test_a_page_with_one_corner_mark_cut_off_by_the_image_edge_is_identified_and_read_right(scanned, complete_plan):
    scan = scanned(simulate.damage(complete_plan, "account_number", "attach_bank"), page=1, feed=ONE_MARK_CUT)
    reading = delivered(scan, ONE_MARK_CUT)
    assert (reading.code.form_id, reading.code.page, reading.located.marks_found) == (FORM_ID, 1, 3)
    assert field_states(reading) == as_filled(scan)


def test_a_page_with_two_corner_marks_cut_off_is_identified_and_read_right(scanned, complete_plan):
    scan = scanned(simulate.damage(complete_plan, "account_number"), page=1, feed=TWO_MARKS_CUT)
    reading = delivered(scan, TWO_MARKS_CUT)
    assert (reading.code.form_id, reading.code.page, reading.located.marks_found) == (FORM_ID, 1, 2)
    assert field_states(reading) == as_filled(scan)
    assert [d.code for d in reading.verdict().deficiencies] == ["blank:account_number"]


def test_an_upside_down_200_dpi_page_with_two_corner_marks_cut_off_is_read_right(scanned, complete_plan):
    scan = scanned(simulate.damage(complete_plan, "phone"), page=2, feed=TWO_MARKS_CUT_UPSIDE_DOWN, seed=4)
    reading = delivered(scan, TWO_MARKS_CUT_UPSIDE_DOWN)
    assert (reading.code.page, reading.located.rotation, reading.located.marks_found) == (2, 180, 2)
    assert field_states(reading) == as_filled(scan)
    assert field_states(reading)["phone"] == "blank"


def test_a_page_with_no_corner_mark_whole_is_placed_by_its_codes_and_its_printed_frames(scanned, complete_plan):
    scan = scanned(complete_plan, page=1, feed=NO_MARK_WHOLE, seed=2)
    reading = delivered(scan, NO_MARK_WHOLE)
    assert (reading.located.marks_found, reading.located.symbols_found) == (0, 2)
    assert reading.located.frames_agreeing >= 3
    assert field_states(reading) == as_filled(scan)


def test_a_page_with_one_code_smudged_and_two_marks_cut_off_is_placed_from_the_other_code(scanned, complete_plan):
    smudge = code_boxes((210, 297))[0]  # the top-right code: the one read first on an upright page
    scan = scanned(complete_plan, page=1, feed=TWO_MARKS_CUT, covered=[smudge])
    reading = delivered(scan, TWO_MARKS_CUT)
    assert (reading.code.form_id, reading.located.marks_found, reading.located.symbols_found) == (FORM_ID, 2, 1)
    assert field_states(reading) == as_filled(scan)


@pytest.mark.parametrize("feed", [TWO_MARKS_CUT, TWO_MARKS_CUT_UPSIDE_DOWN, NO_MARK_WHOLE],
                         ids=["two-marks-cut", "two-marks-cut-upside-down", "no-mark-whole"])
def test_a_page_placed_without_three_marks_is_placed_within_a_quarter_millimetre_at_every_box(scanned, feed):
    scan = scanned({}, page=1, feed=feed)
    reading = delivered(scan, feed)
    where_the_feeder_put_it = feed.placement(printed_pages()[0].shape, 300) @ numpy.diag([PX_PER_MM, PX_PER_MM, 1])
    boxes = [box for item in default_templates()[FORM].pages[0].fields
             for box in ([option.box for option in item.options] if item.options else [item.box])]
    corners = numpy.array([(x + dx, y + dy, 1.0) for x, y, w, h in boxes for dx in (0, w) for dy in (0, h)])
    found, true = (_mapped(matrix, corners) for matrix in (reading.located.to_image, where_the_feeder_put_it))
    off_mm = numpy.linalg.norm(found - true, axis=1) * 25.4 / feed.dpi
    assert off_mm.max() < 0.25


def test_a_page_whose_marks_and_boxes_are_covered_is_refused_naming_its_form_and_page(scanned, complete_plan):
    folded_over = (0, 95, 210, 202)  # everything below the title and the top codes: the marks left, no box
    scan = scanned(complete_plan, page=1, feed=simulate.Feed(angle=1.5, noise=3), covered=[folded_over])
    with pytest.raises(Unregistered) as refused:
        delivered(scan, simulate.Feed())
    assert refused.value.code == "not_registered"
    assert (refused.value.page_code.form_id, refused.value.page_code.page) == (FORM_ID, 1)
    assert f"様式 {FORM_ID} の 1 頁目" in refused.value.message


def _mapped(matrix: numpy.ndarray, points: numpy.ndarray) -> numpy.ndarray:
    mapped = points @ matrix.T
    return mapped[:, :2] / mapped[:, 2:3]
