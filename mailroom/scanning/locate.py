"""Finding which page a scan is, and where the template's millimetres fall on it.

Two steps. The page code (printed twice, at the top-right and bottom-left) is read from the
image's corners first, because that is where it sits in any feed direction (a half turn swaps
the two corners). Its four corner points give a first guess of where the page lies. That guess
is refined from the solid registration marks near the page's corners: three of four marks fix
an affine map, four a homography, so a torn or scribbled corner still registers.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy
import zxingcpp

from mailroom.printing.page_code import PREFIX, PageCode, PageCodeError, parse
from mailroom.scanning.images import ScanError
from templates.schema import MARK_SIZE, Box, Template, code_boxes, registration_marks

QR = zxingcpp.BarcodeFormat.QRCode
MARK_SEARCH_MM = 9.0  # how far from its predicted place a registration mark is looked for


@dataclass(frozen=True)
class Located:
    code: PageCode
    to_image: numpy.ndarray  # 3×3: template millimetres → image pixels
    marks_found: int
    rotation: int  # degrees the page was turned in the feed (0, 90, 180, 270)

    def point(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        x, y, w = self.to_image @ numpy.array([x_mm, y_mm, 1.0])
        return float(x / w), float(y / w)


def read_page_code(pixels: numpy.ndarray) -> tuple[PageCode, numpy.ndarray, int]:
    """The first of our page codes found: the code, its four corners in image pixels
    (symbol top-left, top-right, bottom-right, bottom-left) and the symbol's orientation."""
    height, width = pixels.shape
    ch, cw = height * 3 // 10, width * 4 // 10
    corners = [(0, width - cw), (height - ch, 0), (0, 0), (height - ch, width - cw)]
    foreign = False
    for top, left in corners:
        found, foreign_here = _our_code(pixels[top:top + ch, left:left + cw], fast=True)
        foreign |= foreign_here
        if found:
            code, points, orientation = found
            return code, points + numpy.array([left, top], dtype=numpy.float64), orientation
    found, foreign_here = _our_code(pixels, fast=False)
    if found:
        return found
    if foreign or foreign_here:
        raise ScanError("foreign_code", "the page carries a code, but not one of our page codes "
                                        "(a document from elsewhere)")
    raise ScanError("no_page_code", "no page code found on the page")


def _our_code(pixels: numpy.ndarray, fast: bool):
    options = dict(try_downscale=False, try_invert=False) if fast else {}
    foreign = False
    for barcode in zxingcpp.read_barcodes(pixels, formats=QR, **options):
        if not barcode.text.startswith(PREFIX + "|"):
            foreign = True
            continue
        try:
            code = parse(barcode.text)
        except PageCodeError:
            continue
        p = barcode.position
        points = numpy.array([[p.top_left.x, p.top_left.y], [p.top_right.x, p.top_right.y],
                              [p.bottom_right.x, p.bottom_right.y], [p.bottom_left.x, p.bottom_left.y]],
                             dtype=numpy.float64)
        return (code, points, barcode.orientation), foreign
    return None, foreign


def _box_corners(box: Box) -> numpy.ndarray:
    x, y, w, h = box
    return numpy.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=numpy.float64)


def locate(pixels: numpy.ndarray, template: Template, code: PageCode, symbol: numpy.ndarray,
           orientation: int) -> Located:
    guess = _guess_from_symbol(pixels.shape, template, symbol)
    marks = registration_marks(template.size_mm)
    found_template, found_image = [], []
    px_per_mm = _scale(guess)
    for box in marks:
        centre_mm = (box[0] + box[2] / 2, box[1] + box[3] / 2)
        found = _find_mark(pixels, _apply(guess, centre_mm), px_per_mm)
        if found is not None:
            found_template.append(centre_mm)
            found_image.append(found)
    if len(found_image) < 3:
        raise ScanError("not_registered", f"only {len(found_image)} of the 4 corner marks were found; the page "
                                          "is folded, cut off or covered")
    source = numpy.array(found_template, dtype=numpy.float32)
    target = numpy.array(found_image, dtype=numpy.float32)
    if len(found_image) == 4:
        to_image = cv2.getPerspectiveTransform(source, target).astype(numpy.float64)
    else:
        to_image = numpy.vstack([cv2.getAffineTransform(source, target), [0, 0, 1]]).astype(numpy.float64)
    rotation = int(round(orientation / 90.0)) * 90 % 360
    return Located(code=code, to_image=to_image, marks_found=len(found_image), rotation=rotation)


def _guess_from_symbol(shape, template: Template, symbol: numpy.ndarray) -> numpy.ndarray:
    """The page placement implied by one code symbol. Which of the two code boxes it was is
    decided by where the rest of the page would then fall: only one choice keeps it on the image.

    A similarity (turn, scale, shift), not a homography: the symbol's corners come back to the
    pixel, and a perspective fitted to four points 18 mm apart swings wildly 280 mm away.
    """
    height, width = shape
    page_w, page_h = template.size_mm
    best, best_outside = None, None
    for box in code_boxes(template.size_mm):
        similarity, _inliers = cv2.estimateAffinePartial2D(_box_corners(box).astype(numpy.float32),
                                                           symbol.astype(numpy.float32))
        if similarity is None:
            continue
        homography = numpy.vstack([similarity, [0, 0, 1]]).astype(numpy.float64)
        centre = _apply(homography, (page_w / 2, page_h / 2))
        outside = max(0.0, -centre[0], centre[0] - width) + max(0.0, -centre[1], centre[1] - height)
        if best_outside is None or outside < best_outside:
            best, best_outside = homography, outside
    if best is None:
        raise ScanError("not_registered", "the page code was read but its corners make no sense")
    return best


def _apply(homography: numpy.ndarray, point) -> tuple[float, float]:
    x, y, w = homography @ numpy.array([point[0], point[1], 1.0])
    return float(x / w), float(y / w)


def _scale(homography: numpy.ndarray) -> float:
    a = numpy.array(_apply(homography, (0, 0)))
    b = numpy.array(_apply(homography, (100, 0)))
    return float(numpy.linalg.norm(b - a) / 100)


def _find_mark(pixels: numpy.ndarray, centre, px_per_mm: float):
    """The centroid of the solid square mark nearest `centre`, or None."""
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
        point = (centroids[index][0] + left, centroids[index][1] + top)
        distance = (point[0] - centre[0]) ** 2 + (point[1] - centre[1]) ** 2
        if best_distance is None or distance < best_distance:
            best, best_distance = point, distance
    return best
