"""Synthetic scans: printed forms, filled in by imaginary residents, fed through an imaginary scanner.

The check is calibrated and tested on these, and the demo uses them, because real returned
forms carry real residents' data and never enter the repository. Each step imitates a thing
seen on real returns:

- marks: a pen tick, a cross, a box blacked out, a circle, faint pencil, a red seal (which a
  greyscale scan turns mid-grey), handwriting that wanders over its box's frame;
- blank boxes with dust and specks;
- the scanner: a skew of a few degrees, ±3 % scale, a shift, an upside-down feed, blur,
  noise, a faded lamp, 200 or 300 dpi, JPEG at several qualities or PNG;
- a sheet feeder's window (`Feed.feeder`): set to the paper's size with a little overscan, so
  a sheet that comes through skewed or shifted loses a corner (and its registration mark) over
  the image's edge, and rollers that stretch a page along its travel.

Every filled field is recorded as the truth, so a benchmark can count what the check got wrong.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import cv2
import numpy

from mailroom.printing.addressee import Addressee
from mailroom.printing.render import TemplateRenderer, new_canvas
from templates.schema import Box, InputField, Template

PEN = (25, 90)        # grey levels of a ballpoint or felt pen on a greyscale scan
PENCIL = (135, 185)   # a faint pencil
SEAL = (105, 150)     # vermilion ink, scanned in grey
CHECKBOX_STYLES = ("tick", "tick", "tick", "cross", "fill", "circle", "pencil")
TEXT_STYLES = ("pen", "pen", "pen", "pencil")
SIGNATURE_STYLES = ("pen", "seal", "pen_and_seal")
BED_MARGIN_MM = 8.0   # a flatbed's glass sees this much beyond each edge of an A4 sheet
FEEDER_MARGIN_MM = 2.0  # a feeder set to the paper's size overscans this much


def render_pages(template: Template, addressee: Addressee, form_id: str, dpi: int = 300) -> list[numpy.ndarray]:
    """The household's printed pages as greyscale images, as a clean scan would see them."""
    import pypdfium2

    buffer = io.BytesIO()
    canvas = new_canvas(buffer, template, template.title)
    TemplateRenderer(template, canvas).draw(addressee, form_id)
    canvas.save()
    document = pypdfium2.PdfDocument(buffer.getvalue())
    try:
        pages = []
        for page in document:
            image = page.render(scale=dpi / 72, grayscale=True).to_numpy()
            pages.append(numpy.ascontiguousarray(image[..., 0] if image.ndim == 3 else image))
        return pages
    finally:
        document.close()


@dataclass
class Truth:
    """What the imaginary resident really did: each field (and each choice option) filled or not."""

    fields: dict[str, bool] = field(default_factory=dict)
    options: dict[str, dict[str, bool]] = field(default_factory=dict)
    styles: dict[str, str] = field(default_factory=dict)  # how each filled field was marked


class Pen:
    """Draws marks onto a page image in the template's millimetres."""

    def __init__(self, image: numpy.ndarray, dpi: int, rng: numpy.random.Generator):
        self.image = image
        self.scale = dpi / 25.4
        self.rng = rng

    def px(self, x_mm: float, y_mm: float) -> tuple[int, int]:
        return int(round(x_mm * self.scale)), int(round(y_mm * self.scale))

    def width(self, mm_: float) -> int:
        return max(1, int(round(mm_ * self.scale)))

    def shade(self, span: tuple[int, int]) -> int:
        return int(self.rng.integers(*span))

    def jitter(self, box: Box, share: float = 0.12) -> tuple[float, float, float, float]:
        x, y, w, h = box
        dx, dy = self.rng.uniform(-share, share, 2) * (w, h)
        return x + dx, y + dy, w, h

    # -- marks --------------------------------------------------------------------------
    def tick(self, box: Box, grey: int, thickness_mm: float = 0.45) -> None:
        x, y, w, h = self.jitter(box)
        points = [(x + 0.15 * w, y + 0.5 * h), (x + 0.42 * w, y + 0.85 * h), (x + 1.05 * w, y - 0.15 * h)]
        self.polyline(points, grey, thickness_mm)

    def cross(self, box: Box, grey: int) -> None:
        x, y, w, h = self.jitter(box)
        self.polyline([(x + 0.15 * w, y + 0.15 * h), (x + 0.85 * w, y + 0.85 * h)], grey, 0.45)
        self.polyline([(x + 0.85 * w, y + 0.15 * h), (x + 0.15 * w, y + 0.85 * h)], grey, 0.45)

    def fill(self, box: Box, grey: int) -> None:
        x, y, w, h = box
        cv2.rectangle(self.image, self.px(x + 0.8, y + 0.8), self.px(x + w - 0.8, y + h - 0.8), grey, -1)

    def circle(self, box: Box, grey: int) -> None:
        x, y, w, h = self.jitter(box, 0.08)
        centre = self.px(x + w / 2, y + h / 2)
        axes = (int(w * 0.38 * self.scale), int(h * 0.36 * self.scale))
        cv2.ellipse(self.image, centre, axes, float(self.rng.uniform(-20, 20)), 0, 340, grey, self.width(0.4),
                    cv2.LINE_AA)

    def seal(self, box: Box, grey: int) -> None:
        """A round 認印: a ring with a family name inside, in red ink that scans mid-grey."""
        x, y, w, h = box
        radius = min(5.5, h * 0.4)
        cx = x + w * self.rng.uniform(0.6, 0.85)
        cy = y + h / 2 + self.rng.uniform(-1, 1)
        cv2.circle(self.image, self.px(cx, cy), int(radius * self.scale), grey, self.width(0.6), cv2.LINE_AA)
        self.scribble((cx - radius * 0.5, cy - radius * 0.6, radius, radius * 1.2), grey, 0.5, strokes=3)

    def scribble(self, box: Box, grey: int, thickness_mm: float, strokes: int) -> None:
        """Handwriting-like strokes: short curved runs, character by character, left to right."""
        x, y, w, h = box
        step = w / max(1, strokes)
        for number in range(strokes):
            left = x + number * step
            points = [(left + self.rng.uniform(0.1, 0.9) * step, y + self.rng.uniform(0.1, 0.9) * h)
                      for _ in range(int(self.rng.integers(3, 6)))]
            self.polyline(points, grey, thickness_mm)

    def handwriting(self, box: Box, grey: int, thickness_mm: float = 0.4, wander: bool = False) -> None:
        x, y, w, h = box
        length = w * self.rng.uniform(0.35, 0.9)
        characters = max(2, int(length / max(3.0, h * 0.6)))
        top = y + h * 0.2 - (h * 0.25 if wander else 0)  # wandering writing crosses the top frame
        self.scribble((x + 1.5, top, length, h * 0.6), grey, thickness_mm, characters)

    def digits(self, box: Box, cells: int, grey: int, text: str) -> None:
        x, y, w, h = box
        cell = w / cells
        for number, digit in enumerate(text[-cells:].rjust(cells)):
            if digit == " ":
                continue
            height_mm = h * self.rng.uniform(0.5, 0.7)  # a Hershey digit is about 22 units tall at scale 1
            origin = self.px(x + number * cell + cell * self.rng.uniform(0.15, 0.3), y + h * 0.5 + height_mm / 2)
            cv2.putText(self.image, digit, origin, cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, height_mm * self.scale / 22,
                        grey, self.width(0.35), cv2.LINE_AA)

    def polyline(self, points, grey: int, thickness_mm: float) -> None:
        array = numpy.array([self.px(px, py) for px, py in points], dtype=numpy.int32)
        cv2.polylines(self.image, [array], False, grey, self.width(thickness_mm), cv2.LINE_AA)

    def dust(self, count: int) -> None:
        """Specks a scanner's glass and the envelope's paper leave: up to 0.3 mm across."""
        height, width = self.image.shape
        for _ in range(count):
            centre = (int(self.rng.integers(0, width)), int(self.rng.integers(0, height)))
            radius = int(self.rng.integers(1, max(2, int(0.15 * self.scale))))
            cv2.circle(self.image, centre, radius, int(self.rng.integers(40, 160)), -1)

    def dust_in(self, box: Box, count: int) -> None:
        x, y, w, h = box
        for _ in range(count):
            px, py = self.px(x + self.rng.uniform(0.5, w - 0.5), y + self.rng.uniform(0.5, h - 0.5))
            cv2.circle(self.image, (px, py), int(self.rng.integers(1, max(2, int(0.12 * self.scale)))),
                       int(self.rng.integers(60, 170)), -1)


def fill_page(image: numpy.ndarray, template: Template, page: int, plan: dict[str, object], dpi: int,
              rng: numpy.random.Generator, truth: Truth) -> None:
    """Mark the page's fields as `plan` says: True for a checkbox, a value for a choice, text for
    text, digits and date fields, True for a signature; a field left out stays blank (with dust)."""
    pen = Pen(image, dpi, rng)
    for item in template.pages[page - 1].fields:
        value = plan.get(item.name)
        if item.kind == "choice":
            chosen = value if isinstance(value, (list, tuple, set)) else ([value] if value else [])
            truth.options[item.name] = {option.value: option.value in chosen for option in item.options}
            truth.fields[item.name] = bool(chosen)
            for option in item.options:
                if option.value in chosen:
                    truth.styles[f"{item.name}={option.value}"] = _checkbox(pen, option.box)
                elif rng.random() < 0.5:
                    pen.dust_in(option.box, int(rng.integers(1, 3)))
            continue
        truth.fields[item.name] = bool(value)
        if value:
            truth.styles[item.name] = _mark(pen, item, value)
        elif rng.random() < 0.6:
            pen.dust_in(item.box, int(rng.integers(1, 4)))
    pen.dust(int(rng.integers(10, 60)))


def _checkbox(pen: Pen, box: Box) -> str:
    style = CHECKBOX_STYLES[int(pen.rng.integers(len(CHECKBOX_STYLES)))]
    if style == "pencil":
        pen.tick(box, pen.shade(PENCIL), 0.3)
    elif style == "cross":
        pen.cross(box, pen.shade(PEN))
    elif style == "fill":
        pen.fill(box, pen.shade(PEN))
    elif style == "circle":
        pen.circle(box, pen.shade(PEN))
    else:
        pen.tick(box, pen.shade(PEN))
    return style


def _mark(pen: Pen, item: InputField, value) -> str:
    if item.kind == "checkbox":
        return _checkbox(pen, item.box)
    if item.kind == "signature":
        style = SIGNATURE_STYLES[int(pen.rng.integers(len(SIGNATURE_STYLES)))]
        if style in ("pen", "pen_and_seal"):
            pen.handwriting(item.box, pen.shade(PEN), 0.45)
        if style in ("seal", "pen_and_seal"):
            pen.seal(item.box, pen.shade(SEAL))
        return style
    style = TEXT_STYLES[int(pen.rng.integers(len(TEXT_STYLES)))]
    grey, thickness = (pen.shade(PENCIL), 0.3) if style == "pencil" else (pen.shade(PEN), 0.4)
    if item.kind == "digits":
        pen.digits(item.box, item.cells or 1, grey, str(value))
    else:
        pen.handwriting(item.box, grey, thickness, wander=pen.rng.random() < 0.15)
    return style


@dataclass(frozen=True)
class Feed:
    """How the scanner took the page."""

    angle: float = 0.0          # degrees of skew
    scale: float = 1.0
    shift_mm: tuple[float, float] = (0.0, 0.0)
    upside_down: bool = False
    blur: float = 0.0           # Gaussian sigma in pixels
    noise: float = 0.0          # standard deviation of grey-level noise
    fade: float = 1.0           # 1 = full contrast; 0.7 = a tired lamp
    dpi: int = 300
    quality: int = 90           # JPEG quality
    margin_mm: float = BED_MARGIN_MM  # how far the image reaches past each edge of a sheet lying square
    stretch: float = 1.0        # extra scale along the sheet's travel (rollers that slip or pull)
    format: str = "jpeg"        # what the scanner writes: "jpeg" or "png"

    @staticmethod
    def random(rng: numpy.random.Generator, dpi: int | None = None, upside_down: bool | None = None) -> "Feed":
        return Feed(angle=float(rng.uniform(-4, 4)), scale=float(rng.uniform(0.97, 1.03)),
                    shift_mm=(float(rng.uniform(-4, 4)), float(rng.uniform(-4, 4))),
                    upside_down=bool(rng.random() < 0.3) if upside_down is None else upside_down,
                    blur=float(rng.choice([0.0, 0.6, 1.0])), noise=float(rng.uniform(0, 6)),
                    fade=float(rng.uniform(0.75, 1.0)), dpi=dpi or int(rng.choice([200, 300])),
                    quality=int(rng.choice([60, 75, 90])))

    @staticmethod
    def feeder(rng: numpy.random.Generator, dpi: int | None = None, margin_mm: float = FEEDER_MARGIN_MM) -> "Feed":
        """A sheet feeder's mixed output, as a mailroom's scanner delivers it: the window set to the
        paper's size (`margin_mm` of overscan), skew up to ±4°, shift up to ±4 mm, one sheet in ten
        upside down, ±1 % scale and ±0.5 % stretch along the travel, 200 or 300 dpi, JPEG or PNG."""
        return Feed(angle=float(rng.uniform(-4, 4)), scale=float(rng.uniform(0.99, 1.01)),
                    shift_mm=(float(rng.uniform(-4, 4)), float(rng.uniform(-4, 4))),
                    upside_down=bool(rng.random() < 0.1), blur=float(rng.choice([0.0, 0.6, 1.0])),
                    noise=float(rng.uniform(0, 6)), fade=float(rng.uniform(0.75, 1.0)),
                    dpi=dpi or int(rng.choice([200, 300])), quality=int(rng.choice([60, 75, 90])),
                    margin_mm=margin_mm, stretch=float(rng.uniform(0.995, 1.005)),
                    format=str(rng.choice(["jpeg", "png"])))

    @property
    def suffix(self) -> str:
        return ".png" if self.format == "png" else ".jpg"

    def encode(self, pixels: numpy.ndarray) -> bytes:
        """The file the scanner writes."""
        if self.format == "png":
            ok, data = cv2.imencode(".png", pixels)
            if not ok:
                raise RuntimeError("PNG encoding failed")
            return data.tobytes()
        return to_jpeg(pixels, self.quality)

    def output_size(self, source_shape: tuple[int, int], source_dpi: int) -> tuple[int, int]:
        """The scanned image's (width, height) in pixels."""
        height, width = source_shape
        ratio = self.dpi / source_dpi
        window = 2 * self.margin_mm * self.dpi / 25.4
        return int(round(width * ratio + window)), int(round(height * ratio + window))

    def placement(self, source_shape: tuple[int, int], source_dpi: int) -> numpy.ndarray:
        """3×3: a pixel of the clean page image → where the scanner puts it (the truth a registration
        is measured against)."""
        height, width = source_shape
        out_width, out_height = self.output_size(source_shape, source_dpi)
        matrix = numpy.vstack([cv2.getRotationMatrix2D((width / 2, height / 2), self.angle,
                                                       self.scale * self.dpi / source_dpi), [0, 0, 1]])
        matrix[0, 2] += (out_width - width) / 2 + self.shift_mm[0] * self.dpi / 25.4
        matrix[1, 2] += (out_height - height) / 2 + self.shift_mm[1] * self.dpi / 25.4
        stretch = numpy.array([[1, 0, 0], [0, self.stretch, (1 - self.stretch) * out_height / 2], [0, 0, 1]])
        matrix = stretch @ matrix
        if self.upside_down:
            matrix = numpy.array([[-1, 0, out_width - 1], [0, -1, out_height - 1], [0, 0, 1]]) @ matrix
        return matrix


def scan(image: numpy.ndarray, feed: Feed, source_dpi: int, rng: numpy.random.Generator) -> numpy.ndarray:
    """The page as the scanner outputs it, still as pixels (see `Feed.encode`). What the window
    sees past the sheet's edge is the scanner's white backing."""
    paper = int(rng.integers(235, 252))
    matrix = feed.placement(image.shape, source_dpi)[:2]
    page = cv2.warpAffine(image, matrix, feed.output_size(image.shape, source_dpi),
                          flags=cv2.INTER_AREA if feed.dpi < source_dpi else cv2.INTER_LINEAR, borderValue=paper)
    values = page.astype(numpy.float32)
    values = paper - (paper - numpy.minimum(values, paper)) * feed.fade
    if feed.blur:
        values = cv2.GaussianBlur(values, (0, 0), feed.blur)
    if feed.noise:
        values += rng.normal(0, feed.noise, values.shape).astype(numpy.float32)
    return numpy.clip(values, 0, 255).astype(numpy.uint8)


def to_jpeg(pixels: numpy.ndarray, quality: int) -> bytes:
    ok, data = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return data.tobytes()


# -- plans: what a resident writes -------------------------------------------------------

def complete_plan(rng: numpy.random.Generator, new_account: bool | None = None) -> dict[str, object]:
    """A correctly completed 支給要件確認書."""
    new = bool(rng.random() < 0.4) if new_account is None else new_account
    plan: dict[str, object] = dict(confirm_tax_exempt=True, confirm_not_dependent=True, receive=True,
                                   account_choice="new" if new else "on_file", phone="0432451234",
                                   signed_date="令和8年12月10日", signature=True, attach_id=True)
    if new:
        plan.update(bank_name="ちば銀行", branch_name="本店", account_type="ordinary",
                    account_number=f"{int(rng.integers(0, 10_000_000)):07d}", account_holder_kana="ヤマダ タロウ",
                    attach_bank=True)
    return plan


def random_plan(rng: numpy.random.Generator, template: Template) -> dict[str, object]:
    """Every field independently filled or blank (about half each): the accuracy benchmark's diet."""
    plan: dict[str, object] = {}
    for item in template.fields().values():
        if rng.random() < 0.5:
            continue
        if item.kind == "choice":
            plan[item.name] = item.options[int(rng.integers(len(item.options)))].value
        elif item.kind == "digits":
            plan[item.name] = "".join(str(d) for d in rng.integers(0, 10, item.cells or 1))
        else:
            plan[item.name] = True if item.kind in ("checkbox", "signature") else "あいう"
    return plan


def damage(plan: dict[str, object], *blank: str) -> dict[str, object]:
    """The same plan with the named fields left blank."""
    return {name: value for name, value in plan.items() if name not in blank}

