"""The relay's reads and writes: outbox rows after a destination's progress, the progress
itself, partners' webhooks and the dead letters.

On PostgreSQL a destination's progress row is locked (``FOR UPDATE SKIP LOCKED``) for the
batch, so two relays never deliver to one destination at once, and only rows of transactions
older than every one still running are read: ids are taken before commit, so a row with a
lower id may commit after one with a higher id, and reading past it would skip it forever.
(The outbox row is the last write of its transaction, whose id was taken by an earlier
write.) On SQLite writers are serialised, so ids are in commit order already.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from hub.adapters.tables import (
    outbox_events,
    partner_event_settings,
    relay_progress,
    webhook_dead_letters,
)
from hub.domain.webhook_secrets import (
    SEALED_PREFIX,
    WebhookSecretCipher,
    WebhookSecretError,
    is_sealed,
)

log = logging.getLogger("hub.relay")
NATS = "nats"
WEBHOOK_DESTINATION_PREFIX = "webhook:"


def webhook_destination(partner_id: str) -> str:
    return f"{WEBHOOK_DESTINATION_PREFIX}{partner_id}"


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    id: int
    kind: str
    partner_id: str
    ordering_key: str
    payload: dict[str, object]
    created_at: datetime

    def body(self) -> bytes:
        """What is published and POSTed: the event, as compact JSON."""
        document = {
            "id": self.id,
            "kind": self.kind,
            "partner_id": self.partner_id,
            "created_at": self.created_at.isoformat(),
            "data": self.payload,
        }
        return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


@dataclass(frozen=True, slots=True)
class Webhook:
    partner_id: str
    url: str
    secret: str = field(repr=False)
    """In clear: opened from its sealed form only here, in the relay."""
    start_after: int | None = None
    """A start an operator set that the relay has not applied yet (``apply_start``)."""


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    partner_id: str
    event_id: int
    attempts: int
    last_error: str
    failed_at: datetime
    replayed_at: datetime | None


_PG_XMIN = sa.cast(
    sa.cast(sa.func.pg_snapshot_xmin(sa.func.pg_current_snapshot()), sa.Text), sa.BigInteger
)


def _event(row: sa.Row[tuple[object, ...]]) -> OutboxEvent:
    m = row._mapping
    return OutboxEvent(
        m["id"],
        m["kind"],
        m["partner_id"],
        m["ordering_key"],
        json.loads(m["payload"]),
        m["created_at"],
    )


def claim(connection: sa.Connection, destination: str, now: datetime) -> int | None:
    """The destination's last acknowledged event id, its row locked for this transaction;
    ``None``: another relay is delivering to it."""
    progress = relay_progress.c
    statement = sa.select(progress.last_event_id).where(progress.destination == destination)
    if connection.dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
        exists = sa.select(progress.destination).where(progress.destination == destination)
        if connection.execute(exists).first() is None:
            _start(connection, destination, now)
    found = connection.execute(statement).first()
    if found is None and connection.dialect.name != "postgresql":
        _start(connection, destination, now)
        return 0
    return None if found is None else int(found[0])


def _start(connection: sa.Connection, destination: str, now: datetime) -> None:
    """A destination's progress row, from the first event; a concurrent relay may add it too."""
    # The savepoint, not the transaction, is rolled back when the row is already there.
    with contextlib.suppress(sa.exc.IntegrityError), connection.begin_nested():
        connection.execute(
            relay_progress.insert().values(destination=destination, last_event_id=0, updated_at=now)
        )


def after(
    connection: sa.Connection, last_id: int, limit: int, partner_id: str | None = None
) -> Sequence[OutboxEvent]:
    """Committed events after ``last_id`` in id order (a partner's only, if named)."""
    events = outbox_events.c
    statement = sa.select(outbox_events).where(events.id > last_id)
    if partner_id is not None:
        statement = statement.where(events.partner_id == partner_id)
    if connection.dialect.name == "postgresql":
        statement = statement.where(events.xact_id < _PG_XMIN)
    statement = statement.order_by(events.id).limit(limit)
    return [_event(row) for row in connection.execute(statement)]


def advance(connection: sa.Connection, destination: str, event_id: int, now: datetime) -> None:
    connection.execute(
        relay_progress.update()
        .where(relay_progress.c.destination == destination)
        .values(last_event_id=event_id, updated_at=now)
    )


@dataclass(frozen=True, slots=True)
class Webhooks:
    opened: Sequence[Webhook]
    shut: Sequence[str]
    """Partners whose webhook secret cannot be opened (no data key, or not the one that
    sealed it): their events wait in the outbox."""


def webhooks(connection: sa.Connection, secrets: WebhookSecretCipher | None) -> Webhooks:
    """Partners with a webhook and its secret set, the secret opened; one whose secret cannot
    be opened is logged and listed apart."""
    settings = partner_event_settings.c
    rows = connection.execute(
        sa.select(
            settings.partner_id,
            settings.webhook_url,
            settings.webhook_secret,
            settings.webhook_start_after,
        )
        .where(settings.webhook_url.is_not(None), settings.webhook_secret.is_not(None))
        .order_by(settings.partner_id)
    )
    opened, shut = [], []
    for partner_id, url, stored, start_after in rows:
        secret = _opened(secrets, partner_id, stored)
        if secret is None:
            shut.append(partner_id)
        else:
            opened.append(Webhook(partner_id, url, secret, start_after))
    return Webhooks(opened, shut)


def sealed_webhook_partners(connection: sa.Connection) -> list[str]:
    """Partners whose webhook secret is sealed: a relay needs the data key to deliver to them."""
    settings = partner_event_settings.c
    return list(
        connection.scalars(
            sa.select(settings.partner_id)
            .where(
                settings.webhook_url.is_not(None),
                settings.webhook_secret.like(f"{SEALED_PREFIX}%"),
            )
            .order_by(settings.partner_id)
        )
    )


def _opened(secrets: WebhookSecretCipher | None, partner_id: str, stored: str) -> str | None:
    if not is_sealed(stored):
        return stored  # written before secrets were sealed: ``seal_plaintext_secrets``
    if secrets is None:
        log.error("the webhook secret of %s is sealed, and the relay has no data key", partner_id)
        return None
    try:
        return secrets.open(partner_id, stored)
    except WebhookSecretError as error:
        log.error("not delivering to %s's webhook: %s", partner_id, error)
        return None


def webhook(
    connection: sa.Connection, partner_id: str, secrets: WebhookSecretCipher | None
) -> Webhook | None:
    found = webhooks(connection, secrets).opened
    return next((w for w in found if w.partner_id == partner_id), None)


def seal_plaintext_secrets(connection: sa.Connection, secrets: WebhookSecretCipher) -> int:
    """Seal the webhook secrets stored in plain text before secrets were sealed (migration
    0025 seals them when it has the data key; otherwise this does, at the relay's next pass)."""
    settings = partner_event_settings.c
    rows = connection.execute(
        sa.select(settings.partner_id, settings.webhook_secret).where(
            settings.webhook_secret.is_not(None),
            settings.webhook_secret.not_like(f"{SEALED_PREFIX}%"),
        )
    ).all()
    for partner_id, stored in rows:
        connection.execute(
            partner_event_settings.update()
            .where(settings.partner_id == partner_id, settings.webhook_secret == stored)
            .values(webhook_secret=secrets.seal(partner_id, stored))
        )
    return len(rows)


def apply_start(connection: sa.Connection, webhook: Webhook, now: datetime) -> bool:
    """Move the webhook's progress to the start an operator set, and clear it; ``False``:
    another relay is delivering to it (it is applied at a later pass)."""
    if webhook.start_after is None:
        return True
    destination = webhook_destination(webhook.partner_id)
    if claim(connection, destination, now) is None:
        return False
    advance(connection, destination, webhook.start_after, now)
    settings = partner_event_settings.c
    connection.execute(
        partner_event_settings.update()
        .where(
            settings.partner_id == webhook.partner_id,
            settings.webhook_start_after == webhook.start_after,
        )
        .values(webhook_start_after=None)
    )
    return True


def event(connection: sa.Connection, event_id: int) -> OutboxEvent | None:
    row = connection.execute(sa.select(outbox_events).where(outbox_events.c.id == event_id)).first()
    return None if row is None else _event(row)


def add_dead_letter(
    connection: sa.Connection,
    partner_id: str,
    event_id: int,
    attempts: int,
    error: str,
    now: datetime,
) -> None:
    connection.execute(
        webhook_dead_letters.insert().values(
            partner_id=partner_id,
            event_id=event_id,
            attempts=attempts,
            last_error=error[:500],
            failed_at=now,
        )
    )


def dead_letters(
    connection: sa.Connection, *, include_replayed: bool = False
) -> Sequence[DeadLetter]:
    letters = webhook_dead_letters.c
    statement = sa.select(webhook_dead_letters).order_by(letters.id)
    if not include_replayed:
        statement = statement.where(letters.replayed_at.is_(None))
    return [DeadLetter(**row._mapping) for row in connection.execute(statement)]


def dead_letter_replayed(
    connection: sa.Connection, letter_id: int, attempts: int, error: str | None, now: datetime
) -> None:
    """A replay's outcome: delivered (``error`` None), or failed again."""
    values: dict[str, object] = {"attempts": webhook_dead_letters.c.attempts + attempts}
    if error is None:
        values["replayed_at"] = now
    else:
        values.update(last_error=error[:500], failed_at=now)
    connection.execute(
        webhook_dead_letters.update().where(webhook_dead_letters.c.id == letter_id).values(values)
    )


def prune(connection: sa.Connection, cutoff: datetime, *, nats: bool, limit: int) -> int:
    """Delete up to ``limit`` events written before ``cutoff`` that every destination has
    acknowledged: NATS (when ``nats``) and the partner's webhook (when it has one, and no start
    is waiting to be applied); never one with a dead letter not replayed. How many went."""
    events, letters = outbox_events.c, webhook_dead_letters.c
    settings, progress = partner_event_settings.c, relay_progress.c
    undelivered_to_webhook = sa.exists().where(
        settings.partner_id == events.partner_id,
        settings.webhook_url.is_not(None),
        settings.webhook_secret.is_not(None),
        sa.or_(
            settings.webhook_start_after.is_not(None),
            ~sa.exists()
            .where(
                progress.destination
                == sa.literal(WEBHOOK_DESTINATION_PREFIX) + settings.partner_id,
                progress.last_event_id >= events.id,
            )
            .correlate(outbox_events, partner_event_settings),
        ),
    )
    pending_letter = sa.exists().where(letters.event_id == events.id, letters.replayed_at.is_(None))
    conditions = [events.created_at < cutoff, ~undelivered_to_webhook, ~pending_letter]
    if nats:  # no progress row yet: nothing was published, nothing goes
        published = sa.select(progress.last_event_id).where(progress.destination == NATS)
        conditions.append(events.id <= published.scalar_subquery())
    doomed = sa.select(events.id).where(*conditions).order_by(events.id).limit(limit)
    deleted = connection.execute(outbox_events.delete().where(events.id.in_(doomed)))
    return deleted.rowcount


def prune_replayed_letters(connection: sa.Connection, cutoff: datetime) -> int:
    """Delete dead letters replayed (delivered) before ``cutoff``; pending ones stay."""
    letters = webhook_dead_letters.c
    deleted = connection.execute(
        webhook_dead_letters.delete().where(
            letters.replayed_at.is_not(None), letters.replayed_at < cutoff
        )
    )
    return deleted.rowcount
