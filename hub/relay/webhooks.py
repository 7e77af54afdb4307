"""Partners' webhooks: an event POSTed as JSON over HTTPS, signed with the partner's secret.

The signature is HMAC-SHA256 over ``"<timestamp>.<body>"`` in ``X-Hub-Signature``
(``v1=<hex>``), the Unix time of the attempt in ``X-Hub-Timestamp``: a partner's verifier
(``partner_sdk.webhooks.verify``) refuses an unsigned, tampered or stale delivery. Each attempt
is signed anew, so a retried delivery is never stale. A delivery is retried with full-jitter
exponential backoff up to ``attempts_max`` times; then it is the caller's to dead-letter.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from hub.relay.settings import WEBHOOK_TIMEOUT_S, RelaySettings
from hub.relay.store import OutboxEvent, Webhook

SIGNATURE_VERSION = "v1"
Sleep = Callable[[float], None]


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``v1=<hex HMAC-SHA256 of "timestamp.body">``; what ``partner_sdk.webhooks`` checks."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def headers(event: OutboxEvent, body: bytes, secret: str, now_s: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "coalition-hub-relay",
        "X-Hub-Event-Id": str(event.id),
        "X-Hub-Event-Kind": event.kind,
        "X-Hub-Timestamp": str(now_s),
        "X-Hub-Signature": signature(secret, now_s, body),
    }


@dataclass(frozen=True, slots=True)
class Outcome:
    attempts: int
    error: str | None
    """``None``: a 2xx answer; otherwise the last attempt's failure."""


class WebhookSender:
    """Sends events to webhooks; ``sleep`` waits between attempts (tests pass their own)."""

    def __init__(self, settings: RelaySettings, *, sleep: Sleep = time.sleep) -> None:
        self._settings = settings
        self._sleep = sleep
        self._tls = ssl.create_default_context(cafile=settings.webhook_ca_file or None)

    def deliver(
        self, webhook: Webhook, event: OutboxEvent, *, attempts_max: int | None = None
    ) -> Outcome:
        """Deliver ``event``, retrying with backoff; the outcome of the last attempt."""
        attempts_max = attempts_max or self._settings.attempts_max
        error: str | None = None
        for attempt in range(1, attempts_max + 1):
            if attempt > 1:
                self._sleep(self._backoff_s(attempt - 1))
            error = self._attempt(webhook, event)
            if error is None:
                return Outcome(attempt, None)
        return Outcome(attempts_max, error)

    def _backoff_s(self, retry: int) -> float:
        ceiling_s = min(self._settings.backoff_max_s, self._settings.backoff_base_s * 2**retry)
        return random.uniform(0, ceiling_s)  # noqa: S311 -- jitter, not a secret

    def _attempt(self, webhook: Webhook, event: OutboxEvent) -> str | None:
        body = event.body()
        url = urlsplit(webhook.url)
        if url.scheme != "https" or not url.hostname:
            return f"refused to deliver to a non-HTTPS URL {webhook.url!r}"
        sent = headers(event, body, webhook.secret, int(time.time()))
        connection = http.client.HTTPSConnection(
            url.hostname, url.port or 443, timeout=WEBHOOK_TIMEOUT_S, context=self._tls
        )
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        try:
            connection.request("POST", path, body=body, headers=sent)
            answer = connection.getresponse()
            answer.read()
        except (OSError, http.client.HTTPException) as exc:
            return f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
        if 200 <= answer.status < 300:
            return None
        return f"HTTP {answer.status} {answer.reason}"
