"""The port of the event outbox: events queued with the unit of work, and what the sweeper
and operators read and set for them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hub.domain.lots import Lot
from hub.services.outbox import Event


@dataclass(frozen=True, slots=True)
class EventSettings:
    """A partner's event settings: its webhook (none until an operator sets one) and how many
    days before its lots expire their members are announced."""

    partner_id: str
    webhook_url: str | None
    webhook_secret: str | None
    """Sealed with the hub's data key (``hub.domain.webhook_secrets``); plain text only in a
    row written before secrets were sealed."""
    expiry_notice_days: int
    webhook_start_after: int | None = None
    """A start the relay has not applied yet: the last event id the webhook must not receive."""


class OutboxRepository(Protocol):
    def add(self, event: Event) -> None:
        """Queue ``event``: written with the unit of work's COMMIT (one INSERT for all the
        events of the unit of work), or not at all."""
        ...

    def expiring_unnoticed(self, now: datetime, limit: int) -> Sequence[tuple[Lot, int]]:
        """Available lots whose points expire within their issuer's notice days and were not
        announced yet, with those days; at most ``limit``."""
        ...

    def expiry_pass_at(self) -> datetime | None:
        """When the sweeper last found no lot left to announce (``None``: never)."""
        ...

    def expiry_pass_done(self, now: datetime) -> None: ...

    def mark_noticed(self, lot_ids: Sequence[uuid.UUID], now: datetime) -> None:
        """Remember these lots as announced, so each is announced once."""
        ...

    def settings(self, partner_id: str) -> EventSettings:
        """The partner's settings (the defaults when it has none)."""
        ...

    def save_settings(self, settings: EventSettings, now: datetime) -> None: ...

    def last_event_before(self, at: datetime | None) -> int:
        """The id of the last event written before ``at`` (``None``: the last one written);
        0 when there is none."""
        ...
