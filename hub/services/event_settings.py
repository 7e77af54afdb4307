"""Operators' settings of a partner's events: its webhook (HTTPS only) and secret, and how
many days ahead its members' points are announced as expiring. Audited like every change;
the secret is shown once, when it is made, never written to the audit log, and stored only
sealed with the hub's data key (``hub.domain.webhook_secrets``): the relay opens it.

A new webhook receives the events written after it was set, not the partner's history (or
those from an explicit ``deliver_from``); a changed URL goes on where the old one stopped."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

from hub.domain.clock import Clock
from hub.domain.errors import WebhookSecretKeyMissing, WebhookSettingRefused
from hub.domain.limits import EXPIRY_NOTICE_DAYS_MAX
from hub.domain.webhook_secrets import WebhookSecretCipher, is_sealed
from hub.services import audit
from hub.services.commands import Attribution
from hub.services.ports.outbox import EventSettings, OutboxRepository
from hub.services.ports.unit_of_work import UnitOfWorkFactory

SECRET_PREFIX = "whsec_"  # noqa: S105 -- a prefix that names what the token is
SECRET_BYTES = 32
WEBHOOK_URL_CHARS_MAX = 2048


Changed = tuple[EventSettings, str | None]
"""A change's settings to store, and the secret it made (shown once), if it made one."""


@dataclass(frozen=True, slots=True)
class WebhookView:
    partner_id: str
    url: str | None
    expiry_notice_days: int
    secret: str | None = None
    """Only in the answer of the change that made it; otherwise ``None``."""
    has_secret: bool = False


def check_webhook_url(url: str) -> str:
    """``url`` when it is an absolute https:// URL with a host; ``WebhookSettingRefused``."""
    parts = urlsplit(url.strip())
    if len(url) > WEBHOOK_URL_CHARS_MAX or parts.scheme != "https" or not parts.hostname:
        raise WebhookSettingRefused(
            f"a webhook URL must be an absolute https:// URL; got {url[:80]!r}", field="url"
        )
    return url.strip()


def set_webhook(
    partner_id: str,
    url: str,
    by: Attribution,
    *,
    deliver_from: datetime | None = None,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    secret_cipher: WebhookSecretCipher | None,
) -> WebhookView:
    """Set the partner's webhook; a partner without a secret gets one (shown in the answer).

    A first webhook starts after the last event written so far; ``deliver_from`` starts it at
    the first event written from then on (delivered again if it was); a new URL without it goes
    on where the old one stopped."""
    checked = check_webhook_url(url)
    cipher = _required(secret_cipher)
    fresh = _new_secret()

    def change(settings: EventSettings, outbox: OutboxRepository) -> Changed:
        start = settings.webhook_start_after
        if settings.webhook_url is None or deliver_from is not None:
            start = outbox.last_event_before(deliver_from)
        stored = settings.webhook_secret
        sealed = _sealed(cipher, partner_id, stored or fresh)
        after = replace(
            settings, webhook_url=checked, webhook_secret=sealed, webhook_start_after=start
        )
        return after, fresh if stored is None else None

    details: dict[str, str | int] = {"url": checked}
    if deliver_from is not None:
        details["deliver_from"] = deliver_from.isoformat()
    return _changed(partner_id, change, by, "partner.set_webhook", uow_factory, clock, **details)


def rotate_secret(
    partner_id: str,
    by: Attribution,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    secret_cipher: WebhookSecretCipher | None,
) -> WebhookView:
    """A new secret for the partner's webhook, in force for the next delivery."""
    cipher = _required(secret_cipher)
    fresh = _new_secret()
    sealed = cipher.seal(partner_id, fresh)
    return _changed(
        partner_id,
        lambda settings, _: (replace(settings, webhook_secret=sealed), fresh),
        by,
        "partner.rotate_webhook_secret",
        uow_factory,
        clock,
    )


def set_expiry_notice_days(
    partner_id: str, days: int, by: Attribution, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> WebhookView:
    if not 1 <= days <= EXPIRY_NOTICE_DAYS_MAX:
        raise WebhookSettingRefused(
            f"expiry notice days must be 1 to {EXPIRY_NOTICE_DAYS_MAX}; got {days}",
            field="expiry_notice_days",
        )
    return _changed(
        partner_id,
        lambda settings, _: (replace(settings, expiry_notice_days=days), None),
        by,
        "partner.set_expiry_notice_days",
        uow_factory,
        clock,
        days=days,
    )


def show_webhook(partner_id: str, *, uow_factory: UnitOfWorkFactory) -> WebhookView:
    with uow_factory(read_only=True) as uow:
        uow.partners.get(partner_id)  # PartnerNotFound
        return _view(uow.outbox.settings(partner_id))


def _changed(
    partner_id: str,
    change: Callable[[EventSettings, OutboxRepository], Changed],
    by: Attribution,
    action: str,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    **details: str | int,
) -> WebhookView:
    now = clock.now()
    with uow_factory() as uow:
        uow.partners.get(partner_id)  # PartnerNotFound
        after, made_secret = change(uow.outbox.settings(partner_id), uow.outbox)
        uow.outbox.save_settings(after, now)
        audit.record(uow, by.event(action, f"partner:{partner_id}", **details), now)
        uow.commit()
    return _view(after, secret=made_secret)


def _view(settings: EventSettings, *, secret: str | None = None) -> WebhookView:
    return WebhookView(
        settings.partner_id,
        settings.webhook_url,
        settings.expiry_notice_days,
        secret=secret,
        has_secret=settings.webhook_secret is not None,
    )


def _required(cipher: WebhookSecretCipher | None) -> WebhookSecretCipher:
    if cipher is None:
        raise WebhookSecretKeyMissing(
            "the hub has no data key (HUB_DATA_KEY) to seal the webhook secret with; it keeps "
            "none in plain text"
        )
    return cipher


def _sealed(cipher: WebhookSecretCipher, partner_id: str, stored: str) -> str:
    """``stored`` sealed; one written before secrets were sealed is sealed now."""
    return stored if is_sealed(stored) else cipher.seal(partner_id, stored)


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
