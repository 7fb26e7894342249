"""Telling what a municipality's file is before reading it as CSV.

Their systems export Shift_JIS (in practice Microsoft's CP932, with its NEC and IBM extensions
such as 髙, 﨑 and ①) or UTF-8, with or without a byte-order mark. Anything else that arrives
named `.csv` (an Excel workbook, a zip, a PDF) is refused by name before it is misread as text.

A file beyond `Limits` (too large, a row too long, too many columns) is refused before it is
parsed, and its rows are read so that one enormous line is never held whole: a 2 MB header of
a million columns took 76 s to check, and a 500 MB file on one line was read into memory at once.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from secretariat.core.config import Settings
from secretariat.core.errors import InvalidInput

CHUNK = 1 << 20

# Magic numbers of files people send by mistake, and what to tell them.
_POSING = [
    (b"PK\x03\x04", "ZIP 形式のファイル（Excel の .xlsx もこの形式です）で、CSV ではありません。CSV 形式で保存し直してください"),
    (b"\xd0\xcf\x11\xe0", "古い Excel の .xls ファイルで、CSV ではありません。CSV 形式で保存し直してください"),
    (b"%PDF", "PDF ファイルで、CSV ではありません"),
    (b"\x1f\x8b", "gzip で圧縮されたファイルで、CSV ではありません"),
]


@dataclass(frozen=True)
class Limits:
    """How large a municipality's file may be before it is refused unread."""

    file_bytes: int = 1 << 30  # 1 GiB; Yokohama's 3.8 million residents come to about 600 MB
    row_chars: int = 1 << 16   # 65,536 characters in one row; a real row has a few hundred
    columns: int = 200         # headings in the header row; the default mapping has 19


def limits_of(settings: Settings) -> Limits:
    return Limits(file_bytes=settings.upload_max_bytes, row_chars=settings.row_max_chars,
                  columns=settings.header_max_columns)


class OverLimit(InvalidInput):
    """A file, a row or a header beyond `Limits`, with the code and the row a report shows (the
    header is row 1; 0 is the whole file). `BoundedLines` knows only lines: a reader that counts
    records puts its own row in."""

    def __init__(self, code: str, row: int, value: str, message: str):
        super().__init__(message)
        self.code, self.row, self.value = code, row, value


def check_size(path: Path, limits: Limits) -> int:
    """The file's size in bytes, or `OverLimit` before a byte of it is read."""
    size = path.stat().st_size
    if size > limits.file_bytes:
        raise OverLimit("file_too_large", 0, f"{size:,} バイト",
                        f"ファイルが大きすぎます（{size:,} バイト）。受け付けるのは {limits.file_bytes:,} バイトまでです。"
                        "何も読まずに受付を止めました。")
    return size


class BoundedLines:
    """A text file's lines for `csv.reader`, refusing a row longer than `limit` characters before
    it is read whole. A row is one record: a quoted field may spread it over several lines, so the
    reader sets `used = 0` after each record it takes; each line is read at most as far as the
    characters the row has left."""

    __slots__ = ("readline", "limit", "used", "line")

    def __init__(self, handle, limit: int):
        self.readline, self.limit = handle.readline, limit
        self.used = 0  # characters of the record being read
        self.line = 0  # lines read so far

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self.readline(self.limit - self.used + 1)
        if not line:
            raise StopIteration
        self.used += len(line)
        self.line += 1
        if self.used > self.limit:
            raise OverLimit("row_too_long", self.line, f"{self.limit:,} 文字超",
                            f"行が長すぎます（1行 {self.limit:,} 文字まで）。区切りや改行が正しく出力されていないか、"
                            "CSV ではないファイルのようです。この行から先は読んでいません。")
        return line


def bounded_records(path: Path, encoding: str, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """(row, record) of a small CSV file such as a payment-result file, header first as row 1,
    within `limits` (size, row length, header columns) or `OverLimit` naming the row."""
    check_size(path, limits)
    with path.open(encoding=encoding, newline="") as handle:
        lines = BoundedLines(handle, limits.row_chars)
        row = 0
        try:
            for row, record in enumerate(csv.reader(lines), start=1):
                lines.used = 0
                if row == 1:
                    check_columns(record, limits)
                yield row, record
        except OverLimit as error:
            error.row = row + 1
            raise


def check_columns(header: list[str], limits: Limits) -> None:
    if len(header) > limits.columns:
        raise OverLimit("too_many_columns", 1, f"{len(header):,} 列",
                        f"見出し行の列が多すぎます（{len(header):,} 列）。受け付けるのは {limits.columns} 列までです。")


def detect_encoding(path: Path) -> str:
    """`utf-8-sig`, `utf-8` or `cp932`, read strictly over the whole file; or a clear refusal."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head:
        raise InvalidInput("ファイルが空です")
    for magic, what in _POSING:
        if head.startswith(magic):
            raise InvalidInput(f"このファイルは{what}")
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
                raise InvalidInput("ファイルに NUL バイトがあります。CSV のテキストファイルではなく、バイナリのデータです")
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                if quiet:
                    return False
                line = lines + chunk[:error.start].count(b"\n")
                raise InvalidInput(f"ファイルの文字コードが UTF-8 でも Shift_JIS（CP932）でもありません。{line}行目の"
                                   f"{offset + error.start}バイト目（0x{chunk[error.start]:02x}）が読めません") from None
            lines += chunk.count(b"\n")
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            if quiet:
                return False
            raise InvalidInput(f"ファイルが文字の途中で終わっています。途中で切れているか（アップロードの中断など）、"
                               f"{encoding} ではありません") from None
    return True
