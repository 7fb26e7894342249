"""How much of the resident's ink is inside one box.

The box (with a margin) is cut out of the scan and mapped to the template's millimetres at the
check's working resolution. A small search then aligns the scan's printed frame with the
reference rendering, which absorbs what the page-wide registration leaves (paper stretch,
a slightly curved feed). Ink is then counted only where the template prints nothing, a little
inside the frame, relative to the paper's own brightness there (a faded scan has grey paper):

- pixels clearly darker than the paper count, from a blue-black pen to faint pencil and a red
  seal that scans mid-grey;
- blobs smaller than a pen dot do not: dust, specks and scanner noise.

The result is an area in square millimetres; what counts as filled is decided in `verdict.py`.
The same sliding of a box's printed frame over the scan, over a wider reach, tells `locate.py`
where the frames lie when the page's corner marks do not (`frame_offset`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy

from mailroom.scanning.images import percentile
from mailroom.scanning.reference import PX_PER_MM, printed_mask, reference_page
from templates.schema import Box

MARGIN_MM = 1.5   # cut this much around the box, so the frame is seen whole
SEARCH_PX = 6     # the per-box refinement looks this far (0.75 mm) each way
INSET_MM = 0.5    # ink is counted this far inside the frame
DARKER_BY = 26    # grey levels below the paper that count as a mark (faint pencil on a faded scan)
SPECK_PX = 10     # blobs smaller than this (0.16 mm²) are dust or noise
WEAKEST_MATCH = 0.2  # a box whose frame matches no better is not moved (nor vouches for a page's placement)


@dataclass(frozen=True)
class InkReading:
    area_mm2: float
    longest_mm: float  # the largest blob's longer side: a stroke, not a scatter of dots


def cut(pixels: numpy.ndarray, to_image: numpy.ndarray, region: Box) -> numpy.ndarray:
    """`region` (template mm) of the scan, resampled to the working resolution."""
    x, y, w, h = region
    to_region = numpy.array([[1 / PX_PER_MM, 0, x], [0, 1 / PX_PER_MM, y], [0, 0, 1]])
    size = (int(round(w * PX_PER_MM)), int(round(h * PX_PER_MM)))
    return cv2.warpPerspective(pixels, to_image @ to_region, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REPLICATE)


def measure(pixels: numpy.ndarray, to_image: numpy.ndarray, template_key: str, page: int, box: Box,
            area: Box | None = None) -> InkReading:
    """Ink inside `area` (default: `box`), with `box`'s frame used to align."""
    x, y, w, h = area or box
    scan, ref, printed = _cuts(pixels, to_image, template_key, page, (x, y, w, h), SEARCH_PX)
    rows, cols = ref.shape
    dy, dx = (SEARCH_PX if shift is None else shift for shift in _align(scan, ref, SEARCH_PX, WEAKEST_MATCH))
    window = scan[dy:dy + rows, dx:dx + cols]
    return _ink(window, printed)


def frame_offset(pixels: numpy.ndarray, to_image: numpy.ndarray, template_key: str, page: int, box: Box,
                 search_mm: float) -> tuple[float, float] | None:
    """How far (dx, dy, in mm of the template) the printed frame of `box` lies from where `to_image`
    puts it, looked for `search_mm` each way; None unless the frame is found both ways (a box
    written over or blacked out may not be: its frame is then no evidence)."""
    search = int(round(search_mm * PX_PER_MM))
    scan, ref, _printed = _cuts(pixels, to_image, template_key, page, box, search)
    dy, dx = _align(scan, ref, search, WEAKEST_MATCH)
    if dy is None or dx is None:
        return None
    return (dx - search) / PX_PER_MM, (dy - search) / PX_PER_MM


def _cuts(pixels: numpy.ndarray, to_image: numpy.ndarray, template_key: str, page: int, box: Box,
          search: int) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """The scan around `box` (with the margin and `search` pixels more each way), and the
    reference rendering and its printed mask around it (with the margin)."""
    x, y, w, h = box
    margin = MARGIN_MM + search / PX_PER_MM
    scan = cut(pixels, to_image, (x - margin, y - margin, w + 2 * margin, h + 2 * margin))
    reference = reference_page(template_key, page)
    mask = printed_mask(template_key, page)
    top, left = int(round((y - MARGIN_MM) * PX_PER_MM)), int(round((x - MARGIN_MM) * PX_PER_MM))
    rows, cols = int(round((h + 2 * MARGIN_MM) * PX_PER_MM)), int(round((w + 2 * MARGIN_MM) * PX_PER_MM))
    return scan, reference[top:top + rows, left:left + cols], mask[top:top + rows, left:left + cols]


def _align(scan: numpy.ndarray, ref: numpy.ndarray, search: int, least: float) -> tuple[int | None, int | None]:
    """The offset (dy, dx) of the reference's frame inside the scan cut (`search` pixels each way),
    each None where no match scores `least`.

    Frames and comb dividers are long straight lines, so the darkness of each column (and of
    each row) lines up when the two images do: two 1-D correlations instead of a 2-D search,
    which was the slowest step of the whole check.
    """
    rows, cols = ref.shape
    darkness_scan = 255.0 - scan.astype(numpy.float32)
    darkness_ref = 255.0 - ref.astype(numpy.float32)
    dx = _best_shift(darkness_scan[search:search + rows].sum(axis=0), darkness_ref.sum(axis=0), least)
    dy = _best_shift(darkness_scan[:, search:search + cols].sum(axis=1), darkness_ref.sum(axis=1), least)
    return dy, dx


def _best_shift(scan_profile: numpy.ndarray, ref_profile: numpy.ndarray, least: float) -> int | None:
    """The shift at which the scan's profile correlates best with the reference's (Pearson's r of
    each window), if it reaches `least`. Each window's spread comes from running sums, not from
    cutting the windows out: this runs twice per box."""
    reference = ref_profile.astype(numpy.float64) - ref_profile.mean()
    if not reference.any():
        return None
    size = reference.size
    profile = scan_profile.astype(numpy.float64)
    running = numpy.concatenate([[0.0], numpy.cumsum(profile)])
    running_squares = numpy.concatenate([[0.0], numpy.cumsum(profile * profile)])
    sums, squares = running[size:] - running[:-size], running_squares[size:] - running_squares[:-size]
    spread = numpy.sqrt(numpy.maximum(squares - sums * sums / size, 0.0))
    norms = spread * numpy.linalg.norm(reference)
    scores = numpy.correlate(profile, reference, mode="valid") / numpy.where(norms > 0, norms, 1.0)
    best = int(numpy.argmax(scores))
    return best if scores[best] > least else None


def _ink(window: numpy.ndarray, printed: numpy.ndarray) -> InkReading:
    smooth = cv2.GaussianBlur(window, (3, 3), 0)
    inset = int(round((MARGIN_MM + INSET_MM) * PX_PER_MM))
    inside = numpy.zeros(window.shape, dtype=bool)
    inside[inset:window.shape[0] - inset, inset:window.shape[1] - inset] = True
    counted = inside & (printed == 0)
    if not counted.any():
        return InkReading(0.0, 0.0)
    # the paper's brightness from the whole cut (the margin outside the frame included), so a box
    # blacked out entirely still has paper to compare with
    paper = percentile(smooth, 90, where=printed == 0)
    marks = ((smooth < paper - DARKER_BY) & counted).astype(numpy.uint8)
    count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(marks, connectivity=8)
    if count <= 1:
        return InkReading(0.0, 0.0)
    areas = stats[1:, cv2.CC_STAT_AREA]
    kept = areas >= SPECK_PX
    if not kept.any():
        return InkReading(0.0, 0.0)
    longest = float(numpy.max(numpy.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT])[kept]))
    return InkReading(area_mm2=float(areas[kept].sum()) / PX_PER_MM ** 2, longest_mm=longest / PX_PER_MM)
