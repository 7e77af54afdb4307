"""Operators' settings of a partner's events: its webhook (HTTPS only) and secret, and how
many days ahead its members' points are announced as expiring. Audited like every change;
the secret is shown once, when it is made, and never written to the audit log."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from hub.domain.clock import Clock
from hub.domain.errors import WebhookSettingRefused
from hub.domain.limits import EXPIRY_NOTICE_DAYS_MAX
from hub.services import audit
from hub.services.commands import Attribution
from hub.services.ports.outbox import EventSettings
from hub.services.ports.unit_of_work import UnitOfWorkFactory

SECRET_PREFIX = "whsec_"  # noqa: S105 -- a prefix that names what the token is
SECRET_BYTES = 32
WEBHOOK_URL_CHARS_MAX = 2048


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
    partner_id: str, url: str, by: Attribution, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> WebhookView:
    """Set the partner's webhook; a partner without a secret gets one (shown in the answer)."""
    checked = check_webhook_url(url)

    def change(settings: EventSettings) -> EventSettings:
        return replace(
            settings, webhook_url=checked, webhook_secret=settings.webhook_secret or _new_secret()
        )

    return _changed(partner_id, change, by, "partner.set_webhook", uow_factory, clock, url=checked)


def rotate_secret(
    partner_id: str, by: Attribution, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> WebhookView:
    """A new secret for the partner's webhook, in force for the next delivery."""
    return _changed(
        partner_id,
        lambda settings: replace(settings, webhook_secret=_new_secret()),
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
        lambda settings: replace(settings, expiry_notice_days=days),
        by,
        "partner.set_expiry_notice_days",
        uow_factory,
        clock,
        days=days,
    )


def show_webhook(partner_id: str, *, uow_factory: UnitOfWorkFactory) -> WebhookView:
    with uow_factory(read_only=True) as uow:
        uow.partners.get(partner_id)  # PartnerNotFound
        return _view(uow.outbox.settings(partner_id), show_secret=False)


def _changed(
    partner_id: str,
    change: Callable[[EventSettings], EventSettings],
    by: Attribution,
    action: str,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    **details: str | int,
) -> WebhookView:
    now = clock.now()
    with uow_factory() as uow:
        uow.partners.get(partner_id)  # PartnerNotFound
        before = uow.outbox.settings(partner_id)
        after = change(before)
        uow.outbox.save_settings(after, now)
        audit.record(uow, by.event(action, f"partner:{partner_id}", **details), now)
        uow.commit()
    return _view(after, show_secret=after.webhook_secret != before.webhook_secret)


def _view(settings: EventSettings, *, show_secret: bool) -> WebhookView:
    return WebhookView(
        settings.partner_id,
        settings.webhook_url,
        settings.expiry_notice_days,
        secret=settings.webhook_secret if show_secret else None,
        has_secret=settings.webhook_secret is not None,
    )


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
