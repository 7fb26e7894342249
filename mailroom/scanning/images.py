"""Reading what a production scanner writes: JPEG, PNG, TIFF (one or many pages) or PDF.

The file's kind is decided by its first bytes, never by its name, so a zip renamed `.jpg` is
called what it is. A file cut off mid-write (the scanner's share filled up, a copy was
interrupted) is refused as truncated rather than half-read: a half page would look blank
below the cut, and blank is exactly the mistake the check exists to catch.

A file's size says nothing about its pixels: a 418-byte PDF can ask for a page of 200 by 200
inches, a 1 MB PNG can hold 30,000 × 30,000 white pixels (a decompression bomb). So the pixels
of every page and the pages of every file are counted from the headers (the PNG's IHDR, the
JPEG's frame header, every TIFF directory, every PDF page's size at the rendering resolution and
the images embedded in it) and held against `ScanLimits` before anything is decoded, and pages
are decoded one at a time, as they are asked for: memory holds one page, whatever the file.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy

if TYPE_CHECKING:
    import pypdfium2

    from secretariat.core.config import Settings

log = logging.getLogger(__name__)

PDF_DPI = 300  # scanners that write PDF embed 200–300 dpi images; rendering at 300 loses nothing
# a JPEG page whose shorter side keeps this many pixels at half its size (A4 from 290 dpi) can be
# decoded at half (`reduced`): enough for the check (a page code's module is 3 pixels, a pencil line 1)
HALF_SIZE_MIN_SIDE = 1200
MAX_BYTES = 200 * 1024 * 1024


class ScanError(Exception):
    """What was wrong with one image: `code` for machines, the message for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self):  # crosses from a worker process whole, code and all
        return type(self), (self.code, self.message)


@dataclass(frozen=True)
class ScanLimits:
    """How large a scanned page and file may be; what is larger is refused before it is decoded.

    A4 at 300 dpi is 8.7 million pixels, A3 17.5 million; a scanner's batch file holds a few
    dozen pages. The secretariat's settings (`SECRETARIAT_SCAN_MAX_*`) give these per installation.
    """

    max_pixels: int = 40_000_000  # per page
    max_side: int = 12_000  # pixels along a page's longer side (a metre at 300 dpi)
    max_pages: int = 500  # per file

    def refuse_page(self, width: int, height: int, at: str = "") -> ScanError | None:
        """Why a page of `width` × `height` pixels is not decoded, or None; `at` says how the size
        was reached (a PDF page's size at the rendering resolution)."""
        size = f"{at}{width:,}×{height:,} 画素"
        if width * height > self.max_pixels:
            return ScanError("too_many_pixels", f"頁が大きすぎます: {size}（{width * height:,} 画素）は"
                                                f"1頁の上限 {self.max_pixels:,} 画素を超えています")
        if max(width, height) > self.max_side:
            return ScanError("side_too_long", f"頁の辺が長すぎます: {size}の長辺 {max(width, height):,} 画素は"
                                              f"上限 {self.max_side:,} 画素を超えています")
        return None

    def refuse_pages(self, count: int, at_least: bool = False) -> ScanError | None:
        """Why a file of `count` pages (`at_least` that many, when counting stopped) is not read."""
        if count <= self.max_pages:
            return None
        return ScanError("too_many_pages", f"頁数が多すぎます: {count:,} 頁{'以上' if at_least else ''}は"
                                           f"1ファイルの上限 {self.max_pages:,} 頁を超えています")


DEFAULT_LIMITS = ScanLimits()


def scan_limits(settings: Settings) -> ScanLimits:
    """The installation's limits on scanned files (`SECRETARIAT_SCAN_MAX_*`)."""
    return ScanLimits(max_pixels=settings.scan_max_pixels, max_side=settings.scan_max_side,
                      max_pages=settings.scan_max_pages)


@dataclass(frozen=True)
class ScannedImage:
    """One page of a file, decoded, or what kept it from being decoded.

    `index` is its 1-based place in the file and `count` the number of items the file gives: its
    pages, or 1 when the whole file is refused (then `index` is 1 and the error is the file's).
    """

    source: str
    index: int
    count: int
    pixels: numpy.ndarray | None  # greyscale, uint8; None when `error` says why not
    error: ScanError | None = None
    reduced: bool = False  # decoded at half the scan's resolution (see `decode_pages`)

    @property
    def name(self) -> str:
        return self.source if self.index == 1 else f"{self.source}#{self.index}"


def kind_of(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data.startswith(b"%PDF-"):
        return "pdf"
    return None


def read_pages(path: Path | str, limits: ScanLimits = DEFAULT_LIMITS) -> Iterator[ScannedImage]:
    """The pages of a scanned file, one at a time (see `decode_pages`); never raises."""
    try:
        data = read_file(path)
    except ScanError as error:
        yield ScannedImage(str(path), 1, 1, None, error)
        return
    yield from decode_pages(data, str(path), limits)


def read_page(path: Path | str, number: int, limits: ScanLimits = DEFAULT_LIMITS) -> ScannedImage | None:
    """Page `number` of a scanned file alone, no other page decoded (an operator's preview); None
    when the file has fewer pages. A file refused as a whole comes as its only item, as always."""
    try:
        data = read_file(path)
    except ScanError as error:
        return ScannedImage(str(path), 1, 1, None, error)
    return next(decode_pages(data, str(path), limits, only=number), None)


def count_pages(path: Path | str, limits: ScanLimits = DEFAULT_LIMITS) -> int:
    """How many items `read_pages` gives for the file, from its headers alone: its pages, or 1 when
    the whole file is refused. A JPEG or PNG holds one page, and is read no further than its kind."""
    try:
        with open(path, "rb") as handle:
            if kind_of(handle.read(16)) in ("jpeg", "png"):
                return 1
        kind, sizes, document = _open(read_file(path), limits)
    except (OSError, ScanError):
        return 1
    if document is not None:
        document.close()
    return len(sizes)


def read_file(path: Path | str) -> bytes:
    """A scanned file's bytes, refusing what no scanner writes (an unreadable or oversized file)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ScanError("too_large", f"{size:,} バイトはスキャン画像1枚として大きすぎます（上限 {MAX_BYTES:,} バイト）")
        return path.read_bytes()
    except OSError as error:
        raise ScanError("unreadable", f"ファイルを読めません: {error.strerror or error}") from None


def decode_pages(data: bytes, source: str, limits: ScanLimits = DEFAULT_LIMITS,
                 only: int | None = None, reduced: bool = False) -> Iterator[ScannedImage]:
    """The file's pages (page `only` alone, if given), each decoded only when the caller asks for
    it; never raises. With `reduced`, a large JPEG page comes at half its resolution, which
    libjpeg decodes in the DCT itself, at two thirds of the time (`ScannedImage.reduced` says so).
    (A PNG has no scaled decoding; decoding it whole and averaging it down made its check no cheaper.)

    What is wrong with the whole file (empty, not an image, truncated, damaged headers, too many
    pages) comes as the only item; what is wrong with one page (too many pixels, a decoder that
    fails) as that page's item, and the pages after it still come.
    """
    try:
        kind, sizes, document = _open(data, limits)
    except ScanError as error:
        yield ScannedImage(source, 1, 1, None, error)
        return
    try:
        for index, size in enumerate(sizes, start=1):
            if only is not None and index != only:
                continue
            halved = reduced and kind == "jpeg" and min(size) >= 2 * HALF_SIZE_MIN_SIDE
            pixels, error = _decode_page(kind, data, document, index, size, limits, halved)
            yield ScannedImage(source, index, len(sizes), pixels, error, reduced=halved and pixels is not None)
    finally:
        if document is not None:
            document.close()


def _open(data: bytes, limits: ScanLimits) -> tuple[str, list[tuple[int, int] | None], pypdfium2.PdfDocument | None]:
    """The file's kind, its pages' sizes in pixels as the headers give them (None for a PDF page,
    measured when it comes), and the open PDF document; raises `ScanError` for the whole file."""
    if not data:
        raise ScanError("empty_file", "ファイルが空です（0 バイト）")
    kind = kind_of(data)
    if kind is None:
        raise ScanError("not_an_image", "スキャン画像ではありません（JPEG・PNG・TIFF・PDF のどれでもありません）")
    if kind == "pdf":
        document = _open_pdf(data)
        count = len(document)
        refused = limits.refuse_pages(count)
        if refused or not count:
            document.close()
            raise refused or ScanError("corrupt", "the PDF file has no pages")
        return kind, [None] * count, document
    _refuse_truncated(kind, data)
    sizes = _tiff_sizes(data, limits.max_pages + 1) if kind == "tiff" else [_single_size(kind, data)]
    refused = limits.refuse_pages(len(sizes), at_least=True)
    if refused:
        raise refused
    return kind, sizes, None


def _refuse_truncated(kind: str, data: bytes) -> None:
    tail = data[-32:]
    if kind == "jpeg" and b"\xff\xd9" not in tail:
        raise ScanError("truncated", "JPEG ファイルが途中で切れています（終端がありません）。"
                                     "スキャンが最後まで書き込まれていません")
    if kind == "png" and b"IEND" not in tail:
        raise ScanError("truncated", "PNG ファイルが途中で切れています（IEND がありません）。スキャンが最後まで書き込まれていません")


def _corrupt(kind: str) -> ScanError:
    return ScanError("corrupt", f"the {kind.upper()} file is damaged and cannot be decoded")


# --- sizes from the headers, before any decoding -----------------------------------------------

JPEG_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # SOF0–SOF15 (not DHT, JPG, DAC)
JPEG_STANDALONE_MARKERS = frozenset([0x01, *range(0xD0, 0xD8)])  # TEM, RST0–RST7: no length


def _single_size(kind: str, data: bytes) -> tuple[int, int]:
    if kind == "png":
        if data[12:16] != b"IHDR":  # the PNG specification puts IHDR first
            raise _corrupt(kind)
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    at = 2  # after SOI: segments up to the frame header (SOFn) that gives the size
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            break
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
        elif marker in JPEG_STANDALONE_MARKERS:
            at += 2
        elif marker in JPEG_FRAME_MARKERS:
            return int.from_bytes(data[at + 7:at + 9], "big"), int.from_bytes(data[at + 5:at + 7], "big")
        elif marker in (0xD9, 0xDA):  # end of image, or image data, before any frame header
            break
        else:
            at += 2 + int.from_bytes(data[at + 2:at + 4], "big")
    raise _corrupt(kind)


TIFF_WIDTH, TIFF_LENGTH = 256, 257
TIFF_SHORT, TIFF_LONG = 3, 4  # the types a scanner writes a size in


def _tiff_sizes(data: bytes, most: int) -> list[tuple[int, int]]:
    """Width and height of each page (image file directory), following the chain of directories
    until it ends, loops back, or reaches `most` pages."""
    order = "<" if data[:2] == b"II" else ">"
    short, long = numpy.dtype(order + "u2"), numpy.dtype(order + "u4")
    entry = numpy.dtype({"names": ["tag", "type", "short", "long"], "formats": [short, short, short, long],
                         "offsets": [0, 2, 8, 8], "itemsize": 12})
    sizes: list[tuple[int, int]] = []
    seen: set[int] = set()
    try:
        offset = int(numpy.frombuffer(data, long, 1, 4)[0])
        while offset and offset not in seen and len(sizes) < most:
            seen.add(offset)
            entries = int(numpy.frombuffer(data, short, 1, offset)[0])
            table = numpy.frombuffer(data, entry, entries, offset + 2)
            width, length = (table[numpy.flatnonzero(table["tag"] == tag)[:1]] for tag in (TIFF_WIDTH, TIFF_LENGTH))
            sizes.append((_tiff_number(width), _tiff_number(length)))
            offset = int(numpy.frombuffer(data, long, 1, offset + 2 + 12 * entries)[0])
    except ValueError:  # a directory that runs past the end of the file
        raise _corrupt("tiff") from None
    if not sizes:
        raise _corrupt("tiff")
    return sizes


def _tiff_number(found: numpy.ndarray) -> int:
    """The size in a directory entry; 0 (no size: the page is refused) when missing or of another type,
    which the decoder might read differently."""
    if not found.size or found["type"][0] not in (TIFF_SHORT, TIFF_LONG):
        return 0
    return int(found["short"][0] if found["type"][0] == TIFF_SHORT else found["long"][0])


# --- decoding one page ---------------------------------------------------------------------------

def _decode_page(kind: str, data: bytes, document: pypdfium2.PdfDocument | None, index: int,
                 size: tuple[int, int] | None, limits: ScanLimits,
                 halved: bool = False) -> tuple[numpy.ndarray | None, ScanError | None]:
    """One page's pixels, or why not: a decoder's failure of any kind is this page's problem alone."""
    try:
        if document is not None:
            return _render_pdf_page(document, index, limits)
        if not all(size):  # a page whose header gives no size would be sized by the decoder alone
            return None, _corrupt(kind)
        refused = limits.refuse_page(*size)
        if refused:
            return None, refused
        return _raster_page(kind, data, index, halved), None
    except ScanError as error:
        return None, error
    except MemoryError:
        return None, ScanError("decode_failed", "画像を展開する途中でメモリが足りなくなりました（MemoryError）")
    except Exception as error:  # noqa: BLE001 — cv2.error, PdfiumError and the like: one page's problem
        log.warning("the %s decoder failed on page %d (%s)", kind, index, type(error).__name__, exc_info=True)
        return None, ScanError("decode_failed", f"画像を展開できませんでした（{type(error).__name__}）: "
                                                "ファイルが壊れているか、対応していない形式です")


def _raster_page(kind: str, data: bytes, index: int, halved: bool = False) -> numpy.ndarray:
    buffer = numpy.frombuffer(data, numpy.uint8)
    if kind == "tiff":
        ok, pages = cv2.imdecodemulti(buffer, cv2.IMREAD_GRAYSCALE, None, (index - 1, index))
        page = pages[0] if ok and pages else None
    else:
        page = cv2.imdecode(buffer, cv2.IMREAD_REDUCED_GRAYSCALE_2 if halved else cv2.IMREAD_GRAYSCALE)
    if page is None:
        raise _corrupt(kind)
    return page


def _open_pdf(data: bytes) -> pypdfium2.PdfDocument:
    import pypdfium2  # here: a feed of JPEG and PNG pages never loads the PDF library

    if b"%%EOF" not in data[-1024:]:
        raise ScanError("truncated", "PDF ファイルが途中で切れています（%%EOF がありません）")
    try:
        return pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        raise ScanError("corrupt", f"PDF ファイルが壊れていて開けません（{error}）") from None


def _render_pdf_page(document: pypdfium2.PdfDocument, index: int,
                     limits: ScanLimits) -> tuple[numpy.ndarray | None, ScanError | None]:
    page = document[index - 1]
    try:
        width, height = (math.ceil(points * PDF_DPI / 72) for points in page.get_size())
        refused = limits.refuse_page(width, height, at=f"{PDF_DPI} dpi で ") or _refuse_embedded(page, limits)
        if refused:
            return None, refused
        # annotations are not the scan, and could draw images that `_refuse_embedded` does not see
        bitmap = page.render(scale=PDF_DPI / 72, grayscale=True, draw_annots=False)
        try:
            image = bitmap.to_numpy()
            return numpy.array(image[..., 0] if image.ndim == 3 else image, order="C"), None
        finally:
            bitmap.close()
    finally:
        page.close()


def _refuse_embedded(page: pypdfium2.PdfPage, limits: ScanLimits) -> ScanError | None:
    """A small page can draw a huge image, which the renderer decodes whole: the images it draws
    (a scanner's PDF has one per page) are counted from their dictionaries, not decoded."""
    import pypdfium2.raw as pdfium_c

    total = 0
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
        width, height = image.get_px_size()
        total += width * height
    if total > limits.max_pixels:
        return ScanError("too_many_pixels", f"頁の画像が大きすぎます: 頁に描かれた画像の計 {total:,} 画素は"
                                            f"1頁の上限 {limits.max_pixels:,} 画素を超えています")
    return None


# --- what else the mailroom does with pixels -----------------------------------------------------

def percentile(pixels: numpy.ndarray, q: float, where: numpy.ndarray | None = None) -> float:
    """`numpy.percentile(pixels[where], q)` of greyscale pixels, the same number to the last bit
    (linear interpolation between the two nearest ranks), counted from their histogram instead of
    sorted: a tenth of the time, and the check takes one per box."""
    if where is None:
        counts = numpy.bincount(pixels.ravel(), minlength=256)
    else:
        mask = where if where.dtype == numpy.uint8 else where.astype(numpy.uint8)
        counts = cv2.calcHist([pixels], [0], mask, [256], [0, 256]).ravel().astype(numpy.int64)
    total = int(counts.sum())
    rank = (total - 1) * (q / 100)
    below = min(int(math.floor(rank)), total - 1)
    a, b = (numpy.uint8(value) for value in numpy.searchsorted(numpy.cumsum(counts), [below, min(below + 1, total - 1)],
                                                                 side="right"))
    t = rank - below
    difference = b - a
    return float(b - difference * (1 - t) if t >= 0.5 else a + difference * t)  # as numpy interpolates


def looks_blank(pixels: numpy.ndarray) -> bool:
    """A page with nothing printed on it (the back of a simplex sheet scanned duplex, a separator).

    Judged on a sample of pixels: almost none much darker than the paper.
    """
    small = pixels[::8, ::8]  # every 8th pixel: a printed page has lines everywhere, dust does not
    paper = percentile(small, 90)
    dark = numpy.count_nonzero(small < paper - 60)
    return dark < small.size * 0.0005


def png_bytes(pixels: numpy.ndarray, longest: int | None = None) -> bytes:
    """The pixels as a PNG file (a crop, a preview), shrunk to `longest` pixels along the longer side."""
    if longest and max(pixels.shape) > longest:
        scale = longest / max(pixels.shape)
        pixels = cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    _ok, png = cv2.imencode(".png", pixels)
    return png.tobytes()
