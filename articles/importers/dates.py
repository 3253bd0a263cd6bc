"""Dates as the export formats write them, always read as aware datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

ZERO_DATES = {"", "0000-00-00 00:00:00", "0000-00-00T00:00:00"}


class BadDate(ValueError):
    pass


def parse_wp(value: str | None) -> datetime | None:
    """WordPress's "2013-03-14 08:01:21"; None for the empty or all-zero "no date"."""
    value = (value or "").strip()
    if value in ZERO_DATES:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadDate(value) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_rfc2822(value: str | None) -> datetime | None:
    """RSS's "Tue, 27 Jan 2015 14:56:57 +0000"."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        raise BadDate(value) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_iso(value: str | None) -> datetime | None:
    """ISO 8601 as Disqus and our JSON write it: "2013-10-10T19:20:29Z"."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadDate(value) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
