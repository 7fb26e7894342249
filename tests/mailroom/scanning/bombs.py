"""Files that claim far more pixels or pages than their size suggests (decompression bombs), made
in a moment and without ever holding their pixels: what an attacker, or a misconfigured scanner,
would hand the mailroom."""

from __future__ import annotations

import struct
import zlib
from functools import lru_cache

ROWS_PER_BLOCK = 256


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _white_zlib(row: bytes, height: int) -> bytes:
    """`height` copies of `row` as one zlib stream, compressed once: a block of rows is flushed to a
    byte boundary with a fresh dictionary, so its compressed bytes can simply be repeated."""
    block = row * ROWS_PER_BLOCK
    whole, rest = divmod(height, ROWS_PER_BLOCK)
    repeated = zlib.compressobj(9, zlib.DEFLATED, -15)
    repeated = repeated.compress(block) + repeated.flush(zlib.Z_FULL_FLUSH)
    last = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = last.compress(row * rest) + last.flush()
    checksum = 1
    for _ in range(whole):
        checksum = zlib.adler32(block, checksum)
    checksum = zlib.adler32(row * rest, checksum)
    return b"\x78\x01" + repeated * whole + last + struct.pack(">I", checksum)


@lru_cache(maxsize=4)
def white_png(width: int, height: int) -> bytes:
    """A valid greyscale PNG, every pixel white: 30000² is under 1 MB, 60000² under 4 MB."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey, no interlace
    rows = _white_zlib(b"\x00" + b"\xff" * width, height)  # filter byte 0, then the row
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@lru_cache(maxsize=4)
def blank_pdf(pages: int, width_pt: float = 595, height_pt: float = 842) -> bytes:
    """`pages` empty pages of `width_pt` × `height_pt` points (A4 by default; 14400 is 200 inches)."""
    kids = b" ".join(b"%d 0 R" % (3 + page) for page in range(pages))
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] >>" % (width_pt, height_pt)
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
                 *[page] * pages])


@lru_cache(maxsize=2)
def pdf_drawing_white_image(side_px: int) -> bytes:
    """One A4 page that draws a `side_px`² white image over the whole page."""
    data = _white_zlib(b"\xff" * side_px, side_px)
    content = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 5 0 R >> >> "
                 b"/Contents 4 0 R >>",
                 b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
                 b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 "
                 b"/Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream" % (side_px, side_px, len(data), data)])
