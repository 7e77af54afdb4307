"""Business days: a day in the coalition's time zone that closes at a cutoff time.

A day ends at its cutoff: with ``22:00`` the 5th ends at 22:00 on the 5th (later operations
belong to the 6th); with ``00:00`` it ends at midnight, at the start of the 6th. A settlement
run covers the transactions stamped from the previous run's end until its day's end, so
every transaction lands in exactly one run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hub.domain.errors import BusinessDayOpen, InvalidField

_ONE_DAY = timedelta(days=1)
BUSINESS_DATE_MIN = date(1970, 1, 1)
BUSINESS_DATE_MAX = date(9999, 12, 30)
"""A day a caller may name: its end, in any time zone, is an instant Python can hold."""


def day_end(business_date: date, zone: ZoneInfo, cutoff: time) -> datetime:
    """The UTC instant ``business_date`` closes."""
    closing_date = business_date + _ONE_DAY if cutoff == time(0) else business_date
    return datetime.combine(closing_date, cutoff, tzinfo=zone).astimezone(UTC)


def business_date_of(instant: datetime, zone: ZoneInfo, cutoff: time) -> date:
    """The business day ``instant`` belongs to."""
    local = instant.astimezone(zone)
    if cutoff == time(0):
        return local.date()
    return local.date() + _ONE_DAY if local.time() >= cutoff else local.date()


def latest_closed_day(now: datetime, zone: ZoneInfo, cutoff: time, grace_s: int) -> date:
    """The latest business day that closed at least ``grace_s`` before ``now``."""
    return business_date_of(now - timedelta(seconds=grace_s), zone, cutoff) - _ONE_DAY


def check_closed(
    business_date: date, now: datetime, zone: ZoneInfo, cutoff: time, grace_s: int
) -> None:
    """Refuse to settle a day before its cutoff plus the grace for operations in flight."""
    settle_from = day_end(business_date, zone, cutoff) + timedelta(seconds=grace_s)
    if now < settle_from:
        raise BusinessDayOpen(
            f"business day {business_date.isoformat()} can be settled from "
            f"{settle_from.isoformat()} (its cutoff plus {grace_s} s for operations in flight)"
        )


def parse_business_date(text: str, *, field: str = "business_date") -> date:
    """A ``YYYY-MM-DD`` date, or ``InvalidField`` naming ``field``."""
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or not BUSINESS_DATE_MIN <= parsed <= BUSINESS_DATE_MAX:
        raise InvalidField(
            f"{field} must be a date YYYY-MM-DD from {BUSINESS_DATE_MIN} to {BUSINESS_DATE_MAX};"
            f" got {text[:32]!r}",
            field=field,
        )
    return parsed
