"""Reading what a production scanner writes: JPEG, PNG, TIFF (one or many pages) or PDF.

The file's kind is decided by its first bytes, never by its name, so a zip renamed `.jpg` is
called what it is. A file cut off mid-write (the scanner's share filled up, a copy was
interrupted) is refused as truncated rather than half-read: a half page would look blank
below the cut, and blank is exactly the mistake the check exists to catch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy

PDF_DPI = 300  # scanners that write PDF embed 200–300 dpi images; rendering at 300 loses nothing
MAX_BYTES = 200 * 1024 * 1024


class ScanError(Exception):
    """What was wrong with one image: `code` for machines, the message for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ScannedImage:
    """One page image from a file; `index` is its 1-based place in a multi-page file."""

    source: str
    index: int
    pixels: numpy.ndarray  # greyscale, uint8

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


def read_pages(path: Path | str) -> list[ScannedImage]:
    return decode_pages(read_file(path), str(path))


def read_file(path: Path | str) -> bytes:
    """A scanned file's bytes, refusing what no scanner writes (an unreadable or oversized file)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ScanError("too_large", f"{size:,} bytes is larger than a scanned page can be ({MAX_BYTES:,})")
        return path.read_bytes()
    except OSError as error:
        raise ScanError("unreadable", f"cannot read the file: {error.strerror or error}") from None


def decode_pages(data: bytes, source: str) -> list[ScannedImage]:
    if not data:
        raise ScanError("empty_file", "the file is empty (0 bytes)")
    kind = kind_of(data)
    if kind is None:
        raise ScanError("not_an_image", "not a scanned image: the file is not JPEG, PNG, TIFF or PDF")
    if kind == "pdf":
        pixels = _pdf_pages(data)
    else:
        _refuse_truncated(kind, data)
        pixels = _raster_pages(kind, data)
    return [ScannedImage(source=source, index=number, pixels=page) for number, page in enumerate(pixels, start=1)]


def _refuse_truncated(kind: str, data: bytes) -> None:
    tail = data[-32:]
    if kind == "jpeg" and b"\xff\xd9" not in tail:
        raise ScanError("truncated", "the JPEG file is cut off (no end-of-image marker): the scan was not "
                                     "completely written")
    if kind == "png" and b"IEND" not in tail:
        raise ScanError("truncated", "the PNG file is cut off (no IEND chunk): the scan was not completely written")


def _raster_pages(kind: str, data: bytes) -> list[numpy.ndarray]:
    buffer = numpy.frombuffer(data, numpy.uint8)
    if kind == "tiff":
        ok, pages = cv2.imdecodemulti(buffer, cv2.IMREAD_GRAYSCALE)
        pages = list(pages) if ok else []
    else:
        page = cv2.imdecode(buffer, cv2.IMREAD_GRAYSCALE)
        pages = [] if page is None else [page]
    if not pages:
        raise ScanError("corrupt", f"the {kind.upper()} file is damaged and cannot be decoded")
    return pages


def _pdf_pages(data: bytes) -> list[numpy.ndarray]:
    import pypdfium2

    if b"%%EOF" not in data[-1024:]:
        raise ScanError("truncated", "the PDF file is cut off (no end-of-file marker)")
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        raise ScanError("corrupt", f"the PDF file is damaged and cannot be opened ({error})") from None
    try:
        pages = []
        for page in document:
            image = page.render(scale=PDF_DPI / 72, grayscale=True).to_numpy()
            pages.append(numpy.ascontiguousarray(image[..., 0] if image.ndim == 3 else image))
        if not pages:
            raise ScanError("corrupt", "the PDF file has no pages")
        return pages
    finally:
        document.close()


def looks_blank(pixels: numpy.ndarray) -> bool:
    """A page with nothing printed on it (the back of a simplex sheet scanned duplex, a separator).

    Judged on a sample of pixels: almost none much darker than the paper.
    """
    small = pixels[::8, ::8]  # every 8th pixel: a printed page has lines everywhere, dust does not
    paper = float(numpy.percentile(small, 90))
    dark = numpy.count_nonzero(small < paper - 60)
    return dark < small.size * 0.0005
