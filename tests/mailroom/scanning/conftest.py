"""Scans made to order: a printed 支給要件確認書, filled as a test says, fed as a test says."""

from dataclasses import dataclass
from functools import lru_cache

import numpy
import pytest

from mailroom.printing.samples import synthetic_addressees
from mailroom.scanning import simulate
from templates.loader import default_templates

FORM = "kakuninsho-hikazei"
FORM_ID = "P1-H1-1"
PX_PER_MM = 300 / 25.4  # the printed pages' resolution


@lru_cache(maxsize=1)
def printed_pages() -> tuple[numpy.ndarray, ...]:
    template = default_templates()[FORM]
    return tuple(simulate.render_pages(template, synthetic_addressees(1)[0], FORM_ID))


@dataclass
class Scan:
    pixels: numpy.ndarray
    truth: simulate.Truth

    def jpeg(self, quality: int = 85) -> bytes:
        return simulate.to_jpeg(self.pixels, quality)


@pytest.fixture
def scanned():
    """scanned(plan, page=1, feed=Feed(), seed=0, covered=()) -> Scan of that page, filled per `plan`,
    with the `covered` boxes (template mm) blanked before the scan: a smudge, a sticker, a fold."""
    template = default_templates()[FORM]

    def make(plan: dict | None = None, page: int = 1, feed: simulate.Feed | None = None, seed: int = 0,
             covered: tuple = ()) -> Scan:
        rng = numpy.random.default_rng(seed)
        image = printed_pages()[page - 1].copy()
        truth = simulate.Truth()
        simulate.fill_page(image, template, page, plan or {}, 300, rng, truth)
        for x, y, w, h in covered:
            image[int(y * PX_PER_MM):int((y + h) * PX_PER_MM), int(x * PX_PER_MM):int((x + w) * PX_PER_MM)] = 250
        pixels = simulate.scan(image, feed or simulate.Feed(), 300, rng)
        return Scan(pixels, truth)

    return make


@pytest.fixture
def complete_plan():
    return simulate.complete_plan(numpy.random.default_rng(0), new_account=True)
