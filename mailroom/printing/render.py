"""Drawing a template for a household with reportlab.

Everything that is the same on every copy (static text, boxes, input frames, registration
marks) is drawn once per PDF file as a form XObject and placed by reference on each page; only
the household's own text, its page codes and its customer barcode are drawn per page. That is
what keeps a print run fast and its files small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from mailroom.printing.addressee import Addressee
from mailroom.printing.customer_barcode import CustomerBarcode, NoCustomerBarcode, encode, for_address
from mailroom.printing.fonts import register_font
from mailroom.printing.notice_links import NoticeLink, NoticeLinks, current
from mailroom.printing.page_code import PageCode, qr_modules
from templates.schema import (
    Box,
    Frame,
    InputField,
    Line,
    Page,
    Paragraph,
    Template,
    Text,
    code_boxes,
    registration_marks,
)

GUIDE_GREY = 0.6
rl_config.useA85 = 0  # compressed streams stay binary: ASCII85 only made files bigger and slower
# YAML folds a long line into one with a space where it broke; between two Japanese characters
# that space is an artefact, not a word break.
_FOLDED_SPACE = re.compile(r"(?<=[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]) (?=[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef])")

# Customer barcode geometry for the 10-point size: bar 0.6 mm, pitch 1.2 mm, long bar 3.6 mm.
BAR_WIDTH, BAR_PITCH, BAR_HEIGHT = 0.6, 1.2, 3.6
_BAR_SPANS = {"1": (0.0, 3.6), "2": (0.0, 2.4), "3": (1.2, 3.6), "4": (1.2, 2.4)}  # from the top, mm


def new_canvas(target, template: Template, title: str) -> Canvas:
    """A canvas whose only font is the embedded one (reportlab would otherwise name Helvetica,
    which is not embedded, at the top of every page)."""
    canvas = Canvas(target, pagesize=[side * mm for side in template.size_mm], pageCompression=1,
                    initialFontName=register_font(), initialFontSize=10.5)
    canvas.setTitle(title)
    return canvas


def inline_symbol(modules: numpy.ndarray) -> str:
    """A QR symbol as a 1-bit inline image in the page's content stream (BI … ID … EI).

    An image object per page (reportlab's drawImage) costs a compressed stream, a dictionary and
    a cross-reference entry each; the inline symbol is 150-odd bytes of hex that the page's own
    compression squeezes, and made a whole print run a fifth faster. Drawn in a unit square:
    the caller scales it.
    """
    rows, cols = modules.shape
    bits = numpy.packbits(modules > 127, axis=1).tobytes().hex()
    return f"BI /W {cols} /H {rows} /BPC 1 /CS /G /F /AHx ID {bits}> EI"


@dataclass
class TemplateRenderer:
    """Draws one template onto one canvas, page after page, household after household."""

    template: Template
    canvas: Canvas
    links: NoticeLinks | None = None  # the household's online link; by default the one `notice_links.using` set

    def __post_init__(self) -> None:
        self.links = self.links or current()
        self._form_id = ""  # the form being drawn, for the link hook
        self.font = register_font()
        self.width_mm, self.height_mm = self.template.size_mm
        self._forms: set[str] = set()
        reply = self.template.reply_to
        self._reply_barcode = encode(reply.postal_code, reply.address) if reply else None

    # --- geometry -------------------------------------------------------------------
    def _x(self, x_mm: float) -> float:
        return x_mm * mm

    def _y(self, y_mm: float) -> float:
        """reportlab measures from the bottom; templates measure from the top."""
        return (self.height_mm - y_mm) * mm

    def _rect(self, box: Box, fill: bool = False, stroke: bool = True) -> None:
        x, y, w, h = box
        self.canvas.rect(self._x(x), self._y(y + h), w * mm, h * mm, fill=int(fill), stroke=int(stroke))

    # --- text ------------------------------------------------------------------------
    def _text(self, text: str, x_mm: float, y_mm: float, size: float, bold: bool = False,
              align: str = "left") -> None:
        c = self.canvas
        width = stringWidth(text, self.font, size)
        x = self._x(x_mm) - {"left": 0, "center": width / 2, "right": width}[align]
        if bold:  # IPAexGothic has no bold face; a thin outline thickens the strokes instead
            c.saveState()
            c.setLineWidth(size * 0.03)
        t = c.beginText(x, self._y(y_mm))
        t.setFont(self.font, size)
        if bold:
            t.setTextRenderMode(2)
        t.textLine(text)
        c.drawText(t)
        if bold:
            c.restoreState()  # the text render mode is graphics state: restore it, or all text turns bold

    def _wrap(self, text: str, width_mm: float, size: float) -> list[str]:
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for ch in paragraph:
                if stringWidth(line + ch, self.font, size) > width_mm * mm and line:
                    lines.append(line)
                    line = ""
                line += ch
            lines.append(line)
        return lines

    def _paragraph(self, text: str, box: Box, size: float) -> None:
        x, y, w, _h = box
        text = _FOLDED_SPACE.sub("", text)
        for number, line in enumerate(self._wrap(text, w, size)):
            self._text(line, x, y + size * 0.3528 * (1.2 + 1.55 * number), size)

    # --- the static layer, once per file ---------------------------------------------
    def _static_form(self, page: Page) -> str:
        name = f"{self.template.name}-v{self.template.version}-p{page.number}"
        if name not in self._forms:
            c = self.canvas
            c.beginForm(name)
            c.setLineWidth(0.4)
            for item in page.static:
                self._draw_static(item)
            for field in page.fields:
                self._draw_field_frame(field)
            if self.template.scanned:
                for box in registration_marks(self.template.size_mm):
                    self._rect(box, fill=True, stroke=False)
            c.endForm()
            self._forms.add(name)
        return name

    def _draw_static(self, item) -> None:
        c = self.canvas
        if isinstance(item, Text):
            self._text(item.text, *item.at, size=item.size, bold=item.bold, align=item.align)
        elif isinstance(item, Paragraph):
            self._paragraph(item.text, item.box, item.size)
        elif isinstance(item, Frame):
            c.saveState()
            c.setLineWidth(item.width)
            if item.shade < 1:
                c.setFillGray(item.shade)
            self._rect(item.box, fill=item.shade < 1)
            c.restoreState()
        elif isinstance(item, Line):
            c.setLineWidth(item.width)
            c.line(self._x(item.start[0]), self._y(item.start[1]), self._x(item.end[0]), self._y(item.end[1]))
            c.setLineWidth(0.4)

    def _draw_field_frame(self, field: InputField) -> None:
        """The frame a resident writes into. Thin, so the scan check can tell frame from ink."""
        c = self.canvas
        c.setLineWidth(0.5)
        for box in field.boxes():
            self._rect(box)
        if field.kind == "digits" and field.box and field.cells:
            x, y, w, h = field.box
            for cell in range(1, field.cells):
                cx = x + w * cell / field.cells
                c.line(self._x(cx), self._y(y + h * 0.35), self._x(cx), self._y(y + h))
        if field.guide and field.box:
            c.saveState()
            c.setFillGray(GUIDE_GREY)
            x, y, w, h = field.box
            self._text(field.guide, x + 1.5, y + h - 1.8, size=7)
            c.restoreState()

    # --- the personal layer, per page --------------------------------------------------
    def draw(self, addressee: Addressee, form_id: str) -> int:
        """Draw every page of the template for one household; returns the number of pages."""
        self._form_id = form_id
        for page in self.template.pages:
            self.canvas.doForm(self._static_form(page))
            code = PageCode(form_id=form_id, household_id=addressee.household_id, page=page.number,
                            template=self.template.key)
            symbol = inline_symbol(qr_modules(code.text))  # made once, placed at every code position
            if self.template.scanned:
                for box in code_boxes(self.template.size_mm):
                    self._qr(symbol, box)
            for item in page.prefilled:
                self._prefilled(item, addressee, symbol)
            self.canvas.showPage()
        return len(self.template.pages)

    def _prefilled(self, item, addressee: Addressee, symbol: str) -> None:
        x, y, w, h = item.box
        if item.binding == "address_block":
            self._address_block(addressee, item.box, item.size)
        elif item.binding == "address_code":
            self._qr(symbol, item.box)
        elif item.binding == "customer_barcode":
            try:
                self._barcode(for_address(addressee.postal_code, f"{addressee.address}{addressee.address_extra}"),
                              item.box)
            except NoCustomerBarcode:
                pass  # representative postal codes are mailed without one, as the manual says
        elif item.binding == "return_address_block":
            reply = self.template.reply_to
            self._paragraph(f"〒{reply.postal_code}\n{reply.address}\n\n{reply.addressee}", item.box, item.size)
        elif item.binding == "return_customer_barcode":
            self._barcode(self._reply_barcode, item.box)
        elif item.binding == "notice_link":
            link = self.links(addressee, self._form_id) if self.links else None
            if link is not None:
                self._notice_link(link, item.box, item.size)
        elif item.binding == "deficiencies":
            lines = [f"・{line}" for line in addressee.deficiencies] or ["（なし）"]
            self._paragraph("\n".join(lines), item.box, item.size)
        else:
            text = addressee.text_for(item.binding)
            anchor = {"left": x, "center": x + w / 2, "right": x + w}[item.align]
            self._text(text, anchor, y + h * 0.75, item.size, bold=item.bold, align=item.align)

    def _address_block(self, addressee: Addressee, box: Box, size: float) -> None:
        x, y, w, _h = box
        postal = addressee.postal_code
        lines = [f"〒{postal[:3]}-{postal[3:]}", *self._wrap(addressee.address, w, size)]
        if addressee.address_extra:
            lines += self._wrap(addressee.address_extra, w, size)
        step = size * 0.3528 * 1.45
        for number, line in enumerate(lines):
            self._text(line, x, y + step * (number + 1), size)
        self._text(f"{addressee.head_name}　様", x + 4, y + step * (len(lines) + 1) + 2.5, size + 3)

    def _notice_link(self, link: NoticeLink, box: Box, size: float) -> None:
        """The QR code of the household's link at the box's left, square to its height; beside it the
        instruction and, larger, the short URL to type."""
        x, y, w, h = box
        # drawn as the page codes are, an inline image: reportlab's QR drawing would put a Helvetica
        # that is not embedded among the page's fonts, which a print shop's preflight refuses
        modules = qr_modules(link.url)
        quiet = h * 4 / (modules.shape[0] + 8)  # the four-module quiet zone a reader needs, inside the box
        self._qr(inline_symbol(modules), (x + quiet, y + quiet, h - 2 * quiet, h - 2 * quiet))
        text_x = x + h + 3
        self._paragraph(link.instruction, (text_x, y + 2, w - h - 3, h / 2), size)
        self._text(link.typed, text_x, y + h / 2 + size * 0.3528 * 2.2, size + 2)

    def _qr(self, symbol: str, box: Box) -> None:
        x, y, w, h = box
        c = self.canvas
        c.saveState()
        c.transform(w * mm, 0, 0, h * mm, self._x(x), self._y(y + h))
        c.addLiteral(symbol)
        c.restoreState()

    def _barcode(self, barcode: CustomerBarcode, box: Box) -> None:
        x, y, _w, _h = box
        path = self.canvas.beginPath()
        for number, kind in enumerate(barcode.bars):
            top, bottom = _BAR_SPANS[kind]
            path.rect(self._x(x + number * BAR_PITCH), self._y(y + bottom), BAR_WIDTH * mm, (bottom - top) * mm)
        self.canvas.drawPath(path, stroke=0, fill=1)
