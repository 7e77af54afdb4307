"""Outbox retention: events every destination acknowledged are deleted
``HUB_OUTBOX_RETENTION_DAYS`` after they were written (a running relay does it hourly;
``hub events prune`` does it now). An event still to be delivered, or with a dead letter not
replayed, is kept however old it is; so are the dead letters themselves until replayed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from hub.relay import store
from hub.relay.settings import PRUNE_BATCH_MAX, RelaySettings


@dataclass(frozen=True, slots=True)
class Pruned:
    events: int
    dead_letters: int
    """Dead letters replayed (delivered) before the cutoff."""


def prune(engine: sa.Engine, settings: RelaySettings, now: datetime) -> Pruned:
    """Delete what the retention lets go, a batch per transaction (short locks)."""
    cutoff = now - timedelta(days=settings.outbox_retention_days)
    nats = bool(settings.nats_url)
    events = 0
    while True:
        with engine.begin() as connection:
            deleted = store.prune(connection, cutoff, nats=nats, limit=PRUNE_BATCH_MAX)
        events += deleted
        if deleted < PRUNE_BATCH_MAX:
            break
    with engine.begin() as connection:
        letters = store.prune_replayed_letters(connection, cutoff)
    return Pruned(events, letters)
