"""How values read on a page: money in major units, short ids, times in UTC, heat levels."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from hub.domain.short_ids import short_form

HEAT_LEVELS = 5


def minor(amount_minor: int, exponent: int = 2) -> str:
    """``12345`` → ``123.45`` (settlement currencies here have two decimals)."""
    sign = "-" if amount_minor < 0 else ""
    whole, fraction = divmod(abs(amount_minor), 10**exponent)
    return f"{sign}{whole:,}.{fraction:0{exponent}d}"


def points(value: int) -> str:
    return f"{value:,}"


def short_id(text: str) -> str:
    """An id as the CLI's tables show it and every staff command accepts back: its first 8
    hex digits (a UUIDv7's minute), ``..``, its last 4 (random, telling a burst apart)."""
    try:
        return short_form(uuid.UUID(text))
    except ValueError:
        return text


def when(stamp: Any) -> str:
    """A protobuf ``Timestamp`` (or ``datetime``) as ``YYYY-MM-DD HH:MM``, UTC; unset: ``""``."""
    moment = stamp if isinstance(stamp, datetime) else _datetime_of(stamp)
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def _datetime_of(stamp: Any) -> datetime | None:
    if stamp is None or (stamp.seconds == 0 and stamp.nanos == 0):
        return None
    return datetime.fromtimestamp(stamp.seconds, UTC)


def heat(value: int, largest: int) -> int:
    """0 for nothing, else 1..HEAT_LEVELS by share of the largest cell."""
    if value <= 0 or largest <= 0:
        return 0
    return max(1, round(HEAT_LEVELS * value / largest))


def time_left(seconds: int) -> str:
    """``5400`` → ``1 h 30 min``; past due: ``expired``."""
    if seconds <= 0:
        return "expired"
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    return f"{hours} h {minutes} min" if hours else f"{max(minutes, 1)} min"


def person(actor: Any, fallback: str = "") -> str:
    """An ``Actor`` as staff read it: the person's name, else the audit URI, else ``fallback``."""
    return str(actor.person or actor.uri or fallback)


FILTERS = {
    "person": person,
    "minor": minor,
    "points": points,
    "short_id": short_id,
    "when": when,
    "time_left": time_left,
}
