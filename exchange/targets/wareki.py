"""Dates as municipal systems write them: 和暦 (Japanese era) and Western, and as Excel leaves them.

Forms seen in target lists: `R5.12.1`, `R05/12/01`, `令和5年12月1日`, `令和元年5月1日`, the
住基-style seven-digit era code `5051201` (era digit, then YYMMDD) and its eight-digit form with a
two-digit era code `05051201` (中間標準レイアウト and the COBOL systems before it; a file that went
through Excel loses the leading zero and arrives as the seven-digit form), `S60.4.3`, and Western
`1985-04-03`, `1985/4/3`, `19850403`.

A file opened and saved in Excel adds a midnight time (`1985-04-03 00:00:00`, `1985/4/3 0:00`) or
turns the date into its serial number (`31140`, days since 1899-12-30). A five-digit serial is read
with a warning, since a bare number could as well be something else; a shorter one is refused.

A date outside its era (平成32年, 令和1年4月) is wrong, not silently shifted, and a year before 1868
(明治) is refused: nobody on a resident register was born then, so it is a typing mistake.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from secretariat.core.text import to_halfwidth_digits

FIRST_YEAR = 1868  # 明治元年


class BadDate(ValueError):
    """A value that names no day; `code` is the report's code for it."""

    def __init__(self, message: str, code: str = "bad_date"):
        super().__init__(message)
        self.code = code


class DateReading(NamedTuple):
    day: date
    warning: str = ""  # why the reading deserves a second look (an Excel serial number), or ""


# era: (first day, last day or None, letters and names it goes by, its code)
# The codes are the ones municipal systems use, 明治 1 to 令和 5 (JIS X 0301's order of the eras); see
# tests/exchange/test_excel_and_era_code_dates.py for where that is written down.
ERAS = {
    "明治": (date(1868, 1, 25), date(1912, 7, 29), ("M", "明"), "1"),
    "大正": (date(1912, 7, 30), date(1926, 12, 24), ("T", "大"), "2"),
    "昭和": (date(1926, 12, 25), date(1989, 1, 7), ("S", "昭"), "3"),
    "平成": (date(1989, 1, 8), date(2019, 4, 30), ("H", "平"), "4"),
    "令和": (date(2019, 5, 1), None, ("R", "令"), "5"),
}
_BY_NAME = {alias: era for era, (_, _, aliases, _) in ERAS.items() for alias in (era, *aliases)}
_BY_DIGIT = {digit: era for era, (_, _, _, digit) in ERAS.items()}

_ERA_TEXT = re.compile(r"^(明治|大正|昭和|平成|令和|[MTSHR明大昭平令])\s*(元|\d{1,2})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")
_ERA_CODE = re.compile(r"^0?([1-5])(\d{2})(\d{2})(\d{2})$")  # 5051201, or 05051201 with a two-digit era code
_WESTERN = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME = re.compile(r"^(.+?)(?:\s+|T)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")  # Excel's "0:00", "00:00:00"
_SERIAL = re.compile(r"^\d{5}$")
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 0 in Excel's 1900 date system (serials past 60 count from here)
KNOWN_FORMS = "R5.12.1, 令和5年12月1日, 5051201, 05051201, 2023-12-01, 20231201"


def read_date(text: str) -> DateReading:
    """The date `text` names and whether the reading needs a second look, or `BadDate` saying
    what is wrong with it."""
    found = _read(text)
    return found if type(found) is DateReading else DateReading(found)


def parse_date(text: str) -> date:
    """The date `text` names, or `BadDate`."""
    found = _read(text)
    return found.day if type(found) is DateReading else found


@lru_cache(maxsize=100_000)
def _read(text: str) -> date | DateReading:
    """A plain date when the reading is sure, a `DateReading` with its warning when not: the cache
    holds a hundred thousand of these, and a date is half the size of a pair."""
    value = to_halfwidth_digits(text).strip().upper()
    if not value:
        raise BadDate("日付が空です")
    if day := _plain(value):
        return day
    if match := _TIME.match(value):
        day = _plain(match.group(1))
        if day is not None:
            hour, minute, second = int(match.group(2)), int(match.group(3)), int(match.group(4) or 0)
            if hour == minute == second == 0:
                return day  # the midnight Excel adds to every date it saves
            return DateReading(day, f"時刻（{match.group(2)}:{match.group(3)}）が付いていたため、日付だけを読みました")
    if _SERIAL.match(value):
        day = _EXCEL_EPOCH + timedelta(days=int(value))
        return DateReading(day, f"数字だけの値を Excel の日付シリアル値として {day.year}年{day.month}月{day.day}日 と"
                                "読みました。別の意味の数字であれば、日付に直して送り直してください")
    if value.isdigit():
        raise BadDate(f"数字 {value} は日付として読めません（使える形: {KNOWN_FORMS}）")
    raise BadDate(f"日付として読めません（使える形: {KNOWN_FORMS}）")


def _plain(value: str) -> date | None:
    """The date a value in one of the written forms names; None if it is in none of them."""
    if match := _ERA_TEXT.match(value):
        era, year, month, day = match.groups()
        return _era_date(_BY_NAME[era], 1 if year == "元" else int(year), int(month), int(day))
    if match := _ERA_CODE.match(value):
        era, year, month, day = match.groups()
        return _era_date(_BY_DIGIT[era], int(year), int(month), int(day))
    if len(value) == 8 and value.startswith("0") and value.isdigit():
        raise BadDate(f"元号コード {value[:2]} は 01（明治）から 05（令和）のどれでもありません")
    if match := _WESTERN.match(value) or _COMPACT.match(value):
        return _real_date(*(int(part) for part in match.groups()))
    return None


def _era_date(era: str, year: int, month: int, day: int) -> date:
    first, last, _, _ = ERAS[era]
    if year < 1:
        raise BadDate(f"{era}{year}年という年はありません")
    result = _real_date(first.year + year - 1, month, day)
    if result < first or (last is not None and result > last):
        raise BadDate(f"{era}{year}年{month}月{day}日は{era}の期間（{_span(first, last)}）の外です")
    return result


def _span(first: date, last: date | None) -> str:
    return f"{first:%Y-%m-%d}〜{last:%Y-%m-%d}" if last else f"{first:%Y-%m-%d}〜"


def _real_date(year: int, month: int, day: int) -> date:
    if year < FIRST_YEAR:
        raise BadDate(f"{year}年は明治（{FIRST_YEAR}年）より前です。入力の誤りではありませんか", "before_1868")
    try:
        return date(year, month, day)
    except ValueError:
        raise BadDate(f"{year}年{month}月{day}日という日はありません") from None
