"""Finding which page a scan is, and where the template's millimetres fall on it.

The page code (printed twice, at the top-right and bottom-left) is read from the image's
corners first, because that is where it sits in any feed direction (a half turn swaps the two
corners). Its corners place the page roughly, and the solid registration marks near the page's
corners place it exactly: three of four marks fix an affine map, four a homography, so a torn or
scribbled corner still registers.

A sheet feeder's window is the paper's size, so a sheet that comes through skewed and shifted a
few millimetres loses one or two corners, marks and all, over the image's edge (a mark cut
through is not used: its centre would be off). Then the page is placed from what is left: the
other code symbol is read too, and the two symbols, a quarter of a metre apart, and the marks
left give a first placement; the template's own printed frames around the input boxes (found on
the scan by `ink.frame_offset`) then fix it where it matters, and vouch for it. Only when too few
frames agree on one placement is the page refused, as `Unregistered`, which still says which
form and page it is, so the operator knows where it belongs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy
import zxingcpp

from mailroom.printing.page_code import PREFIX, PageCode, PageCodeError, parse
from mailroom.scanning.images import ScanError
from mailroom.scanning.ink import frame_offset
from templates.schema import MARK_SIZE, Box, Template, code_boxes, registration_marks

QR = zxingcpp.BarcodeFormat.QRCode
MARK_SEARCH_MM = 9.0      # how far from its predicted place a registration mark is looked for
CODE_SEARCH_MM = 6.0      # how far around where the first symbol puts it the other one is looked for
FRAME_SEARCH_MM = 2.5     # how far from where codes and marks put it a box's printed frame is looked for
FRAME_SETTLE_MM = 1.0     # ... and around each better placement
FRAME_SETTLED_MM = 0.1    # a placement that moves no more than this at any frame has settled
FRAME_PASSES = 4          # ... within this many passes, or it is not sure
FRAME_AGREES_MM = 0.35    # a frame or a mark this close to the placement the others agree on confirms it
SYMBOL_AGREES_MM = 1.0    # a code symbol's corner (read to a fifth of a millimetre or so) this close
FRAMES_NEEDED = 3         # frames that must agree when marks are missing
SYMBOL_WEIGHT, MARK_WEIGHT, FRAME_WEIGHT = 1.0, 4.0, 2.0  # in the fit: a mark's centroid is the surest point
SYMBOLS_AGREE_MM = 2.0    # both code symbols within this of one placement (a stretched page stays within)
COLLINEAR_MM = 40.0       # points narrower than this across fix a similarity, not an affine map
SEARCH_HALVED_FROM = 1600  # pixels along an image's shorter side (A4 from 200 dpi): codes are searched at half size


class Unregistered(ScanError):
    """The page's code was read, so which form and page it is is known, but where its boxes lie
    on the image is not sure enough to judge them: an operator looks at it."""

    def __init__(self, code: PageCode, message: str):
        super().__init__("not_registered", message)
        self.page_code = code

    def __reduce__(self):
        return type(self), (self.page_code, self.message)


@dataclass(frozen=True)
class Located:
    code: PageCode
    to_image: numpy.ndarray  # 3×3: template millimetres → image pixels
    marks_found: int
    rotation: int  # degrees the page was turned in the feed (0, 90, 180, 270)
    symbols_found: int = 1  # code symbols read (the page carries two)
    frames_agreeing: int = 0  # printed frames that fixed the placement (when fewer than three marks were whole)

    def point(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        x, y, w = self.to_image @ numpy.array([x_mm, y_mm, 1.0])
        return float(x / w), float(y / w)


def read_page_code(pixels: numpy.ndarray) -> tuple[PageCode, list[numpy.ndarray], int]:
    """Our page code: the code, the corners in image pixels (symbol top-left, top-right,
    bottom-right, bottom-left) of the symbols read (the first found; both when the whole image had
    to be searched), and the symbols' orientation.

    Upright or upside down, a symbol sits in the image's top-right corner, and in its bottom-left
    one: those two are searched first, then the whole image (a page turned a quarter, a page with
    someone else's code, a copy with none; which is each ID copy, so its search is kept to one pass).
    A large image is searched at half its size, a quarter of the pixels (a page code's module, half
    a millimetre, is still two pixels at 100 dpi), and a symbol found there is read again at full size."""
    scale = 2 if min(pixels.shape) >= SEARCH_HALVED_FROM else 1
    search = cv2.resize(pixels, None, fx=1 / scale, fy=1 / scale, interpolation=cv2.INTER_AREA) if scale > 1 else pixels
    height, width = search.shape
    ch, cw = height * 3 // 10, width * 4 // 10
    foreign = False
    for top, left in [(0, width - cw), (height - ch, 0)]:
        found, foreign_here = _our_codes(search[top:top + ch, left:left + cw], (left, top), fast=True)
        foreign |= foreign_here
        if found:
            return _at_full_size(pixels, found, scale, symbols=1)
    found, foreign_here = _our_codes(search, (0, 0), fast=False)
    if found:
        return _at_full_size(pixels, found, scale, symbols=2)
    if foreign or foreign_here:
        raise ScanError("foreign_code", "コードはありますが、この事務局のページコードではありません"
                                        "（他所の書類です）")
    raise ScanError("no_page_code", "ページコードが見つかりません")


def _at_full_size(pixels: numpy.ndarray, found, scale: int, symbols: int) -> tuple[PageCode, list[numpy.ndarray], int]:
    """The first `symbols` symbols of a code found on the image shrunk by `scale`, read again at the
    image's full size around where they lie (as found, scaled up, if one is not read there)."""
    code, corners, orientation = found
    if scale == 1:
        return code, corners[:symbols], orientation
    placed = []
    for rough in corners[:symbols]:
        rough = scale * rough + (scale - 1) / 2  # a shrunk pixel's centre is the centre of the pixels it covers
        reach = numpy.linalg.norm(rough[0] - rough[2]) / 2  # a quiet zone and more on every side
        height, width = pixels.shape
        left, top = (max(0, int(value - reach)) for value in rough.min(axis=0))
        right, bottom = (int(min(limit, value + reach)) for value, limit in zip(rough.max(axis=0), (width, height)))
        again, _foreign = _our_codes(pixels[top:bottom, left:right], (left, top), fast=True)
        placed.append(again[1][0] if again and again[0] == code else rough)
    return code, placed, orientation


def _our_codes(pixels: numpy.ndarray, offset: tuple[int, int], fast: bool):
    """(code, [corners of each symbol carrying it], orientation) for the first of our codes in
    `pixels`, or None; and whether a code that is not ours was seen."""
    # a QR symbol is found at any turn without the rotated passes, and printed codes are dark on
    # light: those passes and the inverted one (white on black) would more than double the search
    # of every page with no code at all (each ID copy) for nothing
    options = dict(try_rotate=False, try_invert=False)
    if fast:
        options.update(try_downscale=False)
    foreign = False
    code, symbols, orientation = None, [], 0
    for barcode in zxingcpp.read_barcodes(pixels, formats=QR, **options):
        if not barcode.text.startswith(PREFIX + "|"):
            foreign = True
            continue
        try:
            this = parse(barcode.text)
        except PageCodeError:
            continue
        if code is not None and this != code:
            continue
        p = barcode.position
        points = numpy.array([[p.top_left.x, p.top_left.y], [p.top_right.x, p.top_right.y],
                              [p.bottom_right.x, p.bottom_right.y], [p.bottom_left.x, p.bottom_left.y]],
                             dtype=numpy.float64)
        if code is None:
            code, orientation = this, barcode.orientation
        symbols.append(points + numpy.array(offset, dtype=numpy.float64))
    return ((code, symbols, orientation) if code is not None else None), foreign


def _other_symbol(pixels: numpy.ndarray, code: PageCode, guess: numpy.ndarray, box: Box) -> numpy.ndarray | None:
    """The corners of the code symbol printed in `box`, read from around where `guess` puts it."""
    x, y, w, h = box
    reach = CODE_SEARCH_MM
    corners = _apply_all(guess, _box_corners((x - reach, y - reach, w + 2 * reach, h + 2 * reach)))
    height, width = pixels.shape
    left, top = (max(0, int(value)) for value in corners.min(axis=0))
    right, bottom = int(min(width, corners[:, 0].max())), int(min(height, corners[:, 1].max()))
    if right - left < 16 or bottom - top < 16:
        return None
    found, _foreign = _our_codes(pixels[top:bottom, left:right], (left, top), fast=True)
    return found[1][0] if found and found[0] == code else None


def _box_corners(box: Box) -> numpy.ndarray:
    x, y, w, h = box
    return numpy.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=numpy.float64)


def _centre(box: Box) -> tuple[float, float]:
    return box[0] + box[2] / 2, box[1] + box[3] / 2


def locate(pixels: numpy.ndarray, template: Template, code: PageCode, symbols: list[numpy.ndarray],
           orientation: int) -> Located:
    """Where the template lies on the image; raises `Unregistered` when that is not sure."""
    placed = _place_symbols(pixels.shape, template, code, symbols)
    px_per_mm = _scale(placed.guess)
    marks_template, marks_image = [], []
    for box in registration_marks(template.size_mm):
        found = _find_mark(pixels, _apply(placed.guess, _centre(box)), px_per_mm)
        if found is not None:
            marks_template.append(_centre(box))
            marks_image.append(found)
    rotation = int(round(orientation / 90.0)) * 90 % 360
    if len(marks_image) >= 3:
        source = numpy.array(marks_template, dtype=numpy.float32)
        target = numpy.array(marks_image, dtype=numpy.float32)
        if len(marks_image) == 4:
            to_image = cv2.getPerspectiveTransform(source, target).astype(numpy.float64)
        else:
            to_image = numpy.vstack([cv2.getAffineTransform(source, target), [0, 0, 1]]).astype(numpy.float64)
        return Located(code=code, to_image=to_image, marks_found=len(marks_image), rotation=rotation,
                       symbols_found=len(placed.boxes))
    if len(placed.boxes) == 1:  # the other symbol, a quarter of a metre away, fixes the turn far better
        other = _other_symbol(pixels, code, placed.guess, code_boxes(template.size_mm)[1 - placed.boxes[0]])
        if other is not None:
            placed = _place_symbols(pixels.shape, template, code, [*symbols[:1], other])
    # marks short (cut off by the image's edge, torn, covered): the code symbols and the marks left
    # place the page roughly, and with the printed frames exactly
    evidence = _Evidence()
    evidence.add(placed.template, placed.image, SYMBOL_WEIGHT, SYMBOL_AGREES_MM)
    evidence.add(numpy.array(marks_template).reshape(-1, 2), numpy.array(marks_image).reshape(-1, 2), MARK_WEIGHT,
                 FRAME_AGREES_MM)
    rough = _fit(evidence.template, evidence.image, evidence.weights)
    to_image, agreeing = _fix_on_frames(pixels, template, code.page, rough, evidence)
    if to_image is None:
        raise Unregistered(code, f"様式 {code.form_id} の {code.page} 頁目ですが、位置合わせができません"
                                 f"（四隅のマーク {len(marks_image)}/4 個、位置の合う印刷枠 {agreeing} 個）。"
                                 "用紙の折れ・欠け・汚れを確かめ、読み直すか目視で確認してください。")
    return Located(code=code, to_image=to_image, marks_found=len(marks_image), rotation=rotation,
                   symbols_found=len(placed.boxes), frames_agreeing=agreeing)


@dataclass(frozen=True)
class _Symbols:
    """The code symbols read, as placed on the template: which code box each is, its corners on the
    template (mm) and on the image (px), and the similarity they imply."""

    boxes: tuple[int, ...]
    template: numpy.ndarray
    image: numpy.ndarray
    guess: numpy.ndarray


def _place_symbols(shape, template: Template, code: PageCode, symbols: list[numpy.ndarray]) -> _Symbols:
    """Which code box each symbol is, decided by where the rest of the page would then fall (only
    one choice keeps it on the image) and, with both symbols, by which choice fits both.

    A similarity (turn, scale, shift), not a homography: the symbol's corners come back to the
    pixel, and a perspective fitted to four points 18 mm apart swings wildly 280 mm away.
    """
    height, width = shape
    page_w, page_h = template.size_mm
    boxes = [_box_corners(box) for box in code_boxes(template.size_mm)]
    target = numpy.vstack(symbols)
    best, best_key = None, None
    for first in range(len(boxes)):
        order = (first, 1 - first)[:len(symbols)]
        source = numpy.vstack([boxes[number] for number in order])
        similarity = _fit(source, target, numpy.ones(len(source)), affine=False)
        centre = _apply(similarity, (page_w / 2, page_h / 2))
        outside = max(0.0, -centre[0], centre[0] - width) + max(0.0, -centre[1], centre[1] - height)
        residual = float(numpy.max(numpy.linalg.norm(_apply_all(similarity, source) - target, axis=1)))
        if best_key is None or (outside, residual) < best_key:
            best, best_key = _Symbols(order, source, target, similarity), (outside, residual)
    if not numpy.isfinite(best.guess).all() or _scale(best.guess) <= 0:
        raise Unregistered(code, f"様式 {code.form_id} の {code.page} 頁目ですが、ページコードの位置が"
                                 "読み取れず、位置合わせができません。")
    if len(symbols) > 1 and best_key[1] > SYMBOLS_AGREE_MM * _scale(best.guess):
        return _place_symbols(shape, template, code, symbols[:1])  # two symbols no placement fits: the first
    return best


def _fit(source: numpy.ndarray, target: numpy.ndarray, weights: numpy.ndarray, affine: bool | None = None) -> numpy.ndarray:
    """The 3×3 map taking `source` to `target` by weighted least squares: affine when the points
    spread across the page (or `affine` says so), a similarity when they lie near one line."""
    if affine is None:
        affine = len(source) >= 3 and _spread_mm(source) >= COLLINEAR_MM
    x, y = source[:, 0], source[:, 1]
    one, zero = numpy.ones_like(x), numpy.zeros_like(x)
    if affine:  # x' = a x + b y + c, y' = d x + e y + f
        rows = numpy.vstack([numpy.column_stack([x, y, one, zero, zero, zero]),
                             numpy.column_stack([zero, zero, zero, x, y, one])])
    else:  # x' = a x - b y + c, y' = b x + a y + f
        rows = numpy.vstack([numpy.column_stack([x, -y, one, zero]), numpy.column_stack([y, x, zero, one])])
    root = numpy.sqrt(numpy.concatenate([weights, weights]))
    values = numpy.concatenate([target[:, 0], target[:, 1]])
    solution = numpy.linalg.lstsq(rows * root[:, None], values * root, rcond=None)[0]
    if affine:
        return numpy.array([solution[0:3], solution[3:6], [0, 0, 1]], dtype=numpy.float64)
    a, b, c, f = solution
    return numpy.array([[a, -b, c], [b, a, f], [0, 0, 1]], dtype=numpy.float64)


def _spread_mm(points: numpy.ndarray) -> float:
    """How wide the points lie across their narrowest direction (twice their standard deviation there)."""
    centred = points - points.mean(axis=0)
    return float(2 * numpy.linalg.svd(centred, compute_uv=False)[-1] / numpy.sqrt(len(points)))


@dataclass
class _Evidence:
    """Points whose place on the template (mm) and on the image (px) are both known, each with a
    weight in the fit and how far (mm) from the fitted placement it may lie."""

    template: numpy.ndarray = field(default_factory=lambda: numpy.empty((0, 2)))
    image: numpy.ndarray = field(default_factory=lambda: numpy.empty((0, 2)))
    weights: numpy.ndarray = field(default_factory=lambda: numpy.empty(0))
    tolerance: numpy.ndarray = field(default_factory=lambda: numpy.empty(0))

    def add(self, template: numpy.ndarray, image: numpy.ndarray, weight: float, tolerance: float) -> None:
        self.template = numpy.vstack([self.template, template])
        self.image = numpy.vstack([self.image, image])
        self.weights = numpy.concatenate([self.weights, numpy.full(len(template), weight)])
        self.tolerance = numpy.concatenate([self.tolerance, numpy.full(len(template), tolerance)])

    def residuals_mm(self, to_image: numpy.ndarray) -> numpy.ndarray:
        return numpy.linalg.norm(_apply_all(to_image, self.template) - self.image, axis=1) / _scale(to_image)


def _fix_on_frames(pixels: numpy.ndarray, template: Template, page: int, rough: numpy.ndarray,
                   evidence: _Evidence) -> tuple[numpy.ndarray | None, int]:
    """The affine placement that fits the code symbols, the marks found and the printed frames of
    the page's input boxes, and how many frames agree with it; None when too few frames agree
    (see `_agreeing_fit`) or the placement does not settle.

    A frame is found by sliding the template's rendering of it over the scan, which measures a
    shift and assumes the turn and scale right: the frames are found again around each better
    placement, until it moves no more."""
    placement, search, agreeing = rough, FRAME_SEARCH_MM, 0
    for _ in range(FRAME_PASSES):
        frames = _frames(pixels, template, page, placement, search)
        fitted, agreeing = _agreeing_fit(evidence, frames)
        if fitted is None:
            return None, agreeing
        moved = numpy.linalg.norm(_apply_all(fitted, frames[0]) - _apply_all(placement, frames[0]), axis=1).max()
        placement, search = fitted, FRAME_SETTLE_MM
        if moved / _scale(fitted) <= FRAME_SETTLED_MM:
            return placement, agreeing
    return None, agreeing


def _frames(pixels: numpy.ndarray, template: Template, page: int, placement: numpy.ndarray,
            search_mm: float) -> tuple[numpy.ndarray, numpy.ndarray]:
    """The centres of the input boxes whose printed frames were found, in template mm, and where
    they lie on the image."""
    found_template, found_image = [], []
    for item in template.pages[page - 1].fields:
        for box in [option.box for option in item.options] if item.options else [item.box]:
            offset = frame_offset(pixels, placement, template.key, page, box, search_mm)
            if offset is not None:
                centre = _centre(box)
                found_template.append(centre)
                found_image.append(_apply(placement, (centre[0] + offset[0], centre[1] + offset[1])))
    return numpy.array(found_template).reshape(-1, 2), numpy.array(found_image).reshape(-1, 2)


def _agreeing_fit(evidence: _Evidence, frames: tuple[numpy.ndarray, numpy.ndarray]) -> tuple[numpy.ndarray | None, int]:
    """The affine map fitted to the evidence and the frames that agree with it, and how many do:
    the frame that fits worst is dropped until every one left lies within `FRAME_AGREES_MM` (a
    frame written over, or matched to something else, disagrees). None when fewer than
    `FRAMES_NEEDED` frames, or no more than half of those found, agree, or a symbol or mark does not."""
    found = len(frames[0])
    kept = list(range(found))
    while len(kept) >= FRAMES_NEEDED:
        points = _Evidence(evidence.template, evidence.image, evidence.weights, evidence.tolerance)
        points.add(frames[0][kept], frames[1][kept], FRAME_WEIGHT, FRAME_AGREES_MM)
        placement = _fit(points.template, points.image, points.weights, affine=True)
        residuals = points.residuals_mm(placement)
        frame_residuals = residuals[len(evidence.weights):]
        worst = int(numpy.argmax(frame_residuals))
        if frame_residuals[worst] > FRAME_AGREES_MM:
            del kept[worst]
            continue
        if len(kept) * 2 <= found or (residuals[:len(evidence.weights)] > evidence.tolerance).any():
            return None, len(kept)
        return placement, len(kept)
    return None, len(kept)


def _apply(homography: numpy.ndarray, point) -> tuple[float, float]:
    x, y, w = homography @ numpy.array([point[0], point[1], 1.0])
    return float(x / w), float(y / w)


def _apply_all(homography: numpy.ndarray, points: numpy.ndarray) -> numpy.ndarray:
    mapped = numpy.hstack([points, numpy.ones((len(points), 1))]) @ homography.T
    return mapped[:, :2] / mapped[:, 2:3]


def _scale(homography: numpy.ndarray) -> float:
    a = numpy.array(_apply(homography, (0, 0)))
    b = numpy.array(_apply(homography, (100, 0)))
    return float(numpy.linalg.norm(b - a) / 100)


def _find_mark(pixels: numpy.ndarray, centre, px_per_mm: float):
    """The centroid of the solid square mark nearest `centre`, or None. A mark that touches the
    image's edge is cut off by it, and its centroid would be off: it is not used."""
    reach = int((MARK_SEARCH_MM + MARK_SIZE) * px_per_mm)
    cx, cy = int(round(centre[0])), int(round(centre[1]))
    height, width = pixels.shape
    left, top = max(0, cx - reach), max(0, cy - reach)
    right, bottom = min(width, cx + reach), min(height, cy + reach)
    if right - left < 8 or bottom - top < 8:
        return None
    window = pixels[top:bottom, left:right]
    _, ink = cv2.threshold(window, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    count, _labels, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    side = MARK_SIZE * px_per_mm
    best, best_distance = None, None
    for index in range(1, count):
        x, y, w, h, area = stats[index]
        if not (0.75 * side <= w <= 1.4 * side and 0.75 * side <= h <= 1.4 * side):
            continue
        if area < 0.6 * side * side or area < 0.6 * w * h:  # solid, not a stroke or a frame corner
            continue
        if left + x <= 0 or top + y <= 0 or left + x + w >= width or top + y + h >= height:
            continue  # cut by the image's edge
        point = (centroids[index][0] + left, centroids[index][1] + top)
        distance = (point[0] - centre[0]) ** 2 + (point[1] - centre[1]) ** 2
        if best_distance is None or distance < best_distance:
            best, best_distance = point, distance
    return best
