"""One definition of "now", so every stored timestamp is timezone-aware UTC."""

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; treat them as the UTC we stored."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
