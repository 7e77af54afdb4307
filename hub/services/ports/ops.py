"""What the operations port asks the database when it is scraped."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OpsFigures:
    """Figures every replica reads alike, from the database, rather than counts of its own."""

    oldest_due_at: datetime | None
    """The due time of the oldest hold to expire, lot to mature or lot to expire that the
    sweeper has not handled yet; ``None`` when nothing is overdue."""
    flags_by_rule: Mapping[tuple[str, str], int]
    """Flags raised over the window, by (rule, decision)."""
    latest_settled_day: date | None


class OpsQueries(Protocol):
    def figures(self, now: datetime, flags_since: datetime) -> OpsFigures: ...
