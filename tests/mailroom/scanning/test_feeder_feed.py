"""A morning's post through a sheet feeder whose window is exactly the paper's size (no overscan):
30 forms, 60 pages, skewed up to ±4° and shifted up to ±4 mm (so most lose a corner, marks and
all), one in ten upside down, 200 and 300 dpi, JPEG and PNG; three in four completely filled, one
in four with a required field left blank. At least 95 % of the complete forms pass with no human
touch, and no blank required field ever passes."""

from dataclasses import dataclass

import numpy
import pytest

from mailroom.scanning import simulate
from mailroom.scanning.check import check_pixels
from mailroom.scanning.images import ScanError, decode_pages
from mailroom.scanning.verdict import Outcome, State, evaluate
from templates.loader import default_templates

from .conftest import FORM, printed_pages

FORMS = 30


@dataclass
class Returned:
    blank: str | None  # the required field the resident left blank, if any
    outcome: Outcome | None  # None: a page went to an operator unread
    blank_read_as_filled: list[str]  # fields the resident left blank that the check called filled


@pytest.fixture(scope="module")
def morning():
    template = default_templates()[FORM]
    required = [item.name for item in template.fields().values() if item.required]
    rng = numpy.random.default_rng(2026)
    returned = []
    for number in range(FORMS):
        blank = required[number // 4 % len(required)] if number % 4 == 3 else None
        plan = simulate.complete_plan(rng)
        plan = simulate.damage(plan, blank) if blank else plan
        fields, read, blank_read_as_filled = {}, True, []
        for page in (1, 2):
            image = printed_pages()[page - 1].copy()
            truth = simulate.Truth()
            simulate.fill_page(image, template, page, plan, 300, rng, truth)
            feed = simulate.Feed.feeder(rng, margin_mm=0)
            scanned = feed.encode(simulate.scan(image, feed, 300, rng))
            try:
                reading = check_pixels(next(decode_pages(scanned, f"scan{feed.suffix}")).pixels)
            except ScanError:
                read = False
                continue
            fields.update(reading.fields)
            blank_read_as_filled += [name for name, filled in truth.fields.items()
                                     if not filled and reading.fields[name].state == State.filled]
        returned.append(Returned(blank, evaluate(template, fields).outcome if read else None, blank_read_as_filled))
    return returned


def test_at_least_95_percent_of_complete_forms_pass_with_no_human_touch(morning):
    complete = [form for form in morning if form.blank is None]
    passed = [form for form in complete if form.outcome == Outcome.complete]
    assert len(passed) >= 0.95 * len(complete), [form.outcome for form in complete]


def test_no_form_with_a_blank_required_field_passes(morning):
    outcomes = [form.outcome for form in morning if form.blank]
    assert outcomes and Outcome.complete not in outcomes


def test_no_field_left_blank_is_read_as_filled(morning):
    assert [form.blank_read_as_filled for form in morning if form.blank_read_as_filled] == []
