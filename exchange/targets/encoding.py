"""Telling what a municipality's file is before reading it as CSV.

Their systems export Shift_JIS (in practice Microsoft's CP932, with its NEC and IBM extensions
such as 髙, 﨑 and ①) or UTF-8, with or without a byte-order mark. Anything else that arrives
named `.csv` (an Excel workbook, a zip, a PDF) is refused by name before it is misread as text.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from secretariat.core.errors import InvalidInput

CHUNK = 1 << 20

# Magic numbers of files people send by mistake, and what to tell them.
_POSING = [
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook is one) posing as CSV; save it as CSV first"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook posing as CSV; save it as CSV first"),
    (b"%PDF", "a PDF file posing as CSV"),
    (b"\x1f\x8b", "a gzip archive posing as CSV"),
]


def detect_encoding(path: Path) -> str:
    """`utf-8-sig`, `utf-8` or `cp932`, read strictly over the whole file; or a clear refusal."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head:
        raise InvalidInput("the file is empty")
    for magic, what in _POSING:
        if head.startswith(magic):
            raise InvalidInput(f"the file is {what}")
    if head.startswith(codecs.BOM_UTF8):
        _decodes(path, "utf-8-sig")
        return "utf-8-sig"
    if _decodes(path, "utf-8", quiet=True):
        return "utf-8"
    _decodes(path, "cp932")
    return "cp932"


def _decodes(path: Path, encoding: str, quiet: bool = False) -> bool:
    """Whether the whole file decodes; unless quiet, a failure names the byte and line."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    lines = 1
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            if b"\x00" in chunk:
                raise InvalidInput("the file holds NUL bytes: it is binary data, not a CSV text file")
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                if quiet:
                    return False
                line = lines + chunk[:error.start].count(b"\n")
                raise InvalidInput(f"the file is neither UTF-8 nor Shift_JIS (CP932): byte {offset + error.start} "
                                   f"on line {line} (0x{chunk[error.start]:02x}) cannot be read") from None
            lines += chunk.count(b"\n")
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            if quiet:
                return False
            raise InvalidInput(f"the file ends in the middle of a character: it was cut short "
                               f"(truncated upload?) or is not {encoding}") from None
    return True
