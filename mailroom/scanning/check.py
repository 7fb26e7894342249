"""Checking one scanned page: which page it is, and which of its input fields hold ink.

The steps, each in its own module: read the page code (`locate`), register the page to its
template from the corner marks (`locate`), measure the ink in every input box (`ink`), and
judge each field filled, blank or uncertain (`verdict`). What the check cannot read is a
`ScanError` with a code, so a batch files it and moves on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy

from mailroom.printing.page_code import PageCode
from mailroom.scanning.images import ScanError, ScannedImage, looks_blank, png_bytes
from mailroom.scanning.ink import InkReading, cut, measure
from mailroom.scanning.locate import Located, locate, read_page_code
from mailroom.scanning.reference import template_by_key
from mailroom.scanning.verdict import FieldResult, State, Verdict, evaluate, field_state, judge
from templates.schema import InputField, Template

CROP_MARGIN_MM = 4.0  # an undecided box's crop shows this much around it


@dataclass
class PageReading:
    """One page as the machine read it."""

    code: PageCode
    template: Template
    located: Located
    fields: dict[str, FieldResult] = field(default_factory=dict)

    @property
    def page(self) -> int:
        return self.code.page

    def uncertain_fields(self) -> list[str]:
        """The fields the machine could not decide (a choice with any option undecided)."""
        return [name for name, result in self.fields.items()
                if result.state == State.uncertain or State.uncertain in result.options.values()]

    def verdict(self) -> Verdict:
        """The rules that this page alone can decide (a field on another page is not judged here)."""
        return evaluate(self.template, self.fields)

    def __reduce__(self):  # crosses from a worker process naming its template, not carrying it
        return _reading, (self.code, self.template.key, self.located, self.fields)


def _reading(code: PageCode, template_key: str, located: Located, fields: dict[str, FieldResult]) -> PageReading:
    return PageReading(code=code, template=template_by_key(template_key), located=located, fields=fields)


def identify(pixels: numpy.ndarray) -> tuple[PageCode, Template, Located]:
    """Which page this is and where its template lies on the image; raises `ScanError`."""
    if looks_blank(pixels):
        raise ScanError("blank_page", "白紙のページです（印刷も記入もありません）")
    code, symbols, orientation = read_page_code(pixels)
    try:
        template = template_by_key(code.template)
    except KeyError:
        raise ScanError("unknown_form", f"ページコードの様式 {code.template} は"
                                        "この事務局にありません") from None
    if not 1 <= code.page <= len(template.pages):
        raise ScanError("unknown_form", f"ページコードは様式 {code.template} の "
                                        f"{code.page} ページ目を指していますが、この様式は {len(template.pages)} ページです")
    return code, template, locate(pixels, template, code, symbols, orientation)


def check_pixels(pixels: numpy.ndarray) -> PageReading:
    code, template, located = identify(pixels)
    reading = PageReading(code=code, template=template, located=located)
    for item in template.pages[code.page - 1].fields:
        reading.fields[item.name] = read_field(pixels, located, template, code.page, item)
    return reading


def check_image(image: ScannedImage) -> PageReading:
    return check_pixels(image.pixels)


def read_field(pixels: numpy.ndarray, located: Located, template: Template, page: int,
               item: InputField) -> FieldResult:
    if item.kind == "choice":
        readings = {option.value: measure(pixels, located.to_image, template.key, page, option.box)
                    for option in item.options}
        options = {value: judge(item.kind, reading) for value, reading in readings.items()}
        ink = sum(reading.area_mm2 for reading in readings.values())
        return FieldResult(item.name, item.kind, field_state(options), round(ink, 2), options)
    reading: InkReading = measure(pixels, located.to_image, template.key, page, item.box)
    return FieldResult(item.name, item.kind, judge(item.kind, reading), round(reading.area_mm2, 2))


def uncertain_crops(reading: PageReading, pixels: numpy.ndarray) -> dict[tuple[str, str], bytes]:
    """PNG crops of the boxes the machine could not decide, for the operator's screen, by (field,
    option); a margin around each shows what is around the box."""
    crops: dict[tuple[str, str], bytes] = {}
    for item in reading.template.pages[reading.page - 1].fields:
        result = reading.fields[item.name]
        boxes = ([(option.value, option.box) for option in item.options
                  if result.options.get(option.value) == State.uncertain] if item.options
                 else ([("", item.box)] if result.state == State.uncertain else []))
        for option, (x, y, w, h) in boxes:
            image = cut(pixels, reading.located.to_image,
                        (x - CROP_MARGIN_MM, y - CROP_MARGIN_MM, w + 2 * CROP_MARGIN_MM, h + 2 * CROP_MARGIN_MM))
            crops[(item.name, option)] = png_bytes(image)
    return crops


def field_states(reading: PageReading) -> dict[str, str]:
    """name → filled | blank | uncertain, as the JSON output and the operator screen show it."""
    return {name: result.state.value for name, result in reading.fields.items()}


def chosen(reading: PageReading) -> dict[str, list[str]]:
    return {name: [value for value, state in result.options.items() if state == State.filled]
            for name, result in reading.fields.items() if result.options}
