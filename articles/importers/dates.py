"""Dates as the export formats write them, always read as aware datetimes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

ZERO_DATES = {"", "0000-00-00 00:00:00", "0000-00-00T00:00:00"}


class BadDate(ValueError):
    pass


def _parse(value: str | None, parser: Callable[[str], datetime],
           empty: set[str] | frozenset[str] = frozenset({""})) -> datetime | None:
    """Parse `value` with `parser`; None for "no date"; a date without a zone is UTC.

    Returned in UTC, as the database stores it: a date at the edge of what Python holds
    ("9999-12-31T23:59:59-05:00") is refused here, with the plan's other mistakes, rather
    than failing the write after the preview passed it."""
    value = (value or "").strip()
    if value in empty:
        return None
    try:
        parsed = parser(value)
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise BadDate(value) from None


def parse_wp(value: str | None) -> datetime | None:
    """WordPress's "2013-03-14 08:01:21"; None for the empty or all-zero "no date"."""
    return _parse(value, datetime.fromisoformat, ZERO_DATES)


def parse_rfc2822(value: str | None) -> datetime | None:
    """RSS's "Tue, 27 Jan 2015 14:56:57 +0000"."""
    return _parse(value, parsedate_to_datetime)


def parse_iso(value: str | None) -> datetime | None:
    """ISO 8601 as Disqus and our JSON write it: "2013-10-10T19:20:29Z"."""
    return _parse(value, datetime.fromisoformat)
