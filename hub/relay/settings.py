"""The relay's settings, from the environment (``HUB_NATS_URL`` and friends), and the data keys
(``HUB_DATA_KEY``, ``HUB_DATA_KEYS_RETIRED``) that open partners' sealed webhook secrets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from hub.config import ConfigError, EnvReader, Settings
from hub.domain.webhook_secrets import WebhookSecretCipher

RELAY_BATCH_MAX = 100
"""Events one destination takes per pass."""
WEBHOOK_TIMEOUT_S = 10.0
WEBHOOK_BODY_MAX_BYTES = 64 * 1024
ATTEMPTS_MAX = 100
BACKOFF_MAX_S = 3600
RETENTION_DAYS_MAX = 3650
PRUNE_BATCH_MAX = 1000
"""Events deleted per database transaction when the outbox is pruned."""
PRUNE_INTERVAL_S = 3600.0
"""How often a running relay prunes the outbox."""


@dataclass(frozen=True, slots=True)
class RelaySettings:
    nats_url: str = "nats://127.0.0.1:4222"
    """Empty: events go to webhooks only."""
    stream: str = "HUB_EVENTS"
    subject_prefix: str = "hub.events"
    """Events are published on ``<prefix>.<partner>.<kind>``."""
    webhook_ca_file: str = ""
    """A CA bundle webhooks' certificates are checked against (default: the system's)."""
    attempts_max: int = 6
    """Deliveries of one event to a webhook before it is dead-lettered."""
    backoff_base_s: float = 0.5
    backoff_max_s: float = 60.0
    poll_interval_s: float = 0.5
    outbox_retention_days: int = 30
    """Events every destination acknowledged are deleted this many days after they were
    written; never one still to be delivered, nor one with a dead letter not replayed."""
    data_keys: tuple[bytes, ...] = field(default=(), repr=False)
    """The hub's data keys, current first: they open partners' sealed webhook secrets."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> RelaySettings:
        """The settings, or a ``ConfigError`` naming every unreadable one at once."""
        defaults, read = cls(), EnvReader(env)
        settings = cls(
            nats_url=read.text("HUB_NATS_URL", defaults.nats_url),
            stream=read.text("HUB_EVENTS_STREAM", defaults.stream),
            subject_prefix=read.text("HUB_EVENTS_SUBJECT_PREFIX", defaults.subject_prefix),
            webhook_ca_file=read.text("HUB_WEBHOOK_CA_FILE", defaults.webhook_ca_file),
            attempts_max=read.integer("HUB_WEBHOOK_ATTEMPTS_MAX", defaults.attempts_max),
            backoff_base_s=read.seconds("HUB_WEBHOOK_BACKOFF_S", defaults.backoff_base_s),
            backoff_max_s=read.seconds("HUB_WEBHOOK_BACKOFF_MAX_S", defaults.backoff_max_s),
            poll_interval_s=read.seconds("HUB_RELAY_POLL_S", defaults.poll_interval_s),
            outbox_retention_days=read.integer(
                "HUB_OUTBOX_RETENTION_DAYS", defaults.outbox_retention_days
            ),
            data_keys=_data_keys(env),
        )
        problems = [*read.problems, *settings._bounds_problems()]
        if problems:
            raise ConfigError(*problems)
        return settings

    def secret_cipher(self) -> WebhookSecretCipher | None:
        """What opens webhook secrets; ``None`` without a data key (sealed ones stay shut)."""
        return WebhookSecretCipher(*self.data_keys) if self.data_keys else None

    def _bounds_problems(self) -> list[str]:
        bounds = (
            ("HUB_WEBHOOK_ATTEMPTS_MAX", self.attempts_max, 1, ATTEMPTS_MAX),
            ("HUB_WEBHOOK_BACKOFF_S", self.backoff_base_s, 0, BACKOFF_MAX_S),
            ("HUB_WEBHOOK_BACKOFF_MAX_S", self.backoff_max_s, 0, BACKOFF_MAX_S),
            ("HUB_RELAY_POLL_S", self.poll_interval_s, 0.01, BACKOFF_MAX_S),
            ("HUB_OUTBOX_RETENTION_DAYS", self.outbox_retention_days, 1, RETENTION_DAYS_MAX),
        )
        return [
            f"{name} must be {low}..{high} (got {value})"
            for name, value, low, high in bounds
            if not low <= value <= high
        ]


def _data_keys(env: Mapping[str, str]) -> tuple[bytes, ...]:
    """The data keyring as the hub reads it (``ConfigError`` for a malformed key); empty
    without ``HUB_DATA_KEY``."""
    hub = Settings(
        data_key_hex=env.get("HUB_DATA_KEY", ""),
        data_keys_retired_hex=env.get("HUB_DATA_KEYS_RETIRED", ""),
    )
    return hub.data_keys() if hub.data_key_hex else ()
