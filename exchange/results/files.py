"""Writing lists the municipality opens in Excel or loads into its own systems.

CSV goes out as CP932 with CRLF, as their systems expect; a character CP932 lacks becomes the
geta mark 〓, the convention their staff already know. XLSX holds the same rows as text so
that numbers like 世帯番号 keep their leading zeros.

Every cell passes through `secretariat.core.spreadsheet`, so a name like `=1+1` from a target
list reaches their Excel as text, never as a formula (the rule is written there).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from secretariat.core.spreadsheet import csv_row, xlsx_row


def _geta(error: UnicodeEncodeError):
    return "〓" * (error.end - error.start), error.end


codecs.register_error("geta", _geta)


def cp932_csv(headings: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_row(headings))
    writer.writerows(csv_row(row) for row in rows)
    return buffer.getvalue().encode("cp932", errors="geta")


def xlsx(headings: Sequence[str], rows: Iterable[Sequence], title: str) -> bytes:
    from openpyxl import Workbook  # most of a second to import: only where an XLSX is written

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(xlsx_row(sheet, headings, bold=True))
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_both(directory: Path, stem: str, headings: Sequence[str], rows: list[Sequence], title: str) -> list[Path]:
    """`stem.csv` (CP932) and `stem.xlsx` side by side, written whole then renamed into place."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, data in ((".csv", cp932_csv(headings, rows)), (".xlsx", xlsx(headings, rows, title))):
        written.append(write_atomically(directory / f"{stem}{suffix}", data))
    return written


def write_atomically(path: Path, data: bytes) -> Path:
    """A reader (the SFTP drop, a liaison's download) never sees half a file."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)
    return path
