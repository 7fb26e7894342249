"""One definition of "now", so every stored timestamp is timezone-aware UTC."""

from datetime import date, datetime, timedelta, timezone

JST = timezone(timedelta(hours=9))  # the secretariat's and every municipality's calendar


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


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
    return datetime.now(JST).date()
