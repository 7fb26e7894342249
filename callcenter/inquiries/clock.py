"""Business days (営業日) for response clocks: weekdays that are not national holidays (jpholiday),
nor the year-end closure (12/29-1/3) that municipal offices keep."""

from __future__ import annotations

from datetime import date, timedelta

import jpholiday


def is_business_day(day: date) -> bool:
    if day.weekday() >= 5 or jpholiday.is_holiday(day):
        return False
    return not ((day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3))


def business_days_between(start: date, end: date) -> int:
    """Business days after `start` up to and including `end` (0 if end is not after start)."""
    days = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        days += is_business_day(day)
    return days


def add_business_days(start: date, count: int) -> date:
    day = start
    while count > 0:
        day += timedelta(days=1)
        count -= is_business_day(day)
    return day
