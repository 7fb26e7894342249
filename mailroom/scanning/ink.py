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

import math
from dataclasses import dataclass
from functools import lru_cache

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


def measure(pixels: numpy.ndarray, to_image: numpy.ndarray, template_key: str, page: int, box: Box) -> InkReading:
    """Ink inside `box`, its printed frame aligned with the template's first."""
    scan, reference = _cuts(pixels, to_image, template_key, page, box, SEARCH_PX)
    rows, cols = reference.printed.shape
    dy, dx = (SEARCH_PX if shift is None else shift for shift in _align(scan, reference, SEARCH_PX, WEAKEST_MATCH))
    return _ink(scan[dy:dy + rows, dx:dx + cols], reference)


def frame_offset(pixels: numpy.ndarray, to_image: numpy.ndarray, template_key: str, page: int, box: Box,
                 search_mm: float) -> tuple[float, float] | None:
    """How far (dx, dy, in mm of the template) the printed frame of `box` lies from where `to_image`
    puts it, looked for `search_mm` each way; None unless the frame is found both ways (a box
    written over or blacked out may not be: its frame is then no evidence)."""
    search = int(round(search_mm * PX_PER_MM))
    scan, reference = _cuts(pixels, to_image, template_key, page, box, search)
    dy, dx = _align(scan, reference, search, WEAKEST_MATCH)
    if dy is None or dx is None:
        return None
    return (dx - search) / PX_PER_MM, (dy - search) / PX_PER_MM


@dataclass(frozen=True)
class _Reference:
    """The template's printing around one box (the box and its margin) and what the check takes
    from it for every scan of that box, made once per box: the same for every page."""

    printed: numpy.ndarray  # 1 where the template prints (`reference.printed_mask`), else 0
    paper: numpy.ndarray  # 1 where it prints nothing: where the paper's own brightness is taken
    counted: numpy.ndarray  # 1 where ink is counted: off the printing, `INSET_MM` inside the frame
    columns: numpy.ndarray  # the printing's darkness down each column, less its mean
    rows: numpy.ndarray  # ... and along each row


@lru_cache(maxsize=256)
def _reference(template_key: str, page: int, box: Box) -> _Reference:
    x, y, w, h = box
    top, left = int(round((y - MARGIN_MM) * PX_PER_MM)), int(round((x - MARGIN_MM) * PX_PER_MM))
    rows, cols = int(round((h + 2 * MARGIN_MM) * PX_PER_MM)), int(round((w + 2 * MARGIN_MM) * PX_PER_MM))
    printing = reference_page(template_key, page)[top:top + rows, left:left + cols]
    printed = printed_mask(template_key, page)[top:top + rows, left:left + cols]
    paper = (printed == 0).astype(numpy.uint8)
    inset = int(round((MARGIN_MM + INSET_MM) * PX_PER_MM))
    counted = numpy.zeros_like(paper)
    counted[inset:paper.shape[0] - inset, inset:paper.shape[1] - inset] = paper[inset:paper.shape[0] - inset,
                                                                                inset:paper.shape[1] - inset]
    columns, along_rows = _darkness(printing, 0), _darkness(printing, 1)
    return _Reference(printed, paper, counted, columns - columns.mean(), along_rows - along_rows.mean())


def _cuts(pixels: numpy.ndarray, to_image: numpy.ndarray, template_key: str, page: int, box: Box,
          search: int) -> tuple[numpy.ndarray, _Reference]:
    """The scan around `box` (with the margin and `search` pixels more each way), and the
    template's printing around it (with the margin)."""
    x, y, w, h = box
    margin = MARGIN_MM + search / PX_PER_MM
    scan = cut(pixels, to_image, (x - margin, y - margin, w + 2 * margin, h + 2 * margin))
    return scan, _reference(template_key, page, box)


def _darkness(pixels: numpy.ndarray, axis: int) -> numpy.ndarray:
    """How dark the pixels are, summed across `axis` (0: down each column, 1: along each row)."""
    sums = cv2.reduce(pixels, axis, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()
    return pixels.shape[axis] * 255.0 - sums


def _align(scan: numpy.ndarray, reference: _Reference, search: int, least: float) -> tuple[int | None, int | None]:
    """The offset (dy, dx) of the reference's frame inside the scan cut (`search` pixels each way),
    each None where no match scores `least`.

    Frames and comb dividers are long straight lines, so the darkness of each column (and of
    each row) lines up when the two images do: two 1-D correlations instead of a 2-D search,
    which was the slowest step of the whole check.
    """
    rows, cols = reference.printed.shape
    dx = _best_shift(_darkness(scan[search:search + rows], 0), reference.columns, least)
    dy = _best_shift(_darkness(scan[:, search:search + cols], 1), reference.rows, least)
    return dy, dx


def _best_shift(scan_profile: numpy.ndarray, reference: numpy.ndarray, least: float) -> int | None:
    """The shift at which the scan's profile correlates best with the reference's (centred), by
    Pearson's r of each window, if it reaches `least`. Each window's spread comes from running
    sums, not from cutting the windows out: this runs twice per box."""
    if not reference.any():
        return None
    size = reference.size
    running = numpy.concatenate([[0.0], numpy.cumsum(scan_profile)])
    running_squares = numpy.concatenate([[0.0], numpy.cumsum(scan_profile * scan_profile)])
    sums, squares = running[size:] - running[:-size], running_squares[size:] - running_squares[:-size]
    spread = numpy.sqrt(numpy.maximum(squares - sums * sums / size, 0.0))
    norms = spread * numpy.linalg.norm(reference)
    scores = numpy.correlate(scan_profile, reference, mode="valid") / numpy.where(norms > 0, norms, 1.0)
    best = int(numpy.argmax(scores))
    return best if scores[best] > least else None


def _ink(window: numpy.ndarray, reference: _Reference) -> InkReading:
    if not reference.counted.any():
        return InkReading(0.0, 0.0)
    smooth = cv2.GaussianBlur(window, (3, 3), 0)
    # the paper's brightness from the whole cut (the margin outside the frame included), so a box
    # blacked out entirely still has paper to compare with
    paper = percentile(smooth, 90, where=reference.paper)
    # darker than the paper by `DARKER_BY`, in whole grey levels: smooth < paper - DARKER_BY
    _, marks = cv2.threshold(smooth, math.ceil(paper - DARKER_BY) - 1, 1, cv2.THRESH_BINARY_INV)
    marks = cv2.bitwise_and(marks, reference.counted)
    # labels fit 16 bits below 4 × 65,535 pixels (8-connected blobs are at least two pixels apart)
    labels = cv2.CV_16U if marks.size < 4 * 65_535 else cv2.CV_32S
    count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(marks, connectivity=8, ltype=labels)
    if count <= 1:
        return InkReading(0.0, 0.0)
    areas = stats[1:, cv2.CC_STAT_AREA]
    kept = areas >= SPECK_PX
    if not kept.any():
        return InkReading(0.0, 0.0)
    longest = float(numpy.max(numpy.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT])[kept]))
    return InkReading(area_mm2=float(areas[kept].sum()) / PX_PER_MM ** 2, longest_mm=longest / PX_PER_MM)
