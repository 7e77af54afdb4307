"""The relay's passes: each destination takes the events after its progress, in id order,
delivers them one at a time (so a member's events arrive in the order they were written) and
advances its progress past each one acknowledged; see ``hub.relay``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from hub.relay import store
from hub.relay.nats_sink import NatsSink
from hub.relay.settings import RELAY_BATCH_MAX, RelaySettings
from hub.relay.store import OutboxEvent, Webhook
from hub.relay.webhooks import Outcome, WebhookSender

log = logging.getLogger("hub.relay")
REPLAY_ATTEMPTS_MAX = 1
"""An operator's replay tries once: the operator sees the outcome and may try again."""

Deliver = Callable[[OutboxEvent], Outcome | None]
"""Deliver one event; an ``Outcome`` with an error means it is to be dead-lettered."""


def _now() -> datetime:
    return datetime.now(UTC)


class Relay:
    def __init__(
        self, engine: sa.Engine, settings: RelaySettings, *, sender: WebhookSender | None = None
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._sender = sender or WebhookSender(settings)
        self._nats: NatsSink | None = None

    def pass_once(self) -> int:
        """Deliver a batch to every destination; how many events were delivered."""
        delivered = 0
        if self._settings.nats_url:
            delivered += self._batch(store.NATS, None, self._publish)
        with self._engine.connect() as connection:
            webhooks = store.webhooks(connection)
        for webhook in webhooks:
            delivered += self._batch(
                store.webhook_destination(webhook.partner_id),
                webhook.partner_id,
                lambda event, webhook=webhook: self._post(webhook, event),  # type: ignore[misc]
            )
        return delivered

    def drain(self) -> int:
        """Pass until nothing is left to deliver; how many events were delivered."""
        total = 0
        while delivered := self.pass_once():
            total += delivered
        return total

    def run(self, stop: threading.Event) -> None:
        """Pass until ``stop`` is set, resting ``poll_interval_s`` when nothing was delivered
        or a destination failed (its batch is retried at the next pass)."""
        while not stop.is_set():
            try:
                delivered = self.pass_once()
            except Exception:  # the relay outlives a broker or database outage
                log.exception("relay pass failed; retrying")
                self._close_nats()
                delivered = 0
            if not delivered:
                stop.wait(self._settings.poll_interval_s)

    def close(self) -> None:
        self._close_nats()

    def _publish(self, event: OutboxEvent) -> None:
        if self._nats is None:
            nats = NatsSink(self._settings)
            nats.open()
            self._nats = nats
        self._nats.publish(event)

    def _close_nats(self) -> None:
        nats, self._nats = self._nats, None
        if nats is not None:
            try:
                nats.close()
            except Exception:  # closing a broken connection may fail too
                log.debug("closing the NATS connection failed", exc_info=True)

    def _post(self, webhook: Webhook, event: OutboxEvent) -> Outcome | None:
        outcome = self._sender.deliver(webhook, event)
        if outcome.error is not None:
            log.warning(
                "event %s to %s dead-lettered after %s attempts: %s",
                event.id,
                webhook.partner_id,
                outcome.attempts,
                outcome.error,
            )
        return outcome

    def _batch(self, destination: str, partner_id: str | None, deliver: Deliver) -> int:
        """On PostgreSQL one transaction holds the destination's lock while it delivers; on
        SQLite (one relay) nothing is held while delivering, which would stop every writer."""
        with self._engine.begin() as connection:
            last_id = store.claim(connection, destination, _now())
            if last_id is None:
                return 0
            events = store.after(connection, last_id, RELAY_BATCH_MAX, partner_id)
            if connection.dialect.name == "postgresql":
                for event in events:
                    _record(connection, destination, event, deliver(event))
                return len(events)
        for event in events:
            outcome = deliver(event)
            with self._engine.begin() as connection:
                _record(connection, destination, event, outcome)
        return len(events)


def _record(
    connection: sa.Connection, destination: str, event: OutboxEvent, outcome: Outcome | None
) -> None:
    now = _now()
    if outcome is not None and outcome.error is not None:
        store.add_dead_letter(
            connection, event.partner_id, event.id, outcome.attempts, outcome.error, now
        )
    store.advance(connection, destination, event.id, now)


@dataclass(frozen=True, slots=True)
class Replayed:
    letter_id: int
    event_id: int
    error: str | None
    """``None``: delivered."""


def replay(
    engine: sa.Engine, sender: WebhookSender, letter_ids: Sequence[int] | None = None
) -> list[Replayed]:
    """Deliver dead letters again (all of them unless ``letter_ids`` names some), to the
    partner's current webhook; each is marked replayed once delivered."""
    with engine.connect() as connection:
        letters = [
            letter
            for letter in store.dead_letters(connection)
            if letter_ids is None or letter.id in letter_ids
        ]
    replayed = []
    for letter in letters:
        with engine.begin() as connection:
            error = _replay_one(connection, sender, letter)
            store.dead_letter_replayed(connection, letter.id, REPLAY_ATTEMPTS_MAX, error, _now())
        replayed.append(Replayed(letter.id, letter.event_id, error))
    return replayed


def _replay_one(
    connection: sa.Connection, sender: WebhookSender, letter: store.DeadLetter
) -> str | None:
    webhook = store.webhook(connection, letter.partner_id)
    event = store.event(connection, letter.event_id)
    if webhook is None or event is None:
        return "the partner has no webhook now" if webhook is None else "the event is gone"
    return sender.deliver(webhook, event, attempts_max=REPLAY_ATTEMPTS_MAX).error
