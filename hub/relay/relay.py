"""The relay's passes: each destination takes the events after its progress, in id order,
delivers them one at a time (so a member's events arrive in the order they were written) and
advances its progress past each one acknowledged; see ``hub.relay``."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from hub.domain.webhook_secrets import WebhookSecretCipher
from hub.relay import retention, store
from hub.relay.metrics import DEAD_LETTERED, RelayMetrics
from hub.relay.nats_sink import NatsSink
from hub.relay.settings import PRUNE_INTERVAL_S, RELAY_BATCH_MAX, RelaySettings
from hub.relay.store import OutboxEvent, Webhook
from hub.relay.webhooks import Outcome, WebhookSender
from hub.services.ports.progress import SILENT, WorkProgress

log = logging.getLogger("hub.relay")
REPLAY_ATTEMPTS_MAX = 1
"""An operator's replay tries once: the operator sees the outcome and may try again."""

Deliver = Callable[[OutboxEvent], Outcome | None]
"""Deliver one event; an ``Outcome`` with an error means it is to be dead-lettered."""


def _now() -> datetime:
    return datetime.now(UTC)


class Relay:
    def __init__(
        self,
        engine: sa.Engine,
        settings: RelaySettings,
        *,
        sender: WebhookSender | None = None,
        metrics: RelayMetrics | None = None,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._sender = sender or WebhookSender(settings)
        self._nats: NatsSink | None = None
        self._metrics = metrics or RelayMetrics()
        self._secrets = settings.secret_cipher()
        self._upkept_at: float | None = None
        self.passing = True
        """Whether the latest pass ended without an error and could open every webhook's
        secret (the ops port's readiness)."""
        self._shut_webhooks = 0

    def pass_once(self) -> int:
        """Deliver a batch to every destination; how many events were delivered."""
        self._upkeep()
        delivered = 0
        if self._settings.nats_url:
            delivered += self._batch(store.NATS, None, self._publish)
        with self._engine.connect() as connection:
            webhooks = store.webhooks(connection, self._secrets)
        self._shut_webhooks = len(webhooks.shut)
        self._metrics.shut_webhooks.set(self._shut_webhooks)
        for webhook in webhooks.opened:
            if not self._started(webhook):
                continue
            delivered += self._batch(
                store.webhook_destination(webhook.partner_id),
                webhook.partner_id,
                lambda event, webhook=webhook: self._post(webhook, event),  # type: ignore[misc]
            )
        return delivered

    def drain(self, progress: WorkProgress = SILENT) -> int:
        """Pass until nothing is left to deliver; how many events were delivered.
        ``progress`` hears of each pass (a batch to every destination)."""
        progress.stage("relaying events", unit="deliveries")
        total = 0
        while delivered := self.pass_once():
            total += delivered
            progress.advance(delivered)
        return total

    def run(self, stop: threading.Event) -> None:
        """Pass until ``stop`` is set, resting ``poll_interval_s`` when nothing was delivered
        or a destination failed (its batch is retried at the next pass)."""
        while not stop.is_set():
            try:
                delivered = self.pass_once()
                self.passing = not self._shut_webhooks
            except Exception:  # the relay outlives a broker or database outage
                log.exception("relay pass failed; retrying")
                self.passing = False
                self._close_nats()
                delivered = 0
            if not delivered:
                stop.wait(self._settings.poll_interval_s)

    def close(self) -> None:
        self._close_nats()
        self._sender.close()

    def _started(self, webhook: Webhook) -> bool:
        """Apply a start an operator set (a new webhook begins after it): ``False`` while
        another relay is delivering to the webhook."""
        if webhook.start_after is None:
            return True
        with self._engine.begin() as connection:
            return store.apply_start(connection, webhook, _now())

    def _upkeep(self) -> None:
        """Hourly (and at the first pass): seal webhook secrets stored in plain text before
        secrets were sealed, and prune the outbox past its retention."""
        at = time.monotonic()
        if self._upkept_at is not None and at - self._upkept_at < PRUNE_INTERVAL_S:
            return
        self._upkept_at = at
        if self._secrets is not None:
            with self._engine.begin() as connection:
                store.seal_plaintext_secrets(connection, self._secrets)
        pruned = retention.prune(self._engine, self._settings, _now())
        if pruned.events:
            log.info("pruned %s delivered events from the outbox", pruned.events)

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
        deliver = self._counted(store.NATS if partner_id is None else "webhook", deliver)
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

    def _counted(self, sink: str, deliver: Deliver) -> Deliver:
        """``deliver``, its outcomes counted and its latency observed."""

        def counted(event: OutboxEvent) -> Outcome | None:
            try:
                outcome = deliver(event)
            except Exception:
                self._metrics.failed(sink)
                raise
            if outcome is not None and outcome.error is not None:
                self._metrics.failed(sink, DEAD_LETTERED)
            else:
                self._metrics.delivered(sink, event.created_at, _now())
            return outcome

        return counted


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
    engine: sa.Engine,
    sender: WebhookSender,
    letter_ids: Sequence[int] | None = None,
    *,
    secrets: WebhookSecretCipher | None = None,
    progress: WorkProgress = SILENT,
) -> list[Replayed]:
    """Deliver dead letters again (all of them unless ``letter_ids`` names some), to the
    partner's current webhook; each is marked replayed once delivered. ``progress`` hears of
    each one."""
    with engine.connect() as connection:
        letters = [
            letter
            for letter in store.dead_letters(connection)
            if letter_ids is None or letter.id in letter_ids
        ]
    progress.stage("replaying dead letters", len(letters), "letters")
    replayed, failed = [], 0
    for letter in letters:
        with engine.begin() as connection:
            error = _replay_one(connection, sender, letter, secrets)
            store.dead_letter_replayed(connection, letter.id, REPLAY_ATTEMPTS_MAX, error, _now())
        replayed.append(Replayed(letter.id, letter.event_id, error))
        failed += error is not None
        progress.advance(1, f"{failed:,} failed again" if failed else "")
    return replayed


def _replay_one(
    connection: sa.Connection,
    sender: WebhookSender,
    letter: store.DeadLetter,
    secrets: WebhookSecretCipher | None,
) -> str | None:
    webhook = store.webhook(connection, letter.partner_id, secrets)
    event = store.event(connection, letter.event_id)
    if webhook is None or event is None:
        return "the partner has no webhook now" if webhook is None else "the event is gone"
    return sender.deliver(webhook, event, attempts_max=REPLAY_ATTEMPTS_MAX).error
