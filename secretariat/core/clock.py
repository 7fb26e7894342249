"""One definition of "now", so every stored timestamp is timezone-aware UTC.

The demo replays a programme's weeks day by day through the product's own flows: `replaying_at`
lets each step happen on the day it would have, as if run then. Nothing in production sets it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta, timezone

JST = timezone(timedelta(hours=9))  # the secretariat's and every municipality's calendar


_REPLAYED: ContextVar[datetime | None] = ContextVar("replayed_now", default=None)


def utcnow() -> datetime:
    replayed = _REPLAYED.get()
    return replayed.astimezone(timezone.utc) if replayed is not None else datetime.now(timezone.utc)


@contextmanager
def replaying_at(moment: datetime) -> Iterator[None]:
    """Within the block, "now" is `moment` (an aware datetime): the demo's replay of past days."""
    if moment.tzinfo is None:
        raise ValueError("a replayed moment needs its time zone")
    token = _REPLAYED.set(moment)
    try:
        yield
    finally:
        _REPLAYED.reset(token)


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC. Naive values are the UTC that SQLite hands back.

    Everything is converted before it is stored: SQLite keeps the wall-clock digits and drops
    the offset, so a JST time stored as such would come back nine hours off.
    """
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def in_jst(moment: datetime) -> datetime:
    """A stored moment (aware, or the naive UTC SQLite hands back) on Japan's clock."""
    return as_utc(moment).astimezone(JST)


def today_jst() -> date:
    """Today's date in Japan: arrival dates, deadlines and deficiency days are Japanese calendar days."""
    return utcnow().astimezone(JST).date()
