"""A programme whose packs are printed and mailed, and scans of its forms coming back."""

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy
import pypdfium2
import pytest

from mailroom.printing.models import PrintRun
from mailroom.printing.runs import print_programme, record_mailing
from mailroom.scanning import simulate
from templates.loader import default_templates
from tests.factories import SYSTEM, Tenant

MAILED_ON = date(2026, 11, 20)
ARRIVED_ON = date(2026, 11, 21)


@dataclass
class Mailed:
    tenant: Tenant
    run: PrintRun
    forms: list[dict]  # manifest rows: file, first_page, form_id, household_number

    def form_id(self, number: int) -> str:
        return self.forms[number]["form_id"]

    def printed_page(self, number: int, page: int, dpi: int = 300) -> numpy.ndarray:
        """Page `page` of household `number`'s form (the pack's cover letter is page 0) at `dpi`."""
        row = self.forms[number]
        document = pypdfium2.PdfDocument(str(Path(self.run.directory) / row["file"]))
        try:
            image = document[int(row["first_page"]) - 1 + page].render(scale=dpi / 72, grayscale=True).to_numpy()
        finally:
            document.close()
        return numpy.ascontiguousarray(image[..., 0] if image.ndim == 3 else image)

    def code(self, number: int, page: int = 1) -> str:
        from mailroom.printing.page_code import PageCode

        household_id = int(self.forms[number]["form_id"].split("-H")[1].split("-")[0])
        template = default_templates()["kakuninsho-hikazei" if page else "cover-letter"]
        return PageCode(form_id=self.form_id(number), household_id=household_id, page=max(page, 1),
                        template=template.key).text


@pytest.fixture
def mailed(factory, tmp_path):
    """mailed(households=3) -> Mailed: printed, and recorded as mailed on MAILED_ON."""

    def make(households: int = 3) -> Mailed:
        tenant = factory.tenant(households=households)
        with factory.session() as session:
            programme = session.merge(tenant.programme)
            run = print_programme(session=session, actor=SYSTEM, programme=programme, out_root=tmp_path / "print")
            record_mailing(session=session, actor=SYSTEM, run=run, mailed_on=MAILED_ON)
            session.commit()
        with open(Path(run.directory) / "manifest.csv", encoding="utf-8-sig") as handle:
            forms = list(csv.DictReader(handle))
        return Mailed(tenant, run, forms)

    return make


@pytest.fixture
def scanner(tmp_path):
    """scanner(mailed, number, plan, feed=..., pages=(1, 2), attachments=0, covered={page: [box]}) writes
    JPEGs into the scanner folder, as the production scanner would, with the `covered` boxes (template
    mm) of a page blanked first (a fold, a sticker); returns the folder."""
    folder = tmp_path / "scanner"
    folder.mkdir()
    counter = iter(range(1, 10_000))
    template = default_templates()["kakuninsho-hikazei"]

    def feed_in(mailed: Mailed, number: int, plan: dict, feed: simulate.Feed | None = None,
                pages=(1, 2), attachments: int = 0, seed: int = 0, covered: dict | None = None) -> Path:
        rng = numpy.random.default_rng(seed)
        for page in pages:
            image = mailed.printed_page(number, page)
            simulate.fill_page(image, template, page, plan, 300, rng, simulate.Truth())
            for x, y, w, h in (covered or {}).get(page, ()):
                scale = 300 / 25.4
                image[int(y * scale):int((y + h) * scale), int(x * scale):int((x + w) * scale)] = 250
            pixels = simulate.scan(image, feed or simulate.Feed(), 300, rng)
            (folder / f"scan-{next(counter):05d}.jpg").write_bytes(simulate.to_jpeg(pixels, 85))
        for _ in range(attachments):
            copy = numpy.full((1200, 1700), 240, numpy.uint8)
            copy[200:900, 150:1500] = 120  # a photocopied card, never scanned twice the same
            copy = numpy.clip(copy + rng.normal(0, 3, copy.shape), 0, 255).astype(numpy.uint8)
            (folder / f"scan-{next(counter):05d}.jpg").write_bytes(simulate.to_jpeg(copy, 85))
        return folder

    return feed_in


@pytest.fixture
def plan():
    return simulate.complete_plan(numpy.random.default_rng(0), new_account=False)
