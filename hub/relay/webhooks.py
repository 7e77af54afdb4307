"""Partners' webhooks: an event POSTed as JSON over HTTPS, signed with the partner's secret.

The signature is HMAC-SHA256 over ``"<timestamp>.<body>"`` in ``X-Hub-Signature``
(``v1=<hex>``), the Unix time of the attempt in ``X-Hub-Timestamp``: a partner's verifier
(``partner_sdk.webhooks.verify``) refuses an unsigned, tampered or stale delivery. Each attempt
is signed anew, so a retried delivery is never stale. A delivery is retried with full-jitter
exponential backoff up to ``attempts_max`` times; then it is the caller's to dead-letter.
Connections are kept alive between deliveries to one host (a TLS handshake per event would
cost more than the event); one the partner closed while idle is reopened at once.
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

from hub.relay.settings import WEBHOOK_BODY_MAX_BYTES, WEBHOOK_TIMEOUT_S, RelaySettings
from hub.relay.store import OutboxEvent, Webhook

SIGNATURE_VERSION = "v1"
Sleep = Callable[[float], None]
Host = tuple[str, int]


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
        self._open: dict[Host, http.client.HTTPSConnection] = {}

    def close(self) -> None:
        """Close the connections kept alive."""
        for connection in self._open.values():
            connection.close()
        self._open.clear()

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
        host = (url.hostname, url.port or 443)
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        reused = host in self._open
        try:
            status, reason = self._post(host, path, body, sent)
        except (OSError, http.client.HTTPException) as exc:
            if not reused:
                return f"{type(exc).__name__}: {exc}"
            try:  # the partner closed the idle connection: once more, on a new one
                status, reason = self._post(host, path, body, sent)
            except (OSError, http.client.HTTPException) as again:
                return f"{type(again).__name__}: {again}"
        if 200 <= status < 300:
            return None
        return f"HTTP {status} {reason}"

    def _post(self, host: Host, path: str, body: bytes, sent: dict[str, str]) -> tuple[int, str]:
        """POST on the host's kept connection (opened if there is none); closed and dropped on
        any failure, or when the answer says so."""
        connection = self._open.pop(host, None) or http.client.HTTPSConnection(
            *host, timeout=WEBHOOK_TIMEOUT_S, context=self._tls
        )
        try:
            connection.request("POST", path, body=body, headers=sent)
            answer = connection.getresponse()
            answer.read(WEBHOOK_BODY_MAX_BYTES)
        except BaseException:
            connection.close()
            raise
        if answer.isclosed() and not answer.will_close:
            self._open[host] = connection
        else:
            connection.close()
        return answer.status, answer.reason
