"""What the operations port asks the database when it is scraped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

UNDELIVERED_COUNTED_MAX = 10_000
"""A destination's backlog is counted up to this many events: a scrape while a relay is far
behind reads an index range of this length, not the whole backlog (its age still tells)."""


@dataclass(frozen=True, slots=True)
class SinkBacklog:
    """Events written to the outbox that one destination of the relay has not taken yet."""

    sink: str
    """``nats`` or ``webhook``."""
    partner_id: str
    """The webhook's partner; empty for NATS, which carries every partner's events."""
    undelivered: int
    """Counted up to ``UNDELIVERED_COUNTED_MAX``."""
    oldest_created_at: datetime | None
    """When the next of them the relay takes (it goes in id order) was written; ``None`` when
    nothing waits."""


@dataclass(frozen=True, slots=True)
class OpsFigures:
    """Figures every replica reads alike, from the database, rather than counts of its own."""

    oldest_due_at: datetime | None
    """The due time of the oldest hold to expire, lot to mature or lot to expire that the
    sweeper has not handled yet; ``None`` when nothing is overdue."""
    flags_by_rule: Mapping[tuple[str, str], int]
    """Flags raised over the window, by (rule, decision)."""
    latest_settled_day: date | None
    outbox: Sequence[SinkBacklog] = ()
    """Per destination: NATS once a relay has published there, and every partner's webhook."""
    dead_letters_by_partner: Mapping[str, int] = field(default_factory=dict)
    """Webhook deliveries that exhausted their retries and were not replayed, by partner."""
    latest_run_duration_s: float | None = None
    """How long the latest settlement run that kept its times took."""


class OpsQueries(Protocol):
    def figures(self, now: datetime, flags_since: datetime) -> OpsFigures: ...
