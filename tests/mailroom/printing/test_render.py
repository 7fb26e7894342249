"""What a person (and a scanner) would see on the printed pages."""

from pathlib import Path

import numpy
import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from mailroom.printing.customer_barcode import decode_bars, for_address
from mailroom.printing.page_code import PREFIX, parse
from mailroom.printing.samples import synthetic_addressees, write_sample
from templates.loader import default_templates, windows

DPI = 300
TEMPLATES = sorted(default_templates())


def raster(pdf: Path, page_index: int) -> numpy.ndarray:
    """The page as a 300-dpi greyscale image, as a production scanner would see it."""
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        image = document[page_index].render(scale=DPI / 72, grayscale=True).to_numpy()
    finally:
        document.close()
    return image[..., 0] if image.ndim == 3 else image


def px(mm: float) -> int:
    return round(mm / 25.4 * DPI)


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    folder = tmp_path_factory.mktemp("samples")
    made = {}
    for name in TEMPLATES:
        path = folder / f"{name}.pdf"
        made[name] = (path, write_sample(default_templates()[name], 2, path))
    return made


def fonts_of(resources) -> list:
    """Every font a page uses, including those inside its form XObjects."""
    found = [font.get_object() for font in resources.get("/Font", {}).values()]
    for xobject in resources.get("/XObject", {}).values():
        found += fonts_of(xobject.get_object().get("/Resources", {}))
    return found


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_page_opens_in_pypdf_with_the_japanese_font_embedded(samples, name):
    path, pages = samples[name]
    reader = PdfReader(path)
    assert len(reader.pages) == len(pages)
    for page in reader.pages:
        for font in fonts_of(page["/Resources"]):
            assert "/FontFile2" in font["/FontDescriptor"].get_object(), f"{font['/BaseFont']} is not embedded"
    assert "支給" in reader.pages[0].extract_text() or name == "address-sheet"


@pytest.mark.parametrize("name", [n for n in TEMPLATES if default_templates()[n].scanned])
@pytest.mark.parametrize("turns", [0, 1, 2, 3], ids=["upright", "90", "upside-down", "270"])
def test_both_page_codes_decode_from_a_300dpi_scan_in_any_orientation(samples, name, turns):
    path, pages = samples[name]
    for sample in pages:
        image = numpy.ascontiguousarray(numpy.rot90(raster(path, sample.pdf_page - 1), turns))
        found = [parse(code.text) for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
                 if code.text.startswith(PREFIX + "|")]  # not the notice's link, which the scan check passes over
        matching = [code for code in found if (code.form_id, code.page) == (sample.form_id, sample.page)]
        assert len(matching) >= 2, f"page {sample.pdf_page}: read {found}"
        assert all(code.household_id == sample.target for code in matching)


@pytest.mark.parametrize("name", ["cover-letter", "address-sheet", "return-letter"])
def test_the_address_block_lies_inside_the_envelope_window(samples, name):
    template = default_templates()[name]
    wx, wy, ww, wh = windows()[template.window].window
    margin = windows()[template.window].margin
    path, _pages = samples[name]
    image = raster(path, 0)
    top_panel = image[:px(99), :]  # the part of the folded sheet that faces the window
    inked = top_panel < 128
    inside = numpy.zeros_like(inked)
    inside[px(wy + margin):px(wy + wh - margin), px(wx + margin):px(wx + ww - margin)] = True
    address = numpy.zeros_like(inked)
    for item in template.pages[0].prefilled:
        if item.binding in ("address_block", "customer_barcode", "address_code"):
            x, y, w, h = item.box
            address[px(y) - 5:px(y + h) + 5, px(x) - 5:px(x + w) + 5] = True
    assert inked[address].sum() > 1000, "the address block printed nothing"
    assert not (inked & address & ~inside).any(), "address ink falls outside the window"


def read_bars(strip: numpy.ndarray) -> str:
    """Bars from a raster strip of the barcode: each dark column run is one bar, its vertical extent its kind."""
    dark = strip < 128
    columns = dark.any(axis=0)
    bars, x = [], 0
    rows = numpy.arange(dark.shape[0])
    band_top = rows[dark.any(axis=1)].min()
    unit = (rows[dark.any(axis=1)].max() - band_top + 1) / 3  # long bar = 3 units
    while x < len(columns):
        if columns[x]:
            start = x
            while x < len(columns) and columns[x]:
                x += 1
            ink = rows[dark[:, start:x].any(axis=1)]
            top, bottom = round((ink.min() - band_top) / unit), round((ink.max() + 1 - band_top) / unit)
            bars.append({(0, 3): "1", (0, 2): "2", (1, 3): "3", (1, 2): "4"}[(top, bottom)])
        else:
            x += 1
    return "".join(bars)


def test_the_customer_barcode_reads_back_from_the_printed_page(samples):
    template = default_templates()["address-sheet"]
    box = next(item.box for item in template.pages[0].prefilled if item.binding == "customer_barcode")
    path, _pages = samples["address-sheet"]
    x, y, w, h = box
    strip = raster(path, 0)[px(y) - 3:px(y + h) + 3, px(x) - 3:px(x + w) + 3]
    addressee = synthetic_addressees(1)[0]
    expected = for_address(addressee.postal_code, addressee.address + addressee.address_extra)
    assert decode_bars(read_bars(strip)) == list(expected.symbols)
