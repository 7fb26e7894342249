"""Dates as municipal systems write them: 和暦 (Japanese era) and Western.

Forms seen in target lists: `R5.12.1`, `R05/12/01`, `令和5年12月1日`, `令和元年5月1日`, the
住基-style seven-digit era code `5051201` (era digit, then YYMMDD), `S60.4.3`, and Western
`1985-04-03`, `1985/4/3`, `19850403`. A date outside its era (平成32年, 令和1年4月) is wrong, not
silently shifted.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from secretariat.core.text import to_halfwidth_digits


class BadDate(ValueError):
    pass


# era: (first day, last day or None, letters and names it goes by, its digit in era codes)
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
_ERA_CODE = re.compile(r"^([1-5])(\d{2})(\d{2})(\d{2})$")
_WESTERN = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


@lru_cache(maxsize=100_000)
def parse_date(text: str) -> date:
    """The date `text` names, or `BadDate` saying what is wrong with it."""
    value = to_halfwidth_digits(text).strip().upper()
    if not value:
        raise BadDate("the date is empty")
    if match := _ERA_TEXT.match(value):
        era, year, month, day = match.groups()
        return _era_date(_BY_NAME[era], 1 if year == "元" else int(year), int(month), int(day))
    if match := _ERA_CODE.match(value):
        era, year, month, day = match.groups()
        return _era_date(_BY_DIGIT[era], int(year), int(month), int(day))
    if match := _WESTERN.match(value) or _COMPACT.match(value):
        return _real_date(*(int(part) for part in match.groups()))
    raise BadDate("not a date in a known form (R5.12.1, 令和5年12月1日, 5051201, 2023-12-01)")


def _era_date(era: str, year: int, month: int, day: int) -> date:
    first, last, _, _ = ERAS[era]
    if year < 1:
        raise BadDate(f"{era} has no year {year}")
    result = _real_date(first.year + year - 1, month, day)
    if result < first or (last is not None and result > last):
        raise BadDate(f"{era}{year}年{month}月{day}日 is outside the {era} era")
    return result


def _real_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise BadDate(f"{year}-{month:02d}-{day:02d} is not a day of the calendar") from None
