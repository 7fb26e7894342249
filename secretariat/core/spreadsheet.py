"""Cells a spreadsheet would take for a formula (CSV injection), made harmless in every file we write.

Excel, LibreOffice and Google Sheets read a CSV field that begins with = + - @, a tab or a
carriage return as a formula, and a formula can run a command (`=cmd|' /C calc'!A0`) or send a
sheet's data to a web address. Japanese Excel turns full-width characters entered in a cell into
their ASCII forms (＝１＋１ becomes the formula =1+1), and it reads a CSV's fields much as if
they were entered, so the full-width ＝ ＋ － ＠ count too: a quote before a rare full-width sign costs nothing, a
formula that runs costs a great deal.

The rule, one for the whole product:

- a text value that begins with one of those characters gets a single quote in front in CSV
  (OWASP's advice): no spreadsheet evaluates it, and a system loading the file sees at once
  that the value came as text;
- except plain numbers (an optional sign, ASCII digits, at most one decimal point), which also
  covers E.164 phone numbers (+819012345678): every spreadsheet reads them as the number they
  are, never as a formula, so they are written as they are;
- in XLSX a text cell is never evaluated, but openpyxl stores any str beginning with = as a
  formula; `xlsx_row` keeps text as text and gives a risky value Excel's own quote prefix (the
  cell's style, not its value), so the value is written unchanged and stays text when edited.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TRIGGERS = frozenset("=+-@\t\r＝＋－＠")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")
# Characters XML 1.0 cannot hold; openpyxl refuses them, so one stray control character in a
# name would stop a whole XLSX. They become 〓, as a character CP932 lacks does in CSV.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_OPENPYXL_ERRORS = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read `text` as a formula."""
    return text[:1] in TRIGGERS and not _PLAIN_NUMBER.match(text)


def csv_cell(value):
    """A value as a CSV cell: None as empty, formula-like text behind a single quote, the rest as it is."""
    if value is None:
        return ""
    if value.__class__ is str and value[:1] in TRIGGERS and is_formula_like(value):  # the first test is the quick one
        return "'" + value
    return value


def csv_row(values: Iterable) -> list:
    return [csv_cell(value) for value in values]


def xlsx_row(sheet, values: Iterable, bold: bool = False) -> list:
    """Cells for a write-only sheet's `append`: numbers as numbers, every str as text, never a formula."""
    # openpyxl takes most of a second to import; the print room's workers and the CLI need only the CSV half
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    row = []
    for value in values:
        if value is None:
            value = ""
        elif not isinstance(value, (str, int, float)):
            value = str(value)
        if not bold and (value.__class__ is not str or not _needs_cell(value)):
            row.append(value)
            continue
        text = value.__class__ is str
        cell = WriteOnlyCell(sheet, value=_NOT_IN_XML.sub("〓", value) if text else value)
        if text:
            cell.data_type = "s"  # openpyxl made "=…" a formula and "#N/A" an error
            if is_formula_like(value):
                cell.quotePrefix = True
        if bold:
            cell.font = Font(bold=True)
        row.append(cell)
    return row


def _needs_cell(text: str) -> bool:
    return text[:1] in TRIGGERS or text[:1] == "#" and text in _OPENPYXL_ERRORS or bool(_NOT_IN_XML.search(text))
